"""Input checks every model runs: X (dense, real, finite, 2-D), class labels or regression
targets, fitted state and width, in the words scikit-learn's own checks look for."""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from sklearn.exceptions import DataConversionWarning, NotFittedError

from ..errors import DataError, DataTypeError


def _refuse_sparse(value, what: str, model: str) -> None:
    if hasattr(value, "toarray") or type(value).__module__.startswith("scipy.sparse"):
        raise DataError(f"{what}: model {model!r} does not support sparse input; pass a dense "
                        f"array (e.g. X.toarray())")


def check_X(X, model: str) -> np.ndarray:
    _refuse_sparse(X, "X", model)
    raw = np.asarray(X)
    if raw.dtype.kind == "c":
        raise DataError(f"X: model {model!r} got complex data: Complex data not supported; "
                        f"features must be real numbers")
    try:
        arr = np.asarray(X, dtype=float)
    except (TypeError, ValueError) as exc:
        # a TypeError as well (scikit-learn's contract), naming the first value that is not a number
        raise DataTypeError(f"X: model {model!r} needs numeric features; got values that are not "
                            f"numbers{_first_non_number(raw)} ({exc})") from None
    if arr.ndim == 1:
        raise DataError(f"X: model {model!r} needs a 2-D array (samples, features); got a 1-D "
                        f"array of {arr.shape[0]} values. Reshape your data: X.reshape(-1, 1) "
                        f"for one feature, X.reshape(1, -1) for one sample")
    if arr.ndim != 2:
        raise DataError(f"X: model {model!r} needs a 2-D array (samples, features); got shape "
                        f"{arr.shape}")
    if arr.shape[1] == 0:
        raise DataError(f"X: 0 feature(s) (shape={arr.shape}) while a minimum of 1 is required "
                        f"by model {model!r}")
    if arr.shape[0] == 0:
        raise DataError(f"X: 0 sample(s) (shape={arr.shape}) while a minimum of 1 is required "
                        f"by model {model!r}")
    if not np.all(np.isfinite(arr)):
        bad = int(np.sum(~np.isfinite(arr)))
        raise DataError(f"X: {bad} NaN or infinite feature value(s); model {model!r} needs "
                        f"finite features (drop or impute them first)")
    return arr


def _first_non_number(raw) -> str:
    """``", e.g. 'abc' (str) at [0, 1]"`` for the first entry ``float()`` refuses, or ``""``."""
    if raw.dtype.kind not in "OUSV" or raw.ndim == 0:
        return ""
    for index in np.ndindex(raw.shape):
        value = raw[index]
        if isinstance(value, np.generic):
            value = value.item()
        try:
            float(value)
        except (TypeError, ValueError):
            text = repr(value)
            text = text if len(text) <= 40 else text[:37] + "..."
            return f", e.g. {text} ({type(value).__name__}) at {list(index)}"
    return ""


def _distinct(arr) -> list:
    """Distinct values, sorted where they can be (``np.unique`` fails on mixed objects)."""
    values = list(dict.fromkeys(v.item() if isinstance(v, np.generic) else v
                                for v in arr.ravel()))
    try:
        return sorted(values)
    except TypeError:
        return values


def _check_y_present(y, model: str):
    if y is None:
        raise DataError(f"y: model {model!r} requires y to be passed, but the target y is None")
    _refuse_sparse(y, "y", model)
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:     # a column vector, as scikit-learn accepts
        warnings.warn(DataConversionWarning(
            "A column-vector y was passed when a 1d array was expected; using y.ravel()"),
            stacklevel=3)
        arr = arr[:, 0]
    return arr


def check_classes(y, model: str, n_samples: int, max_classes: int | None = None,
                  what_allowed: str = "") -> tuple[np.ndarray, np.ndarray]:
    """``(classes_, y_index)``; refuses continuous targets and too many classes."""
    arr = _check_y_present(y, model)
    if arr.ndim != 1 or arr.shape[0] != n_samples:
        raise DataError(f"y: model {model!r} needs one label per sample ({n_samples}); got shape "
                        f"{arr.shape}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise DataError(f"y: model {model!r} got NaN or infinite labels")
        if not np.all(arr == np.round(arr)) or len(np.unique(arr)) > max(20, n_samples // 2):
            raise DataError(
                f"y: model {model!r} is a classifier but the labels look continuous "
                f"({len(np.unique(arr))} distinct real values, e.g. {arr[:3].tolist()}); "
                f"use a regressor (vqr, qsvr, estimator_qnn, svr, mlp) or class labels")
    classes, idx = np.unique(arr, return_inverse=True)
    if len(classes) < 2:
        raise DataError(f"y: model {model!r} needs at least 2 classes; got one class "
                        f"{classes.tolist()} in {n_samples} sample(s)")
    if max_classes is not None and len(classes) > max_classes:
        # scikit-learn's words for a binary-only classifier, which its checks look for
        binary = " Only binary classification is supported." if max_classes == 2 else ""
        raise DataError(
            f"y: model {model!r} takes at most {max_classes} classes; got {len(classes)} "
            f"({classes.tolist()}).{binary} {what_allowed}".rstrip())
    return classes, idx


def check_targets(y, model: str, n_samples: int) -> np.ndarray:
    arr = _check_y_present(y, model)
    if arr.ndim != 1 or arr.shape[0] != n_samples:
        raise DataError(f"y: model {model!r} needs one target per sample ({n_samples}); got shape "
                        f"{arr.shape}")
    # integer targets are numbers (scikit-learn regressors take them); text and booleans
    # are class labels.  A classification *dataset* is refused earlier, by models.build.
    if arr.dtype.kind == "O" and all(isinstance(v, numbers.Real)
                                     and not isinstance(v, (bool, np.bool_)) for v in arr):
        arr = arr.astype(float)     # numbers held as objects (e.g. a pandas object column)
    if arr.dtype.kind not in "fciu":
        kind = "boolean" if arr.dtype.kind == "b" else "text"
        raise DataError(
            f"y: model {model!r} is a regressor but got class labels ({kind}, values "
            f"{_distinct(arr)[:6]}); regressors need real-valued targets, classifiers "
            f"take labels (qsvc, vqc, estimator_qnn, sampler_qnn, svc, ...)")
    arr = arr.astype(float)
    if not np.all(np.isfinite(arr)):
        raise DataError(f"y: model {model!r} got NaN or infinite targets")
    return arr


def check_fitted(est, attr: str = "n_features_in_") -> None:
    if not hasattr(est, attr):
        raise NotFittedError(f"This {type(est).__name__} is not fitted yet; call fit(X, y) first")


def check_fitted_X(est, X, fitted_attr: str) -> np.ndarray:
    """``X`` checked for predicting: ``est`` is fitted (has ``fitted_attr``), X is a finite
    2-D array as wide as the data ``est`` was fitted on."""
    check_fitted(est, fitted_attr)
    X = check_X(X, est._model_name)
    check_width_matches(est, X)
    return X


def check_width_matches(est, X: np.ndarray) -> None:
    if X.shape[1] != est.n_features_in_:
        raise DataError(f"X has {X.shape[1]} features, but {type(est).__name__} is expecting "
                        f"{est.n_features_in_} features as input (the width it was fitted with)")
