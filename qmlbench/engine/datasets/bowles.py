"""The benchmark tasks of Bowles, Ahmed & Schuld 2024 ("Better than classical? The subtle art
of benchmarking quantum machine learning models", arXiv:2403.07059), drawn from the paper's
definitions (Section 5 and Appendix C) with its parameters as defaults.

Each task has a dimension ``d`` of its own (the paper sweeps d = 2..20), so these are
*generated at a width*: the registry passes the spec's feature count (one qubit per
feature) as ``num_features`` instead of reducing with PCA.  The ``*_raw`` functions return
the hidden quantities that define the labels (the hyperplanes, the curve, the manifold), so
tests can check that the labels follow the definition; the registry's generators wrap them.

Labels are 0/1 (qmlbench's convention); the paper's -1/+1 map to them as named in each
``class_names``.  Everything random comes from the ``rng`` given (the spec's seed).
"""

from __future__ import annotations

import numpy as np

from ..errors import SpecError

#: the paper's sample count per dataset (before its 80/20 split)
PAPER_SAMPLES = 300


def _names(d):
    return [f"x{i}" for i in range(d)]


def _noise_note(noise, name):
    return [f"noise does not apply to {name} (its labels are defined exactly)"] if noise else []


def _at_width(rng, d):
    """A stream of its own for width ``d``, from the seed's stream: a width sweep with one
    seed draws each width afresh (from the seed's one stream, a 4-d linearly_separable was
    2-d rows glued in pairs, and hyperplanes_parity had the same latent points and labels at
    every width), and the same seed still gives the same data."""
    return np.random.default_rng([int(rng.integers(2 ** 63)), int(d)])


def _balanced(rng, X, y, n):
    """``n // 2`` points of each class (the first ones drawn), in a seeded random order."""
    half = n // 2
    idx = np.r_[np.flatnonzero(y == 0)[:half], np.flatnonzero(y == 1)[:n - half]]
    idx = rng.permutation(idx)
    return X[idx], y[idx]


# --- linearly separable ---------------------------------------------------------------

def linearly_separable_raw(n, d, rng, margin=None):
    """Points uniform in [-1, 1]^d outside a margin around the hyperplane w.x = 0, w = (1..1);
    the label is the side (1: w.x > 0).  The paper's margin is 0.02 d."""
    margin = 0.02 * d if margin is None else float(margin)
    w = np.ones(d)
    if margin >= d:
        raise SpecError("dataset.options.margin", margin,
                        reason=f"leaves no point of [-1, 1]^{d} outside the margin")
    chunks, have = [], 0
    while have < n:
        X = rng.uniform(-1.0, 1.0, size=(max(2 * n, 64), d))
        X = X[np.abs(X @ w) > margin]
        chunks.append(X)
        have += len(X)
    X = np.vstack(chunks)[:n]
    y = (X @ w > 0).astype(int)
    return X, y, w, margin


def linearly_separable(n, noise, rng, margin=None, num_features=None, **_):
    d = num_features or 2
    X, y, _w, m = linearly_separable_raw(n, d, _at_width(rng, d), margin)
    notes = [f"linearly separable (Bowles et al. 2024): w = (1, ..., 1), margin {m:.3g}"]
    return X, y, _names(d), ["w·x < 0", "w·x > 0"], notes + _noise_note(noise, "linearly_separable")


# --- hidden manifold ------------------------------------------------------------------

def hidden_manifold_raw(n, d, rng, manifold_dimension=6):
    """Goldt et al.'s hidden manifold model: latent points c ~ N(0, I_m) embedded as
    x = tanh(c F / sqrt(m) - b), labelled by a one-layer network of c, v.tanh(W c)/sqrt(m),
    thresholded at its median so the classes are balanced."""
    m = int(manifold_dimension)
    F = rng.normal(size=(m, d))
    C = rng.normal(size=(n, m))
    b = rng.uniform(-1.0, 1.0, size=d)
    X = np.tanh(C @ F / np.sqrt(m) - b)
    W = rng.normal(size=(m, m))
    v = rng.normal(size=m)
    score = np.tanh(C @ W.T) @ v / np.sqrt(m)
    y = (score > np.median(score)).astype(int)
    return X, y, {"C": C, "F": F, "b": b, "W": W, "v": v, "score": score}


def hidden_manifold(n, noise, rng, manifold_dimension=6, num_features=None, **_):
    d = num_features or 2
    X, y, _h = hidden_manifold_raw(n, d, _at_width(rng, d), manifold_dimension)
    notes = [f"hidden manifold (Bowles et al. 2024): a {manifold_dimension}-dimensional manifold "
             f"in {d} dimensions"]
    return X, y, _names(d), ["below median", "above median"], notes + _noise_note(noise, "hidden_manifold")


# --- two curves -----------------------------------------------------------------------

