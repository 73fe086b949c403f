"""Shared pieces of the study tests: small studies that run in seconds (the distributed
tests' LocalCluster is ``client`` in tests/engine/conftest.py)."""

from __future__ import annotations

import copy

import pytest

#: 12 experiment cells, about 0.1 s each once warm.
SMALL = {
    "study": "experiments",
    "name": "small",
    "base": {"dataset": {"n_samples": 40}},
    "datasets": ["breast_cancer"],
    "models": ["logistic", {"name": "svc", "grid": {"C": [0.5, 2.0]}}, "qsvc"],
    "dimensions": [2, 3],
    "seeds": [0, 1],
}

#: 8 plateau cells.
PLATEAU = {
    "study": "plateau",
    "ansatze": ["real_amplitudes"],
    "widths": [2, 3],
    "depths": [1, 2],
    "costs": ["global", "local"],
    "samples": 16,
    "seeds": [4],
}


@pytest.fixture
def small():
    return copy.deepcopy(SMALL)


@pytest.fixture
def plateau_study():
    return copy.deepcopy(PLATEAU)


def _results_of(table):
    """The computed part of a table (what must not depend on where a cell ran): every column
    but the seconds, NaN written as None so that equal tables compare equal."""
    import math

    return [{k: (None if isinstance(v, float) and math.isnan(v) else v)
             for k, v in row.items() if k != "seconds"}
            for row in table.to_dict("records")]


@pytest.fixture
def results_of():
    return _results_of
