"""The no-entanglement variants Bowles et al. 2024 found to match the entangling models: the
separable feature map and ansatz, the separable kernel and the mean-of-Z output."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.quantum_info import Statevector, partial_trace

import qmlbench as qb
from qmlbench.engine import kernels
from qmlbench.engine.models.variational import resolve_observable


def _product_state(circuit, values):
    sv = Statevector(circuit.assign_parameters(values))
    n = circuit.num_qubits
    purities = [np.real(np.trace(np.linalg.matrix_power(
        partial_trace(sv, [q for q in range(n) if q != k]).data, 2))) for k in range(n)]
    return np.allclose(purities, 1.0, atol=1e-12)


@pytest.mark.parametrize("reps", [1, 3])
def test_separable_circuits_have_no_two_qubit_gates_and_prepare_product_states(reps):
    fm = qb.circuits.feature_map("separable", 4, reps=reps)
    an = qb.circuits.ansatz("separable", 4, reps=reps)
    circuit = qb.circuits.compose(fm, an)
    assert all(inst.operation.num_qubits == 1 for inst in circuit.decompose().data)
    assert an.num_parameters == 3 * 4 * (reps + 1)
    rng = np.random.default_rng(reps)
    assert _product_state(circuit, rng.uniform(0, np.pi, circuit.num_parameters))
    # a product state's fidelity kernel is the product of the one-qubit fidelities
    X = rng.uniform(0, np.pi, (5, 4))
    K = kernels.kernel_matrix(fm, X)
    one = qb.circuits.feature_map("separable", 1, reps=reps)
    per_qubit = [kernels.kernel_matrix(one, X[:, [k]]) for k in range(4)]
    np.testing.assert_allclose(K, np.prod(per_qubit, axis=0), atol=1e-12)


def test_mean_z_is_the_mean_of_local_z():
    op = resolve_observable("mean_z", 3)
    assert sorted(op.paulis.to_labels()) == ["IIZ", "IZI", "ZII"]
    np.testing.assert_allclose(op.coeffs, 1 / 3)
    spec = qb.ExperimentSpec.from_dict({"model": {"name": "estimator_qnn",
                                                  "params": {"observable": "mean_z"}}})
    assert spec.model.params["observable"] == "mean_z"


def test_separable_variational_model_learns_linearly_separable_data():
    ds = qb.datasets.load("linearly_separable", n_samples=80, num_features=3, seed=0,
                          feature_range=[-np.pi / 2, np.pi / 2])
    model = qb.models.MODELS["estimator_qnn"].estimator_class("classification")(
        feature_map="separable", feature_map_reps=1, ansatz="separable", ansatz_reps=1,
        observable="mean_z", optimizer="l_bfgs_b", maxiter=60, seed=0)
    model.fit(ds.X_train, ds.y_train)
    # a 3-d linear boundary: far better than the 0.5 of chance on 60 training points
    assert model.score(ds.X_train, ds.y_train) >= 0.8
