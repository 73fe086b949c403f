"""Datasets by name, from arrays and from CSV, split and scaled for a quantum encoding.

Every loader returns a :class:`Dataset`.  The order of work is always: draw or
read the data, split it (stratified for classification, seeded), then fit any
reduction (PCA) and the scaler on the training part only and apply them to
both parts, so no information from the test set leaks into training.

``scaling="auto"`` maps features into the range the angle encodings expect,
``[0, π]`` (a rotation by more than π starts to undo itself); Havlíček's
``ad_hoc`` data already lives in its native ``[0, 2π)`` and is left alone.
``"minmax"`` maps to ``[0, 1]``, ``"standard"`` to zero mean and unit
variance, ``"none"`` leaves the values as they are.  Regression targets are
never rescaled: ``sine`` and ``surface`` already lie in [-1, 1], the range of
an expectation value.
"""

from __future__ import annotations

import csv
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from .errors import DataError, SpecError
from .spec import SCALINGS

__all__ = ["Dataset", "DATASETS", "DatasetEntry", "load", "from_spec", "from_arrays", "from_csv",
           "AUTO_RANGE", "TASKS"]

TASKS = ("classification", "regression")
#: User data (arrays, CSV) with more features than this is reduced with PCA to this many
#: by default, as the built-in breast_cancer is: one qubit per feature, and more than a few
#: qubits make training slow.  ``num_features`` chooses another count (or keeps them all).
MAX_AUTO_FEATURES = 8
AUTO_RANGE = (0.0, float(np.pi))
_AD_HOC_RANGE = (0.0, float(2 * np.pi))


@dataclass
class Dataset:
    """Train/test arrays plus what a person needs to read them.

    ``feature_range`` is the interval the scaler mapped the training features
    into (None for "standard" and "none"); ``notes`` says what was done to the
    data (reductions, clipping, ignored settings) in plain words.
    """

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    task: str
    feature_names: list = field(default_factory=list)
    class_names: list | None = None
    name: str = ""
    notes: list = field(default_factory=list)
    feature_range: tuple | None = None
    scaling: str = "none"

    @property
    def num_features(self) -> int:
        return int(self.X_train.shape[1])

    @property
    def num_classes(self) -> int | None:
        return None if self.class_names is None else len(self.class_names)

    @property
    def X(self) -> np.ndarray:
        return np.vstack([self.X_train, self.X_test])

    @property
    def y(self) -> np.ndarray:
        return np.concatenate([self.y_train, self.y_test])

    def summary(self) -> str:
        kind = (f"{self.num_classes} classes" if self.task == "classification" else "regression")
        nf = self.num_features
        return (f"{self.name}: {len(self.X_train)} train / {len(self.X_test)} test, "
                f"{nf} feature{'s' if nf != 1 else ''}, {kind}")


# --- raw generators -------------------------------------------------------------
# Each returns (X, y, feature_names, class_names, notes); ``noise`` is the standard
# deviation of Gaussian jitter on the features unless the docstring says otherwise.

def _jitter(rng, X, noise):
    return X + rng.normal(scale=noise, size=X.shape) if noise else X


def _moons(n, noise, rng, **_):
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=n, noise=noise, random_state=int(rng.integers(2**31)))
    return X, y, ["x0", "x1"], ["0", "1"], []


def _circles(n, noise, rng, factor=0.5, **_):
    from sklearn.datasets import make_circles

    if not 0 < factor < 1:
        raise SpecError("dataset.options.factor", factor, reason="must be between 0 and 1 (inner/outer radius)")
    X, y = make_circles(n_samples=n, noise=noise, factor=factor, random_state=int(rng.integers(2**31)))
    return X, y, ["x0", "x1"], ["outer", "inner"], []


