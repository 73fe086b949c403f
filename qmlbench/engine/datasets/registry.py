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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import DataError, SpecError
from ..options import Option, Schema, SchemaEntry
from . import bowles
from . import generators as gen
from . import states
from .dataset import AD_HOC_RANGE, MAX_AUTO_FEATURES, TASKS, Dataset
from .prepare import (
    FEATURE_RANGE,
    N_SAMPLES,
    NOISE,
    SCALING,
    TEST_SIZE,
    check_finite,
    check_num_features,
    check_range,
    check_scaling,
    check_test_size,
    encode_labels,
    finish,
    infer_task,
    scale,
)

#: The settings every dataset has (a spec's ``dataset`` section besides name and options).
COMMON = Schema.of(N_SAMPLES, NOISE, TEST_SIZE, SCALING)


@dataclass(frozen=True)
class DatasetEntry(SchemaEntry):
    """A registry entry; calling it is ``load(name, ...)``.

    ``num_features`` is how many features ``load`` returns by default (one qubit each);
    ``raw_features`` how many the source has (more means a PCA reduction by default).
    """

    name: str
    task: str
    generate: Callable | None
    #: the options this dataset takes (a plain ``{name: default}`` dict is read as a Schema)
    schema: Schema = field(default_factory=Schema)
    num_features: int = 2
    description: str = ""
    raw_features: int | None = None
    #: "features", or "states" (quantum data: statevectors, for state models only)
    inputs: str = "features"
    #: drawn at any width: the feature count is the generator's dimension (``num_features``),
    #: never a PCA reduction (Bowles et al.'s tasks)
    any_width: bool = False

    def validate_options(self, options, prefix: str = "dataset.options") -> dict:
        """``options`` checked against this entry's schema (``feature_range`` is accepted by
        every dataset); normalised."""
        out = self.schema.validate(options, prefix, owner=self.name, extra=("feature_range",))
        if "feature_range" in out:
            out["feature_range"] = FEATURE_RANGE.check(out["feature_range"],
                                                       f"{prefix}.feature_range")
        return out

    def __call__(self, **kwargs) -> Dataset:
        return load(self.name, **kwargs)


_GAP = Option("gap", "float", 0.3, low=0.0, high=1.0, high_open=True, ui_range=(0.0, 0.6), step=0.05,
              help="labels need |<Π>| above this gap; no point passes a gap of 1 or more")
_FACTOR = Option("factor", "float", 0.5, low=0.0, high=1.0, low_open=True, high_open=True,
                 ui_range=(0.05, 0.95), step=0.05, help="inner radius / outer radius")
_SEPARATION = Option("separation", "float", 2.0, low=0.0, ui_range=(0.0, 6.0), step=0.1,
                     help="distance between the two centres")
_TURNS = Option("turns", "float", 1.5, low=0.0, low_open=True, ui_range=(0.25, 4.0), step=0.25,
                help="turns of each spiral arm")

_MARGIN = Option("margin", "float", None, low=0.0, allow_none=True,
                 help="half-width of the empty band around w·x = 0; null: the paper's 0.02 d")
_MANIFOLD = Option("manifold_dimension", "int", 6, low=1, ui_range=(1, 20),
                   help="dimension of the hidden manifold the points lie on")
_DEGREE = Option("degree", "int", 5, low=1, ui_range=(1, 20), help="degree of the curve's Fourier series")
_OFFSET = Option("offset", "float", 0.1, low=0.0, ui_range=(0.0, 1.0), step=0.01,
                 help="shift of the second curve in every coordinate")
_N_PLANES = Option("n_hyperplanes", "int", 2, low=1, ui_range=(1, 20),
                   help="hyperplanes whose sides' parity is the label")
_DIM_PLANES = Option("dim_hyperplanes", "int", 3, low=1, ui_range=(1, 10),
                     help="dimension of the space the hyperplanes cut (then embedded linearly)")
