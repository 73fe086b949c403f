"""Datasets by name, from arrays and from CSV, split and scaled for a quantum encoding.

``registry`` maps names to entries and loads them; ``generators`` draws the built-in
data; ``prepare`` splits, reduces and scales it (fitted on the training part only);
``dataset`` is the :class:`Dataset` every loader returns.
"""

from .dataset import AUTO_RANGE, MAX_AUTO_FEATURES, SCALINGS, TASKS, Dataset
from .prepare import (FEATURE_RANGE, N_SAMPLES, NOISE, NUM_FEATURES, SCALING, TEST_SIZE,
                      check_feature_range)
from .states import STATES, as_features, as_states
from .registry import COMMON, DATASETS, DatasetEntry, from_arrays, from_csv, from_spec, get, load

__all__ = ["AUTO_RANGE", "COMMON", "DATASETS", "FEATURE_RANGE", "N_SAMPLES", "NOISE", "NUM_FEATURES",
           "SCALING", "TEST_SIZE", "get", "Dataset", "DatasetEntry", "MAX_AUTO_FEATURES", "SCALINGS",
           "TASKS", "STATES", "as_features", "as_states", "check_feature_range", "from_arrays", "from_csv", "from_spec", "load"]