def _xor(n, noise, rng, **_):
    X = rng.uniform(-1, 1, size=(n, 2))
    y = (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(int)
    return _jitter(rng, X, noise), y, ["x0", "x1"], ["same sign", "opposite sign"], []


def _gaussians(n, noise, rng, separation=2.0, **_):
    """Two isotropic Gaussians with centres ``separation`` apart; ``noise`` adds to their unit-half spread."""
    y = np.arange(n) % 2
    rng.shuffle(y)
    centres = np.array([[-1.0, -1.0], [1.0, 1.0]]) * separation / (2 * np.sqrt(2))
    X = centres[y] + rng.normal(scale=0.5 + noise, size=(n, 2))
    return X, y, ["x0", "x1"], ["A", "B"], []


def _spiral(n, noise, rng, turns=1.5, **_):
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


def _iris(n, noise, rng, **_):
    from sklearn.datasets import load_iris

    data = load_iris()
    X, y, notes = _subsample(rng, data.data, data.target, n, "iris")
    return X, y, [str(f) for f in data.feature_names], [str(t) for t in data.target_names], notes


def _breast_cancer(n, noise, rng, **_):
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    X, y, notes = _subsample(rng, data.data, data.target, n, "breast_cancer")
    return X, y, [str(f) for f in data.feature_names], [str(t) for t in data.target_names], notes


def _sine(n, noise, rng, **_):
    x = np.sort(rng.uniform(0, 2 * np.pi, size=n))
    y = np.sin(x) + rng.normal(scale=noise, size=n)
    return x[:, None], y, ["x"], None, []


def _surface(n, noise, rng, **_):
    X = rng.uniform(-np.pi, np.pi, size=(n, 2))
    y = np.sin(X[:, 0]) * np.cos(X[:, 1]) + rng.normal(scale=noise, size=n)
    return X, y, ["x0", "x1"], None, []


_AD_HOC_LOCK = threading.Lock()


def _ad_hoc_split(n, test_size, seed, num_features, gap):
    """Havlíček et al. 2019's data via qiskit-machine-learning: its own balanced train/test split."""
    from qiskit_machine_learning.datasets import ad_hoc_data
    from qiskit_machine_learning.utils import algorithm_globals

    dim = 2 if num_features is None else num_features
    if dim not in (2, 3):
        raise SpecError("dataset.num_features", num_features, [2, 3],
                        reason="is not a dimension ad_hoc data supports")
    if isinstance(gap, bool) or not isinstance(gap, (int, float)) or gap < 0:
        raise SpecError("dataset.options.gap", gap, reason="must be a number >= 0")
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


@dataclass(frozen=True)
class DatasetEntry:
    """A registry entry; calling it is ``load(name, ...)``.

    ``num_features`` is how many features ``load`` returns by default (one qubit each);
    ``raw_features`` how many the source has (more means a PCA reduction by default).
    """

    name: str
    task: str
    generate: Callable | None
    options: dict = field(default_factory=dict)
    num_features: int = 2
    description: str = ""
    raw_features: int | None = None

    def __call__(self, **kwargs) -> Dataset:
        return load(self.name, **kwargs)


DATASETS: dict[str, DatasetEntry] = {
    e.name: e for e in [
        DatasetEntry("ad_hoc", "classification", None, {"gap": 0.3}, 2,
                     "Havlíček et al. 2019: separable by the ZZ feature map, hard for RBF kernels"),
        DatasetEntry("moons", "classification", _moons, {}, 2, "two interleaving half circles"),
        DatasetEntry("circles", "classification", _circles, {"factor": 0.5}, 2,
                     "a small circle inside a large one"),
        DatasetEntry("xor", "classification", _xor, {}, 2, "label = whether x0 and x1 differ in sign"),
        DatasetEntry("gaussians", "classification", _gaussians, {"separation": 2.0}, 2,
                     "two Gaussian blobs"),
        DatasetEntry("spiral", "classification", _spiral, {"turns": 1.5}, 2, "two interleaved spirals"),
        DatasetEntry("iris", "classification", _iris, {}, 4, "Fisher's iris, 3 classes, 4 features"),
        DatasetEntry("breast_cancer", "classification", _breast_cancer, {}, 2,
                     "Wisconsin breast cancer, 30 features reduced with PCA (default 2)", raw_features=30),
        DatasetEntry("sine", "regression", _sine, {}, 1, "y = sin(x) + noise on [0, 2π]"),
        DatasetEntry("surface", "regression", _surface, {}, 2, "y = sin(x0) cos(x1) + noise"),
    ]
}

# --- checks -----------------------------------------------------------------------

def _check_finite(X: np.ndarray, feature_names, what="X") -> None:
    bad = ~np.isfinite(X)
    if bad.any():
        cols = np.flatnonzero(bad.any(axis=0))
        parts = []
        for c in cols[:5]:
            name = feature_names[c] if feature_names is not None and c < len(feature_names) else f"column {c}"
            n_nan = int(np.isnan(X[:, c]).sum())
            n_inf = int(np.isinf(X[:, c]).sum())
            kinds = " and ".join(k for k, v in (("NaN", n_nan), ("infinite", n_inf)) if v)
            parts.append(f"'{name}' has {int(bad[:, c].sum())} rows with {kinds} values")
        more = f" (and {len(cols) - 5} more columns)" if len(cols) > 5 else ""
        raise DataError(f"{what}: " + "; ".join(parts) + more +
                        "; drop or impute those rows before loading")


def _check_scaling(scaling):
    if scaling not in SCALINGS:
        raise SpecError("dataset.scaling", scaling, SCALINGS)


def _check_test_size(test_size):
    if isinstance(test_size, bool) or not isinstance(test_size, (int, float)) or not 0 < test_size < 1:
        raise SpecError("dataset.test_size", test_size, reason="must be a fraction between 0 and 1 (exclusive)")


def _check_num_features(num_features):
    if num_features is not None and (isinstance(num_features, bool) or
                                     not isinstance(num_features, (int, np.integer)) or num_features < 1):
        raise SpecError("dataset.num_features", num_features, reason="must be an integer >= 1 or None")


def _infer_task(y: np.ndarray) -> str:
    if y.dtype.kind in "OUSb":
        return "classification"
    if y.dtype.kind in "iu":
        return "classification" if len(np.unique(y)) <= max(20, len(y) // 10) else "regression"
    integral = np.all(np.isfinite(y)) and np.allclose(y, np.round(y))
    return "classification" if integral and len(np.unique(y)) <= 20 else "regression"


def _encode_labels(y: np.ndarray, class_names):
    """Labels as 0..k-1 ints, and their names."""
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        raise DataError(f"y: {int((~np.isfinite(y)).sum())} labels are NaN or infinite; "
                        "every sample needs a class label")
    if y.dtype.kind == "f" and not np.allclose(y, np.round(y)):
        raise DataError("y: classification labels must be classes (integers or strings), "
                        f"got non-integer values such as {y[~np.isclose(y, np.round(y))][0]!r}; "
                        "pass task='regression' for a continuous target")
    values = y.astype(int) if y.dtype.kind in "fb" else y
    classes, encoded = np.unique(values, return_inverse=True)
    if len(classes) < 2:
        raise DataError(f"y: found only one class ({classes[0]!r}); classification needs at least 2")
    if class_names is None:
        class_names = [str(c) for c in classes]
    elif len(class_names) != len(classes):
        raise DataError(f"class_names: {len(class_names)} names for {len(classes)} classes")
    counts = np.bincount(encoded)
    if counts.min() < 2:
        rare = [str(classes[i]) for i in np.flatnonzero(counts < 2)]
        raise DataError(f"y: class {', '.join(rare)} has fewer than 2 samples; a stratified "
                        "train/test split needs at least 2 per class")
    return encoded.astype(int), list(class_names)


# --- the common pipeline -----------------------------------------------------------

def _split(X, y, task, test_size, seed):
    from sklearn.model_selection import train_test_split

    stratify = y if task == "classification" else None
    try:
        return train_test_split(X, y, test_size=test_size, random_state=seed, stratify=stratify)
    except ValueError as exc:
        raise DataError(f"dataset: cannot split {len(X)} samples with test_size={test_size} "
                        f"({exc}); use more samples or another test_size") from None


def _reduce(X_train, X_test, feature_names, num_features, notes, name):
    have = X_train.shape[1]
    if num_features is None or num_features == have:
        return X_train, X_test, feature_names
    if num_features > have:
        raise SpecError("dataset.num_features", num_features,
                        reason=f"is more than the {have} features {name or 'the data'} has")
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    std = StandardScaler().fit(X_train)
    pca = PCA(n_components=num_features, random_state=0).fit(std.transform(X_train))
    kept = float(pca.explained_variance_ratio_.sum())
    notes.append(f"reduced {have} features to {num_features} with PCA (standardised first, fitted "
                 f"on the training set; {kept:.0%} of the variance kept)")
    return (pca.transform(std.transform(X_train)), pca.transform(std.transform(X_test)),
            [f"pc{i}" for i in range(num_features)])


def _scale(X_train, X_test, scaling, notes, native_range=None, feature_range=None):
    if scaling == "auto" and native_range is not None and feature_range is None:
        notes.append(f"kept the native feature range [{native_range[0]:.3g}, {native_range[1]:.3g})")
        return X_train, X_test, tuple(native_range), "none"
    if scaling == "none":
        return X_train, X_test, None, "none"
    if scaling == "standard":
        from sklearn.preprocessing import StandardScaler

        s = StandardScaler().fit(X_train)
        notes.append("standardised features to zero mean and unit variance (fitted on the training set)")
        return s.transform(X_train), s.transform(X_test), None, "standard"
    from sklearn.preprocessing import MinMaxScaler

    rng = feature_range if feature_range is not None else (AUTO_RANGE if scaling == "auto" else (0.0, 1.0))
    rng = (float(rng[0]), float(rng[1]))
    s = MinMaxScaler(feature_range=rng).fit(X_train)
    notes.append(f"scaled features into [{rng[0]:.3g}, {rng[1]:.3g}] (fitted on the training set; "
                 "test points may fall slightly outside)")
    return s.transform(X_train), s.transform(X_test), rng, "minmax" if scaling == "minmax" else "auto"


def check_feature_range(value):
    """``dataset.options.feature_range`` as a ``(low, high)`` tuple, or a SpecError naming it."""
    return _check_range(value)


def _check_range(value):
    if (not isinstance(value, (list, tuple)) or len(value) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v)
                       for v in value) or value[0] >= value[1]):
        raise SpecError("dataset.options.feature_range", value, reason="must be [low, high] with low < high")
    return tuple(float(v) for v in value)


