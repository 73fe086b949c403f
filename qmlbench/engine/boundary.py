"""The decision surface of a fitted model on a grid covering the data.

The whole grid goes to the model in one call (``predict_proba``,
``decision_function`` or ``predict``), so a quantum model evaluates it as one
batch instead of ``resolution**2`` separate circuits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import DataError, SpecError
from .execution.noise import check_noise, describe

__all__ = ["Surface", "decision_surface", "KINDS", "NoiseComparison", "noise_comparison",
           "same_but_noise"]

#: What ``Surface.values`` holds: P(second class) for binary models with probabilities,
#: signed decision values, predicted class labels (multi-class, or no scores), or regression output.
KINDS = ("proba", "decision", "label", "regression")


@dataclass
class Surface:
    """Model output on a grid: ``values[j, i]`` is the output at ``(xs[i], ys[j])``.

    For a one-feature model ``ys`` is None and ``values`` is the 1-D curve over ``xs``.
    ``features`` are the indices of the two varied features; every other feature is held
    at ``fixed`` (the training mean), which ``note`` states.  For multi-class models with
    probabilities, ``probabilities[j, i, k]`` holds them all and ``values`` the winning class.
    """

    xs: np.ndarray
    ys: np.ndarray | None
    values: np.ndarray
    kind: str
    classes: list | None = None
    class_names: list | None = None
    note: str = ""
    features: tuple = (0, 1)
    feature_names: list = field(default_factory=list)
    fixed: dict = field(default_factory=dict)
    probabilities: np.ndarray | None = None


def _axis(lo: float, hi: float, margin: float, resolution: int) -> np.ndarray:
    span = hi - lo if hi > lo else 1.0
    return np.linspace(lo - margin * span, hi + margin * span, resolution)


def _try(method, X):
    """Call an optional scoring method; None when the model does not offer it."""
    if method is None:
        return None
    try:
        return np.asarray(method(X))
    except (AttributeError, NotImplementedError):
        # e.g. SVC(probability=False).predict_proba raises AttributeError on call
        return None


def _scores(model, grid: np.ndarray, task: str, classes):
    if task == "regression":
        return np.asarray(model.predict(grid), dtype=float).reshape(len(grid)), "regression", None
    binary = classes is not None and len(classes) == 2
    proba = _try(getattr(model, "predict_proba", None), grid)
    if proba is not None and proba.ndim == 2:
        if binary and proba.shape[1] == 2:
            return proba[:, 1].astype(float), "proba", None
        labels = np.asarray(classes)[np.argmax(proba, axis=1)] if classes is not None \
            else np.argmax(proba, axis=1)
        return labels.astype(float), "label", proba.astype(float)
    if binary:
        dec = _try(getattr(model, "decision_function", None), grid)
        if dec is not None and dec.ndim == 1:
            return dec.astype(float), "decision", None
    return np.asarray(model.predict(grid)).astype(float).reshape(len(grid)), "label", None


def no_surface_reason(dataset) -> str | None:
    """Why ``dataset`` has no decision surface to draw, or None when it has one.

    Quantum-data inputs are states stored as amplitude columns: a grid over two of them
    with the rest at their means is no set of states at all, so a surface there would show
    the model on inputs that do not exist."""
    if getattr(dataset, "inputs", "features") == "states":
        return ("the inputs are quantum states, not points of a plane: there is no decision "
                "surface to draw; the scores and the Kernel tab describe the model")
    return None


#: How many of the fixed coordinates of a 2-D slice the note names.
NOTE_FIXED = 4


def decision_surface(model, dataset, resolution: int = 100, margin: float = 0.1,
                     features: tuple[int, int] = (0, 1)) -> Surface:
    """Evaluate a fitted ``model`` on a ``resolution × resolution`` grid over ``dataset``.

    The grid spans train and test points plus ``margin`` (a fraction of each axis' span)
    on every side.  With more than two features, ``features`` picks the two that vary and
    the rest sit at their training mean (a 2-D slice, said in ``note``).  A one-feature
    dataset gives a 1-D curve.
    """
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) or resolution < 2:
        raise SpecError("resolution", resolution, reason="must be an integer >= 2")
    if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not np.isfinite(margin) or margin < 0:
        raise SpecError("margin", margin, reason="must be a finite number >= 0")
    reason = no_surface_reason(dataset)
    if reason is not None:
        raise DataError(f"dataset: {reason}")
    X = np.vstack([np.asarray(dataset.X_train, float), np.asarray(dataset.X_test, float)])
    if X.ndim != 2 or X.shape[1] < 1:
        raise DataError(f"dataset: expected 2-D features, got shape {X.shape}")
    n_features = X.shape[1]
    task = getattr(dataset, "task", "classification")
    names = list(getattr(dataset, "feature_names", None) or [f"x{i}" for i in range(n_features)])
    classes = getattr(model, "classes_", None)
    if classes is None and task == "classification":
        classes = np.unique(np.concatenate([dataset.y_train, dataset.y_test]))
    classes = None if task == "regression" or classes is None else list(np.asarray(classes).tolist())
    class_names = getattr(dataset, "class_names", None)
    mean = np.asarray(dataset.X_train, float).mean(axis=0)

    if n_features == 1:
        xs = _axis(X[:, 0].min(), X[:, 0].max(), margin, resolution)
        values, kind, proba = _scores(model, xs[:, None], task, classes)
        return Surface(xs, None, values, kind, classes, class_names, "", (0,), names[:1], {}, proba)

    i, j = (int(f) for f in features)
    if i == j or not (0 <= i < n_features and 0 <= j < n_features):
        raise SpecError("features", tuple(features),
                        reason=f"must be two different feature indices below {n_features}")
    xs = _axis(X[:, i].min(), X[:, i].max(), margin, resolution)
    ys = _axis(X[:, j].min(), X[:, j].max(), margin, resolution)
    gx, gy = np.meshgrid(xs, ys)  # gx[j, i] = xs[i], gy[j, i] = ys[j]
    grid = np.tile(mean, (gx.size, 1))
    grid[:, i] = gx.ravel()
    grid[:, j] = gy.ravel()
    values, kind, proba = _scores(model, grid, task, classes)
    fixed = {names[k]: float(mean[k]) for k in range(n_features) if k not in (i, j)}
    note = ""
    if fixed:
        shown = list(fixed.items())[:NOTE_FIXED]
        rest = len(fixed) - len(shown)
        note = (f"2-D slice through the training mean: {names[i]} and {names[j]} vary, "
                + ", ".join(f"{k} = {v:.3g}" for k, v in shown)
                + (f" and {rest} more at their means" if rest else ""))
    shape = (resolution, resolution)
    return Surface(xs, ys, values.reshape(shape), kind, classes, class_names, note, (i, j),
                   [names[i], names[j]], fixed,
                   None if proba is None else proba.reshape(*shape, proba.shape[1]))


# --- the same weights with and without noise ---------------------------------------------

@dataclass
class NoiseComparison:
    """A fitted quantum model's surface without noise (``ideal``) and under ``noise``
    (``noisy``), with the same learned weights.  ``flipped`` is the fraction of the grid
    whose predicted class the noise changes (None for regression); ``mean_change`` the mean
    absolute change of the plotted values; ``path`` the execution path of the noisy
    evaluation; ``predictions`` the noisy model's ``(train, test)`` predictions (None for
    regression), for marking the points it gets wrong."""

    ideal: Surface
    noisy: Surface
    noise: dict
    flipped: float | None
    mean_change: float
    path: str = ""
    predictions: tuple | None = None
    ideal_predictions: tuple | None = None

    @property
    def label(self) -> str:
        return describe(self.noise)


def same_but_noise(old, new) -> bool:
    """Whether two specs differ at most in ``execution.noise``: a model fitted under one can
    be drawn under the other's noise with its weights, without training again."""
    a, b = old.to_dict(), new.to_dict()
    a["execution"].pop("noise", None)
    b["execution"].pop("noise", None)
    return a == b


