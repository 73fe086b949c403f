"""The built-in data, drawn raw (before splitting and scaling)."""

from __future__ import annotations

import threading

import numpy as np

from ..errors import SpecError

# --- raw generators -------------------------------------------------------------
# Each returns (X, y, feature_names, class_names, notes); ``noise`` is the standard
# deviation of Gaussian jitter on the features unless the docstring says otherwise.

def _jitter(rng, X, noise):
    return X + rng.normal(scale=noise, size=X.shape) if noise else X


def moons(n, noise, rng, **_):
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=n, noise=noise, random_state=int(rng.integers(2**31)))
    return X, y, ["x0", "x1"], ["0", "1"], []


def circles(n, noise, rng, factor=0.5, **_):
    from sklearn.datasets import make_circles

    X, y = make_circles(n_samples=n, noise=noise, factor=factor, random_state=int(rng.integers(2**31)))
    return X, y, ["x0", "x1"], ["outer", "inner"], []


def xor(n, noise, rng, **_):
    X = rng.uniform(-1, 1, size=(n, 2))
    y = (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(int)
    return _jitter(rng, X, noise), y, ["x0", "x1"], ["same sign", "opposite sign"], []


def gaussians(n, noise, rng, separation=2.0, **_):
    """Two isotropic Gaussians with centres ``separation`` apart; ``noise`` adds to their unit-half spread."""
    y = np.arange(n) % 2
    rng.shuffle(y)
    centres = np.array([[-1.0, -1.0], [1.0, 1.0]]) * separation / (2 * np.sqrt(2))
    X = centres[y] + rng.normal(scale=0.5 + noise, size=(n, 2))
    return X, y, ["x0", "x1"], ["A", "B"], []


def spiral(n, noise, rng, turns=1.5, **_):
    y = np.arange(n) % 2
    rng.shuffle(y)
    t = np.sqrt(rng.uniform(0, 1, size=n)) * turns * 2 * np.pi
    r = t / (turns * 2 * np.pi)
    phase = np.pi * y
    X = np.c_[r * np.cos(t + phase), r * np.sin(t + phase)]
    return _jitter(rng, X, noise * 0.5), y, ["x0", "x1"], ["arm 0", "arm 1"], []


def _subsample(rng, X, y, n, name):
    """A stratified subsample of a fixed table; all of it when n is at least its size."""
    if n >= len(X):
        note = [] if n == len(X) else [f"{name} has {len(X)} samples; used all of them, not {n}"]
        return X, y, note
    from sklearn.model_selection import train_test_split

    idx, _ = train_test_split(np.arange(len(X)), train_size=n, stratify=y,
                              random_state=int(rng.integers(2**31)))
    return X[idx], y[idx], [f"used a stratified subsample of {n} of {len(X)} samples"]


def iris(n, noise, rng, **_):
    from sklearn.datasets import load_iris

    data = load_iris()
    X, y, notes = _subsample(rng, data.data, data.target, n, "iris")
    return X, y, [str(f) for f in data.feature_names], [str(t) for t in data.target_names], notes


def breast_cancer(n, noise, rng, **_):
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    X, y, notes = _subsample(rng, data.data, data.target, n, "breast_cancer")
    return X, y, [str(f) for f in data.feature_names], [str(t) for t in data.target_names], notes


def sine(n, noise, rng, **_):
    x = np.sort(rng.uniform(0, 2 * np.pi, size=n))
    y = np.sin(x) + rng.normal(scale=noise, size=n)
    return x[:, None], y, ["x"], None, []


def surface(n, noise, rng, **_):
    X = rng.uniform(-np.pi, np.pi, size=(n, 2))
    y = np.sin(X[:, 0]) * np.cos(X[:, 1]) + rng.normal(scale=noise, size=n)
    return X, y, ["x0", "x1"], None, []


_AD_HOC_LOCK = threading.Lock()


def ad_hoc_split(n, test_size, seed, num_features, gap):
    """Havlíček et al. 2019's data via qiskit-machine-learning: its own balanced train/test split."""
    from qiskit_machine_learning.datasets import ad_hoc_data
    from qiskit_machine_learning.utils import algorithm_globals

    dim = 2 if num_features is None else num_features
    if dim not in (2, 3):
        raise SpecError("dataset.num_features", num_features, [2, 3],
                        reason="is not a dimension ad_hoc data supports")
    per_class = max(n // 2, 2)
    test_per_class = max(int(round(per_class * test_size)), 1)
    train_per_class = per_class - test_per_class
    if train_per_class < 1:
        raise SpecError("dataset.n_samples", n, reason="leaves no training points for ad_hoc; use more samples")
    # ad_hoc_data draws from qiskit-ml's global generator; seed it, and serialise callers.
    with _AD_HOC_LOCK:
        old = algorithm_globals.random_seed
        algorithm_globals.random_seed = seed
        try:
            X_tr, y_tr, X_te, y_te = ad_hoc_data(train_per_class, test_per_class, dim, gap,
                                                 one_hot=False)
        finally:
            algorithm_globals.random_seed = old
    notes = [f"ad_hoc (Havlíček et al. 2019), {dim} features, gap {gap}: "
             f"{train_per_class} train and {test_per_class} test points per class"]
    # ad_hoc_data returns the classes in blocks (all of A, then all of B); shuffle, seeded.
    rng = np.random.default_rng(seed)
    tr, te = rng.permutation(len(X_tr)), rng.permutation(len(X_te))
    # Labels come back as {0, 1} although the docstring says ±1 (FIELD-NOTES).
    return (np.asarray(X_tr, float)[tr], np.asarray(X_te, float)[te], np.asarray(y_tr).astype(int)[tr],
            np.asarray(y_te).astype(int)[te], [f"x{i}" for i in range(dim)], ["A", "B"], notes)