def _finish(X, y, task, feature_names, class_names, name, notes, test_size, seed, scaling,
            num_features, feature_range=None) -> Dataset:
    X_tr, X_te, y_tr, y_te = _split(X, y, task, test_size, seed)
    X_tr, X_te, feature_names = _reduce(X_tr, X_te, feature_names, num_features, notes, name)
    X_tr, X_te, frange, used = _scale(X_tr, X_te, scaling, notes, feature_range=feature_range)
    return Dataset(np.ascontiguousarray(X_tr, float), np.ascontiguousarray(X_te, float),
                   y_tr, y_te, task, list(feature_names), class_names, name, notes, frange, used)


def load(name: str, n_samples: int = 100, noise: float = 0.1, test_size: float = 0.25, seed: int = 0,
         scaling: str = "auto", num_features: int | None = None, **options) -> Dataset:
    """Draw a registered dataset, split it (seeded, stratified) and scale it."""
    if not isinstance(name, str) or name not in DATASETS:
        raise SpecError("dataset.name", name, sorted(DATASETS), reason="is not a known dataset")
    entry = DATASETS[name]
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < 4:
        raise SpecError("dataset.n_samples", n_samples, reason="must be an integer >= 4")
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not np.isfinite(noise) or noise < 0:
        raise SpecError("dataset.noise", noise, reason="must be a finite number >= 0")
    _check_test_size(test_size)
    _check_scaling(scaling)
    _check_num_features(num_features)
    feature_range = options.pop("feature_range", None)
    if feature_range is not None:
        feature_range = _check_range(feature_range)
    for key in options:
        if key not in entry.options:
            raise SpecError(f"dataset.options.{key}", options[key],
                            sorted(entry.options) + ["feature_range"],
                            reason=f"is not an option of {name}")
    opts = {**entry.options, **options}
    if name == "ad_hoc":
        X_tr, X_te, y_tr, y_te, fnames, cnames, notes = _ad_hoc_split(
            n_samples, test_size, seed, num_features, opts["gap"])
        if noise:
            notes.append("noise does not apply to ad_hoc (its labels are defined by the gap)")
        if scaling == "auto" and feature_range is None:
            frange, used = _AD_HOC_RANGE, "none"
            notes.append("kept the native feature range [0, 2π) the ZZ feature map expects")
        else:
            X_tr, X_te, frange, used = _scale(X_tr, X_te, scaling, notes, feature_range=feature_range)
        return Dataset(X_tr, X_te, y_tr, y_te, "classification", fnames, cnames, name, notes, frange, used)

    rng = np.random.default_rng(seed)
    X, y, fnames, cnames, notes = entry.generate(n_samples, float(noise), rng, **opts)
    if num_features is None and entry.raw_features and entry.num_features < entry.raw_features:
        num_features = entry.num_features
    return _finish(np.asarray(X, float), y, entry.task, fnames, cnames, name, list(notes), test_size,
                   seed, scaling, num_features, feature_range)