_HEIGHT = Option("height", "int", None, low=1, allow_none=True,
                 help="image height in pixels; null: a square image")
_BOWLES = "Bowles et al. 2024"

DATASETS: dict[str, DatasetEntry] = {
    e.name: e for e in [
        DatasetEntry("ad_hoc", "classification", None, Schema.of(_GAP), 2,
                     "Havlíček et al. 2019: separable by the ZZ feature map, hard for RBF kernels"),
        DatasetEntry("moons", "classification", gen.moons, Schema(), 2, "two interleaving half circles"),
        DatasetEntry("circles", "classification", gen.circles, Schema.of(_FACTOR), 2,
                     "a small circle inside a large one"),
        DatasetEntry("xor", "classification", gen.xor, Schema(), 2,
                     "label = whether x0 and x1 differ in sign"),
        DatasetEntry("gaussians", "classification", gen.gaussians, Schema.of(_SEPARATION), 2,
                     "two Gaussian blobs"),
        DatasetEntry("spiral", "classification", gen.spiral, Schema.of(_TURNS), 2,
                     "two interleaved spirals"),
        DatasetEntry("iris", "classification", gen.iris, Schema(), 4, "Fisher's iris, 3 classes, 4 features"),
        DatasetEntry("breast_cancer", "classification", gen.breast_cancer, Schema(), 2,
                     "Wisconsin breast cancer, 30 features reduced with PCA (default 2)", raw_features=30),
        DatasetEntry("linearly_separable", "classification", bowles.linearly_separable,
                     Schema.of(_MARGIN), 2, f"{_BOWLES}: sides of w·x = 0 outside a margin, any "
                                            "dimension", any_width=True),
        DatasetEntry("hidden_manifold", "classification", bowles.hidden_manifold,
                     Schema.of(_MANIFOLD), 2, f"{_BOWLES}: a low-dimensional manifold, labels from a "
                                              "network on it", any_width=True),
        DatasetEntry("two_curves", "classification", bowles.two_curves,
                     Schema.of(_DEGREE, _OFFSET), 2, f"{_BOWLES}: a Fourier curve and a shifted "
                                                     "copy (noise: on the curve)", any_width=True),
        DatasetEntry("hyperplanes_parity", "classification", bowles.hyperplanes_parity,
                     Schema.of(_N_PLANES, _DIM_PLANES), 2,
                     f"{_BOWLES}: parity of the sides of random hyperplanes", any_width=True),
        DatasetEntry("bars_and_stripes", "classification", bowles.bars_and_stripes,
                     Schema.of(_HEIGHT), 16, f"{_BOWLES}: noisy images of bars or stripes, one "
                                             "feature per pixel (noise: per pixel)", any_width=True),
        DatasetEntry("sine", "regression", gen.sine, Schema(), 1, "y = sin(x) + noise on [0, 2π]"),
        DatasetEntry("surface", "regression", gen.surface, Schema(), 2, "y = sin(x0) cos(x1) + noise"),
        DatasetEntry("phase_of_matter", "classification", None,
                     Schema.of(states.PHASE_MODEL, states.CHAIN), 2 ** (states.CHAIN.default + 1),
                     "ground states of a spin chain, labelled by phase (quantum data)",
                     inputs=states.STATES),
        DatasetEntry("entanglement_concentration", "classification", None,
                     Schema.of(states.EC_MODE, states.EC_QUBITS_OPT, states.EC_SAMPLING),
                     2 ** (states.EC_QUBITS_OPT.default + 1),
                     "states of low vs high entanglement concentration (quantum data)",
                     inputs=states.STATES),
    ]
}


def get(name) -> DatasetEntry:
    if not isinstance(name, str) or name not in DATASETS:
        raise SpecError("dataset.name", name, sorted(DATASETS), reason="is not a known dataset")
    return DATASETS[name]


# --- loaders ----------------------------------------------------------------------

