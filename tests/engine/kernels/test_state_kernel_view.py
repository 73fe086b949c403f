"""The kernel view on quantum data: the fidelity of the input states themselves (what
state_qsvc fits on), never a feature map over their [Re | Im] columns."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.quantum_info import Statevector, state_fidelity

import qmlbench as qb
from qmlbench.engine import kernels
from qmlbench.engine.errors import SpecError


@pytest.fixture(scope="module")
def state_data():
    spec = qb.ExperimentSpec.from_dict({"dataset": {"name": "phase_of_matter"},
                                        "model": {"name": "state_qsvc"}})
    return spec, qb.datasets.from_spec(spec.dataset)


def test_kernel_view_on_states_is_their_fidelity(state_data):
    spec, ds = state_data
    assert ds.inputs == qb.datasets.STATES and ds.X_train.shape[1] == 32
    view = kernels.kernel_view(spec, ds, max_points=12)
    assert view.states and view.matrix.shape == (12, 12)
    psi = qb.datasets.as_states(view.X)
    for i, j in [(0, 1), (2, 7), (5, 11), (3, 3)]:
        expected = state_fidelity(Statevector(psi[i]), Statevector(psi[j]))
        assert view.matrix[i, j] == pytest.approx(expected, abs=1e-12)
    np.testing.assert_array_equal(view.matrix, view.matrix.T)


def test_kernel_view_after_state_qsvc_is_the_fitted_kernel(state_data):
    spec, ds = state_data
    from qmlbench.engine.models.states import StateQSVCModel

    model = StateQSVCModel().fit(ds.X_train, ds.y_train)
    view = kernels.kernel_view(spec, ds, model)
    np.testing.assert_allclose(view.matrix, model.kernel_matrix_, atol=1e-12)


def test_noisy_kernel_view_on_states_says_noise_does_not_apply(state_data):
    spec, ds = state_data
    noise = {"model": "depolarizing", "p1": 0.01, "p2": 0.02}
    with pytest.raises(SpecError) as err:
        kernels.noisy_kernel_views(spec, ds, noise)
    msg = str(err.value)
    assert msg.startswith("execution.noise: {")
    assert "phase_of_matter" in msg and "exact states" in msg and "None" in msg