def from_spec(dataset_spec, seed: int = 0, num_features: int | None = None) -> Dataset:
    """A :class:`Dataset` for a :class:`~qmlbench.engine.spec.DatasetSpec`."""
    s = dataset_spec
    try:
        return load(s.name, n_samples=s.n_samples, noise=s.noise, test_size=s.test_size, seed=seed,
                    scaling=s.scaling, num_features=num_features, **dict(s.options))
    except SpecError as exc:
        if exc.field != "dataset.num_features":
            raise
        # In a spec the feature count is the circuit's width: name the field a user can change.
        raise SpecError("circuit.num_qubits", exc.value, exc.allowed,
                        reason=f"{exc.reason}; leave num_qubits null for one qubit per feature") from None


def from_arrays(X, y, task: str | None = None, test_size: float = 0.25, seed: int = 0,
                scaling: str = "auto", num_features: int | None = None, feature_names=None,
                class_names=None, name: str = "arrays", feature_range=None) -> Dataset:
    """User data as a :class:`Dataset`; ``task`` is inferred from ``y`` when not given.

    More than :data:`MAX_AUTO_FEATURES` features are reduced to that many with PCA (fitted
    on the training part) unless ``num_features`` says how many to keep; the notes say so."""
    try:
        X = np.asarray(X, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"X: features must be numbers ({exc})") from None
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise DataError(f"X: expected a 2-D array (samples × features), got shape {X.shape}")
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != len(X):
        raise DataError(f"y: expected {len(X)} labels (one per row of X), got shape {y.shape}")
    if feature_names is not None and len(feature_names) != X.shape[1]:
        raise DataError(f"feature_names: {len(feature_names)} names for {X.shape[1]} features")
    feature_names = list(feature_names) if feature_names is not None else [f"x{i}" for i in range(X.shape[1])]
    _check_finite(X, feature_names)
    if task is None:
        task = _infer_task(y)
    if task not in TASKS:
        raise SpecError("task", task, TASKS)
    _check_test_size(test_size)
    _check_scaling(scaling)
    _check_num_features(num_features)
    if feature_range is not None:
        feature_range = _check_range(feature_range)
    notes = []
    if num_features is None and X.shape[1] > MAX_AUTO_FEATURES:
        num_features = MAX_AUTO_FEATURES
        notes.append(f"{X.shape[1]} features is one qubit each, too many to train quickly: reduced "
                     f"to {MAX_AUTO_FEATURES} by default; pass num_features to choose how many "
                     f"(num_features={X.shape[1]} keeps them all)")
    if task == "classification":
        y, class_names = _encode_labels(y, class_names)
    else:
        try:
            y = y.astype(float)
        except (TypeError, ValueError):
            raise DataError("y: regression targets must be numbers") from None
        _check_finite(y[:, None], ["target"], what="y")
        class_names = None
    return _finish(X, y, task, feature_names, class_names, name, notes, test_size, seed, scaling,
                   num_features, feature_range)