def _predicted_class(surface: Surface) -> np.ndarray | None:
    v = np.asarray(surface.values, dtype=float)
    if surface.kind == "proba":
        return v >= 0.5
    if surface.kind == "decision":
        return v > 0
    if surface.kind == "label":
        return v
    return None


def noise_comparison(model, dataset, noise, resolution: int = 100, margin: float = 0.1,
                     features: tuple[int, int] = (0, 1), ideal: Surface | None = None
                     ) -> NoiseComparison:
    """The surfaces of ``model`` (fitted, quantum: it has ``with_noise``) without noise and
    under ``noise`` on the same grid, with the same weights.  ``ideal`` reuses a noiseless
    surface computed before (a slider that moves only the noise recomputes the noisy one)."""
    noise = check_noise(noise, "execution.noise")
    if noise is None:
        raise SpecError("execution.noise", None, reason="must be a noise setting to compare "
                                                        "with the noiseless model")
    if not hasattr(model, "with_noise"):
        raise SpecError("model", type(model).__name__,
                        reason="has no circuit to put noise on (quantum models only)")
    ideal_model = model.with_noise(None)
    if ideal is None:
        ideal = decision_surface(ideal_model, dataset, resolution, margin, features)
    noisy_model = model.with_noise(noise)
    noisy = decision_surface(noisy_model, dataset, resolution, margin, features)
    a, b = _predicted_class(ideal), _predicted_class(noisy)
    flipped = None if a is None else float(np.mean(a != b))
    change = np.abs(np.asarray(noisy.values, float) - np.asarray(ideal.values, float))
    predictions = ideal_predictions = None
    if getattr(dataset, "task", "classification") == "classification":
        predictions = (noisy_model.predict(dataset.X_train), noisy_model.predict(dataset.X_test))
        ideal_predictions = (ideal_model.predict(dataset.X_train),
                             ideal_model.predict(dataset.X_test))
    return NoiseComparison(ideal=ideal, noisy=noisy, noise=noise, flipped=flipped,
                           mean_change=float(change.mean()) if change.size else 0.0,
                           path=str(getattr(noisy_model, "path_", "")), predictions=predictions,
                           ideal_predictions=ideal_predictions)
