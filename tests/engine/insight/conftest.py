"""The Haar-random two-qubit inputs several insight tests share."""

import pytest

from insight_haar import haar_states, prep_angles


@pytest.fixture(scope="session")
def haar_two_qubit_inputs():
    return prep_angles(haar_states(4, 100_000, seed=11))
