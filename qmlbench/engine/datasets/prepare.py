"""Preparation, in the order that keeps test data out of training: check, split
(stratified, seeded), reduce (PCA) and scale, both fitted on the training part only."""

from __future__ import annotations

import numpy as np

from ..errors import DataError, SpecError
from ..options import Option
from .dataset import AUTO_RANGE, SCALINGS, Dataset


def _range_value(value, fld):
    if (not isinstance(value, (list, tuple)) or len(value) != 2
            or not all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                       and np.isfinite(v) for v in value) or value[0] >= value[1]):
        raise SpecError(fld, value, reason="must be [low, high] with low < high")
    return [float(v) for v in value] if isinstance(value, tuple) else value


# The settings every dataset takes (their checks, for ``load``, ``from_arrays`` and the spec).
N_SAMPLES = Option("n_samples", "int", 100, low=4, ui_range=(10, 400), step=10, label="samples",
                   help="points drawn, before the train/test split")
NOISE = Option("noise", "float", 0.1, low=0.0, ui_range=(0.0, 1.0), step=0.05,
               help="standard deviation of the noise added to the points")
TEST_SIZE = Option("test_size", "float", 0.25, low=0.0, high=1.0, low_open=True, high_open=True,
                   ui_range=(0.1, 0.5), step=0.05, label="test fraction",
                   help="fraction of the points held out for testing")
SCALING = Option("scaling", "choice", "auto", choices=SCALINGS,
                 help="auto: [0, π] for angle encodings; minmax: [0, 1]; standard: zero mean, "
                      "unit variance; none: as drawn")
NUM_FEATURES = Option("num_features", "int", None, low=1, allow_none=True,
                      help="features kept (PCA fitted on the training part); null: the default")
FEATURE_RANGE = Option("feature_range", "any", None, allow_none=True, validator=_range_value,
                       help="[low, high] the scaler maps the training features into")


def check_finite(X: np.ndarray, feature_names, what="X") -> None:
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


def check_scaling(scaling):
    SCALING.check(scaling, "dataset.scaling")


def check_test_size(test_size):
    TEST_SIZE.check(test_size, "dataset.test_size")


def check_num_features(num_features):
    NUM_FEATURES.check(num_features, "dataset.num_features")


def infer_task(y: np.ndarray) -> str:
    if y.dtype.kind in "OUSb":
        return "classification"
    if y.dtype.kind in "iu":
        return "classification" if len(np.unique(y)) <= max(20, len(y) // 10) else "regression"
    integral = np.all(np.isfinite(y)) and np.allclose(y, np.round(y))
    return "classification" if integral and len(np.unique(y)) <= 20 else "regression"


def encode_labels(y: np.ndarray, class_names):
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

def split(X, y, task, test_size, seed):
    from sklearn.model_selection import train_test_split

    stratify = y if task == "classification" else None
    try:
        return train_test_split(X, y, test_size=test_size, random_state=seed, stratify=stratify)
    except ValueError as exc:
        raise DataError(f"dataset: cannot split {len(X)} samples with test_size={test_size} "
                        f"({exc}); use more samples or another test_size") from None


def reduce(X_train, X_test, feature_names, num_features, notes, name):
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


def scale(X_train, X_test, scaling, notes, native_range=None, feature_range=None):
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
    return check_range(value)


def check_range(value):
    value = FEATURE_RANGE.with_(allow_none=False).check(value, "dataset.options.feature_range")
    return tuple(float(v) for v in value)


def finish(X, y, task, feature_names, class_names, name, notes, test_size, seed, scaling,
            num_features, feature_range=None) -> Dataset:
    X_tr, X_te, y_tr, y_te = split(X, y, task, test_size, seed)
    X_tr, X_te, feature_names = reduce(X_tr, X_te, feature_names, num_features, notes, name)
    X_tr, X_te, frange, used = scale(X_tr, X_te, scaling, notes, feature_range=feature_range)
    if used != "none":
        feature_names = [scaled_name(f) for f in feature_names]
    return Dataset(np.ascontiguousarray(X_tr, float), np.ascontiguousarray(X_te, float),
                   y_tr, y_te, task, list(feature_names), class_names, name, notes, frange, used)


def scaled_name(name) -> str:
    """A feature's name once its values are rescaled: a unit in brackets at its end no longer
    holds (iris' axes read "sepal length (cm)" over values 0 to 3.14, and the slice note
    "petal width (cm) = 1.48" for a petal 1.1 cm wide), so it says "scaled" instead."""
    name = str(name)
    if name.endswith(")") and "(" in name:
        return name[:name.rindex("(")].rstrip() + " (scaled)"
    return name
