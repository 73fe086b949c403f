"""The dataset every loader returns, and the words it is described in."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

TASKS = ("classification", "regression")
#: User data (arrays, CSV) with more features than this is reduced with PCA to this many
#: by default, as the built-in breast_cancer is: one qubit per feature, and more than a few
#: qubits make training slow.  ``num_features`` chooses another count (or keeps them all).
MAX_AUTO_FEATURES = 8
AUTO_RANGE = (0.0, float(np.pi))
AD_HOC_RANGE = (0.0, float(2 * np.pi))


SCALINGS = ("auto", "none", "minmax", "standard")


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
    #: "features", or "states": each row is a statevector as real columns [Re | Im]
    #: (``datasets.as_states``), for the models that take states
    inputs: str = "features"

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
        if self.inputs == "states":
            n = int(np.log2(nf // 2))
            what = f"{n}-qubit states"
        else:
            what = f"{nf} feature{'s' if nf != 1 else ''}"
        return (f"{self.name}: {len(self.X_train)} train / {len(self.X_test)} test, "
                f"{what}, {kind}")