def from_csv(path, target: str, features=None, task: str | None = None, delimiter: str = ",",
             **kwargs) -> Dataset:
    """Load a CSV with a header row; ``target`` names the label column, ``features`` the inputs
    (default: every other column).  Wide tables are reduced as :func:`from_arrays` says;
    ``num_features`` (passed through) chooses how many features to keep."""
    p = Path(path)
    if not p.is_file():
        raise DataError(f"path: {str(path)!r} is not a file")
    with p.open(newline="") as fh:
        rows = list(csv.reader(fh, delimiter=delimiter))
    if not rows:
        raise DataError(f"{p.name}: the file is empty; expected a header row and data")
    header = [h.strip() for h in rows[0]]
    data = [r for r in rows[1:] if any(cell.strip() for cell in r)]
    if features is None:
        features = [h for h in header if h != target]
    elif isinstance(features, str):
        features = [features]
    wanted = list(features) + [target]
    missing = [c for c in wanted if c not in header]
    if missing:
        raise DataError(f"{p.name}: missing column{'s' if len(missing) > 1 else ''} "
                        f"{', '.join(repr(m) for m in missing)}; available columns: {', '.join(header)}")
    if not data:
        raise DataError(f"{p.name}: no data rows under the header")
    for i, r in enumerate(data):
        if len(r) != len(header):
            raise DataError(f"{p.name}: row {i + 2} has {len(r)} fields, the header has {len(header)}")
    col = {h: i for i, h in enumerate(header)}
    X = np.empty((len(data), len(features)))
    for j, f in enumerate(features):
        for i, r in enumerate(data):
            cell = r[col[f]].strip()
            try:
                X[i, j] = float(cell) if cell else np.nan
            except ValueError:
                raise DataError(f"{p.name}: column '{f}' has a non-numeric value {cell!r} "
                                f"in row {i + 2}; features must be numbers") from None
    raw_y = [r[col[target]].strip() for r in data]
    try:
        y = np.array([float(v) for v in raw_y])
    except ValueError:
        y = np.array(raw_y, dtype=object).astype(str)
        if "" in set(y):
            raise DataError(f"{p.name}: column '{target}' has {int((y == '').sum())} empty labels") from None
    kwargs.setdefault("name", p.stem)
    return from_arrays(X, y, task=task, feature_names=list(features), **kwargs)