def two_curves_raw(n, d, rng, degree=5, offset=0.1, noise=0.01):
    """Two copies of one random curve in d dimensions, the second shifted by ``offset`` in every
    coordinate: coordinate i is a Fourier series of degree ``degree`` in t ~ U[0, 1),
    f_i(t) = a_i0 + b_i0 + sum_k a_ik cos(k pi t) + b_ik sin(k pi t), with coefficients uniform
    in [0, 1) normalised to unit total norm, plus Gaussian noise of std ``noise``."""
    coeffs = rng.uniform(size=(d, degree + 1, 2))
    coeffs /= np.linalg.norm(coeffs)
    half = n // 2
    t = rng.uniform(size=n)
    k = np.arange(1, degree + 1)
    phase = np.pi * np.outer(t, k)                       # (n, degree)
    X = (coeffs[:, 0, 0] + coeffs[:, 0, 1])[None, :] \
        + np.cos(phase) @ coeffs[:, 1:, 0].T + np.sin(phase) @ coeffs[:, 1:, 1].T
    X = X + rng.normal(scale=noise, size=X.shape) if noise else X
    y = (np.arange(n) >= half).astype(int)
    X[y == 1] += offset
    order = rng.permutation(n)
    return X[order], y[order], {"coeffs": coeffs, "t": t[order]}


def two_curves(n, noise, rng, degree=5, offset=0.1, num_features=None, **_):
    d = num_features or 2
    X, y, _h = two_curves_raw(n, d, _at_width(rng, d), degree, offset, noise)
    notes = [f"two curves (Bowles et al. 2024): degree {degree}, offset {offset:g}, noise {noise:g}"]
    return X, y, _names(d), ["curve", "shifted curve"], notes


# --- hyperplanes and parity -----------------------------------------------------------

def hyperplanes_parity_raw(n, d, rng, n_hyperplanes=2, dim_hyperplanes=3):
    """Points z ~ N(0, I_k) in a k = ``dim_hyperplanes`` dimensional space cut by
    ``n_hyperplanes`` random hyperplanes w_j.z + b_j = 0 (w, b uniform in [0, 1)); the label
    is the parity of the number of hyperplanes with z on their positive side (1: odd).  The
    classes are balanced by drawing more and keeping n // 2 of each; the points are embedded
    in d dimensions by a random linear map (entries uniform in [0, 1))."""
    k = int(dim_hyperplanes)
    Wh = rng.uniform(size=(n_hyperplanes, k))
    bh = rng.uniform(size=n_hyperplanes)
    chunks_z, chunks_y = [], []
    counts = np.zeros(2, int)
    while counts.min() < n - n // 2:
        Z = rng.normal(size=(4 * n, k))
        y = ((Z @ Wh.T + bh > 0).sum(axis=1) % 2).astype(int)
        chunks_z.append(Z)
        chunks_y.append(y)
        counts += np.bincount(y, minlength=2)
    Z, y = _balanced(rng, np.vstack(chunks_z), np.concatenate(chunks_y), n)
    E = rng.uniform(size=(k, d))
    return Z @ E, y, {"Z": Z, "W": Wh, "b": bh, "embedding": E}


def hyperplanes_parity(n, noise, rng, n_hyperplanes=2, dim_hyperplanes=3, num_features=None, **_):
    d = num_features or 2
    X, y, _h = hyperplanes_parity_raw(n, d, _at_width(rng, d), n_hyperplanes, dim_hyperplanes)
    notes = [f"hyperplanes and parity (Bowles et al. 2024): {n_hyperplanes} hyperplanes in "
             f"{dim_hyperplanes} dimensions, embedded in {d}"]
    if d < int(dim_hyperplanes):
        notes.append(f"with {d} features the {dim_hyperplanes}-dimensional points are projected "
                     f"down: the labels are not a function of the features (no model can fit "
                     f"them all); use at least {dim_hyperplanes} features")
    return X, y, _names(d), ["even", "odd"], notes + _noise_note(noise, "hyperplanes_parity")


# --- bars and stripes -----------------------------------------------------------------

def bars_and_stripes_shape(d, height=None):
    """(height, width) of a d-pixel image: square unless ``height`` says otherwise."""
    if height is None:
        side = int(round(np.sqrt(d)))
        if side * side != d:
            raise SpecError("circuit.num_qubits", d, [s * s for s in range(1, 6)],
                            reason="is not a square number of pixels for bars_and_stripes; set "
                                   "dataset.options.height for a rectangle")
        return side, side
    height = int(height)
    if d % height:
        raise SpecError("dataset.options.height", height,
                        reason=f"does not divide the {d} pixels of the image")
    return height, d // height


def bars_and_stripes_raw(n, height, width, rng, noise=0.5):
    """Images of -1 pixels in which a random subset of columns (a *bar* image, label 0) or of
    rows (a *stripe* image, label 1) is set to +1, each chosen with probability 1/2, plus
    Gaussian noise of std ``noise`` on every pixel.  Returns the images (n, height, width)
    before the noise too."""
    clean = -np.ones((n, height, width))
    stripe = rng.uniform(size=n) > 0.5
    for i in range(n):
        if stripe[i]:
            clean[i, rng.uniform(size=height) > 0.5, :] = 1.0
        else:
            clean[i, :, rng.uniform(size=width) > 0.5] = 1.0
    X = clean + rng.normal(scale=noise, size=clean.shape) if noise else clean.copy()
    return X, stripe.astype(int), clean


def bars_and_stripes(n, noise, rng, height=None, num_features=None, **_):
    d = num_features or 16
    h, w = bars_and_stripes_shape(d, height)
    X, y, _clean = bars_and_stripes_raw(n, h, w, _at_width(rng, d), noise)
    names = [f"p{r}_{c}" for r in range(h) for c in range(w)]
    notes = [f"bars and stripes (Bowles et al. 2024): {h}x{w} images, pixel noise {noise:g}"]
    return X.reshape(n, h * w), y, names, ["bar", "stripe"], notes