def load(name: str, n_samples: int = 100, noise: float = 0.1, test_size: float = 0.25, seed: int = 0,
         scaling: str = "auto", num_features: int | None = None, **options) -> Dataset:
    """Draw a registered dataset, split it (seeded, stratified) and scale it."""
    entry = get(name)
    common = COMMON.validate({"n_samples": n_samples, "noise": noise, "test_size": test_size,
                              "scaling": scaling}, "dataset")
    check_num_features(num_features)
    options = entry.validate_options(options)
    return _load(entry, seed=seed, num_features=num_features, options=options, **common)


def _load(entry: DatasetEntry, n_samples, noise, test_size, seed, scaling, num_features,
          options: dict) -> Dataset:
    """``load`` for settings already validated (a spec's)."""
    opts = entry.schema.merged(options)
    feature_range = opts.pop("feature_range", None)
    if feature_range is not None:
        feature_range = tuple(float(v) for v in feature_range)
    name = entry.name
    if entry.inputs == states.STATES:
        return states.load(name, n_samples, noise, test_size, seed, scaling, num_features, opts)
    if name == "ad_hoc":
        X_tr, X_te, y_tr, y_te, fnames, cnames, notes = gen.ad_hoc_split(
            n_samples, test_size, seed, num_features, opts["gap"])
        if noise:
            notes.append("noise does not apply to ad_hoc (its labels are defined by the gap)")
        if scaling == "auto" and feature_range is None:
            frange, used = AD_HOC_RANGE, "none"
            notes.append("kept the native feature range [0, 2π) the ZZ feature map expects")
        else:
            X_tr, X_te, frange, used = scale(X_tr, X_te, scaling, notes, feature_range=feature_range)
        return Dataset(X_tr, X_te, y_tr, y_te, "classification", fnames, cnames, name, notes, frange, used)

    rng = np.random.default_rng(seed)
    if entry.any_width:
        opts["num_features"] = num_features or entry.num_features
        num_features = None
    X, y, fnames, cnames, notes = entry.generate(n_samples, float(noise), rng, **opts)
    if num_features is None and entry.raw_features and entry.num_features < entry.raw_features:
        num_features = entry.num_features
    return finish(np.asarray(X, float), y, entry.task, fnames, cnames, name, list(notes), test_size,
                   seed, scaling, num_features, feature_range)


def from_spec(dataset_spec, seed: int = 0, num_features: int | None = None) -> Dataset:
    """A :class:`Dataset` for a :class:`~qmlbench.engine.spec.DatasetSpec`, validated when the
    spec was built (only what depends on the width is checked here)."""
    s = dataset_spec
    try:
        return _load(get(s.name), n_samples=s.n_samples, noise=s.noise, test_size=s.test_size,
                     seed=seed, scaling=s.scaling, num_features=num_features,
                     options=dict(s.options))
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
    check_finite(X, feature_names)
    if task is None:
        task = infer_task(y)
    if task not in TASKS:
        raise SpecError("task", task, TASKS)
    check_test_size(test_size)
    check_scaling(scaling)
    check_num_features(num_features)
    if feature_range is not None:
        feature_range = check_range(feature_range)
    notes = []
    if num_features is None and X.shape[1] > MAX_AUTO_FEATURES:
        num_features = MAX_AUTO_FEATURES
        notes.append(f"{X.shape[1]} features is one qubit each, too many to train quickly: reduced "
                     f"to {MAX_AUTO_FEATURES} by default; pass num_features to choose how many "
                     f"(num_features={X.shape[1]} keeps them all)")
    if task == "classification":
        y, class_names = encode_labels(y, class_names)
    else:
        try:
            y = y.astype(float)
        except (TypeError, ValueError):
            raise DataError("y: regression targets must be numbers") from None
        check_finite(y[:, None], ["target"], what="y")
        class_names = None
    return finish(X, y, task, feature_names, class_names, name, notes, test_size, seed, scaling,
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
