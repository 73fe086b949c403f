"""Fidelity kernels: agreement with qiskit-ml, analytic values, diagnostics, qiskit-ml algorithms."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import ParameterVector
from qiskit_machine_learning.algorithms import QSVC, QSVR, PegasosQSVC
from qiskit_machine_learning.kernels import (FidelityStatevectorKernel,
                                             TrainableFidelityStatevectorKernel)
from sklearn.base import clone

from qmlbench.engine import limits
from qmlbench.engine import circuits, execution, kernels
from qmlbench.engine.errors import CapacityError, DataError, SpecError
from qmlbench.engine.kernels import FastKernel, kernel_matrix, kernel_stats


@pytest.mark.parametrize("name", sorted(circuits.FEATURE_MAPS))
@pytest.mark.parametrize("n", [1, 2, 3])
def test_kernel_matrix_matches_fidelity_statevector_kernel(name, n):
    fm = circuits.feature_map(name, n, reps=2)
    rng = np.random.default_rng(n)
    X = rng.uniform(0, 2 * np.pi, (9, fm.num_parameters))
    Y = rng.uniform(0, 2 * np.pi, (4, fm.num_parameters))
    ref = FidelityStatevectorKernel(feature_map=fm)
    np.testing.assert_allclose(kernel_matrix(fm, X), ref.evaluate(X), atol=1e-12, rtol=0)
    np.testing.assert_allclose(kernel_matrix(fm, Y, X), ref.evaluate(Y, X), atol=1e-12, rtol=0)


def _angle_kernel(X, Y):
    # RY(x) per qubit: <0|RY(-x)RY(y)|0> = cos((x - y)/2), so K = prod cos^2((x_i - y_i)/2)
    return np.prod(np.cos((X[:, None, :] - Y[None, :, :]) / 2) ** 2, axis=-1)


def test_angle_encoding_kernel_is_the_analytic_product_of_cosines():
    fm = circuits.feature_map("angle", 3, reps=1, rotation="y")
    rng = np.random.default_rng(0)
    X, Y = rng.uniform(0, 2 * np.pi, (12, 3)), rng.uniform(0, 2 * np.pi, (5, 3))
    np.testing.assert_allclose(kernel_matrix(fm, X), _angle_kernel(X, X), atol=1e-12, rtol=0)
    np.testing.assert_allclose(kernel_matrix(fm, X, Y), _angle_kernel(X, Y), atol=1e-12, rtol=0)


def test_kernel_concentration_statistics_match_the_analytic_moments():
    """Uniform angles: E[K] = 2**-n and Var[K] = (3/8)**n - (1/4)**n off the diagonal.

    E[K(x_i, .)] = 2**-n for every x_i, so the off-diagonal mean is a degenerate
    U-statistic with standard error ~ sqrt(2 Var / m**2); the variance estimate's
    error is bounded the same way with the fourth moment (35/128)**n.
    """
    n, m = 2, 150
    fm = circuits.feature_map("angle", n, reps=1, rotation="y")
    X = np.random.default_rng(1).uniform(0, 2 * np.pi, (m, n))
    stats = kernel_stats(kernel_matrix(fm, X))
    var = (3 / 8) ** n - (1 / 4) ** n
    assert stats["diag_mean"] == 1.0
    assert abs(stats["offdiag_mean"] - 2.0 ** -n) < 5 * np.sqrt(2 * var) / m
    fourth = (35 / 128) ** n
    assert abs(stats["offdiag_var"] - var) < 5 * np.sqrt(2 * fourth) / np.sqrt(m)
    assert stats["is_psd"] and stats["min_eigenvalue"] > -1e-10
    assert len(stats["eigenvalues"]) == m
    assert 1.0 <= stats["effective_rank"] <= m


def test_kernel_stats_on_a_known_matrix_and_target_alignment():
    K = np.array([[1.0, 0.2, 0.4], [0.2, 1.0, 0.6], [0.4, 0.6, 1.0]])
    stats = kernel_stats(K, y=[0, 1, 1])
    off = np.array([0.2, 0.4, 0.2, 0.6, 0.4, 0.6])
    assert stats["offdiag_mean"] == pytest.approx(off.mean())
    assert stats["offdiag_var"] == pytest.approx(off.var())
    assert stats["offdiag_min"] == 0.2 and stats["offdiag_max"] == 0.6
    np.testing.assert_allclose(stats["eigenvalues"], np.linalg.eigvalsh(K)[::-1])
    y = np.array([1, -1, -1])
    assert kernels.kernel_target_alignment(np.outer(y, y), y) == pytest.approx(1.0)
    expected = np.sum(K * np.outer(y, y)) / (np.linalg.norm(K) * 3)
    assert stats["target_alignment"] == pytest.approx(expected)


def test_statevectors_are_cached_by_circuit_and_data():
    fm = circuits.feature_map("zz", 2, reps=1)
    X = np.random.default_rng(2).uniform(0, 1, (6, 2))
    kernels.clear_cache()
    a = kernels.feature_statevectors(fm, X)
    assert kernels.feature_statevectors(circuits.feature_map("zz", 2, reps=1), X.copy()) is a
    b = kernels.feature_statevectors(fm, X + 0.1)
    assert b is not a and not np.allclose(a, b)
    assert kernels.feature_statevectors(circuits.feature_map("zz", 2, reps=2), X) is not a


def test_bad_data_names_the_field():
    fm = circuits.feature_map("zz", 2)
    with pytest.raises(DataError, match=r"X: expected shape \(n_points, 2\)"):
        kernel_matrix(fm, np.zeros((3, 3)))
    with pytest.raises(DataError, match="X: contains NaN"):
        kernel_matrix(fm, np.array([[np.nan, 0.0]]))


def _blobs(seed=0, m=24):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, np.pi, (m, 2))
    y = (X[:, 0] + X[:, 1] > np.pi).astype(int)
    return X, y


def test_qsvc_with_fast_kernel_equals_qsvc_with_qiskit_kernel():
    fm = circuits.feature_map("zz", 2, reps=2)
    X, y = _blobs()
    ours = QSVC(quantum_kernel=FastKernel(fm)).fit(X, y)
    ref = QSVC(quantum_kernel=FidelityStatevectorKernel(feature_map=fm)).fit(X, y)
    np.testing.assert_array_equal(ours.support_, ref.support_)
    np.testing.assert_allclose(ours.dual_coef_, ref.dual_coef_, atol=1e-8)
    Xt, _ = _blobs(seed=1, m=10)
    np.testing.assert_allclose(ours.decision_function(Xt), ref.decision_function(Xt), atol=1e-8)
    cloned = clone(ours)
    assert isinstance(cloned.quantum_kernel, FastKernel)
    assert cloned.fit(X, y).score(X, y) == ours.score(X, y)


def test_qsvr_and_pegasos_run_on_the_fast_kernel():
    fm = circuits.feature_map("z", 2, reps=1)
    X, y = _blobs(seed=3)
    target = np.sin(X[:, 0])
    ours = QSVR(quantum_kernel=FastKernel(fm)).fit(X, target)
    ref = QSVR(quantum_kernel=FidelityStatevectorKernel(feature_map=fm)).fit(X, target)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), atol=1e-8)
    peg = PegasosQSVC(quantum_kernel=FastKernel(fm), C=100, num_steps=40, seed=0).fit(X, y)
    peg_ref = PegasosQSVC(quantum_kernel=FidelityStatevectorKernel(feature_map=fm), C=100,
                          num_steps=40, seed=0).fit(X, y)
    np.testing.assert_array_equal(peg.predict(X), peg_ref.predict(X))


def test_trainable_fast_kernel_matches_qiskit_and_trains():
    from qiskit_machine_learning.kernels.algorithms import QuantumKernelTrainer

    # trainable rotations before the encoding (after it they would cancel in every fidelity)
    theta = ParameterVector("θ", 2)
    fm = QuantumCircuit(2)
    fm.ry(theta[0], 0)
    fm.ry(theta[1], 1)
    fm.compose(circuits.feature_map("zz", 2, reps=1), inplace=True)
    X, y = _blobs(seed=4, m=16)
    ours = FastKernel(fm, training_parameters=theta)
    ref = TrainableFidelityStatevectorKernel(feature_map=fm, training_parameters=theta)
    assert ours.num_features == 2 and ours.num_training_parameters == 2
    for kern in (ours, ref):
        kern.assign_training_parameters([0.3, -1.1])
    np.testing.assert_allclose(ours.evaluate(X), ref.evaluate(X), atol=1e-12)
    np.testing.assert_allclose(ours.evaluate(X[:5], X), ref.evaluate(X[:5], X), atol=1e-12)
    before = ours.evaluate(X)
    ours.assign_training_parameters([1.0, 0.2])
    assert np.abs(ours.evaluate(X) - before).max() > 1e-3  # the training parameters matter
    result = QuantumKernelTrainer(quantum_kernel=FastKernel(fm, training_parameters=theta),
                                  initial_point=[0.3, -1.1]).fit(X, y)
    assert np.all(np.isfinite(result.optimal_point))
    trained = result.quantum_kernel
    assert np.allclose(trained.parameter_values, result.optimal_point)
    unbound = FastKernel(fm, training_parameters=theta)
    with pytest.raises(Exception, match="has not been bound"):
        unbound.evaluate(X)


def test_shots_give_binomial_fidelity_estimates():
    from qmlbench.engine import execution
    from qmlbench.engine.spec import ExecutionSpec

    fm = circuits.feature_map("zz", 2, reps=1)
    X = np.random.default_rng(5).uniform(0, np.pi, (12, 2))
    exact = kernel_matrix(fm, X)
    shots = 4000
    ev = execution.evaluator_for(ExecutionSpec(shots=shots, seed=2))
    K = kernel_matrix(fm, X, evaluator=ev)
    np.testing.assert_array_equal(K, K.T)
    assert np.all(np.diag(K) == 1.0)
    sigma = np.sqrt(exact * (1 - exact) / shots)
    assert np.all(np.abs(K - exact) <= 5 * sigma + 1e-12)
    assert np.any(K != exact)  # it really sampled
    np.testing.assert_array_equal(K, kernel_matrix(fm, X, evaluator=ev))  # seeded


# --- kernel concentration (Thanasilp et al. 2022) ---------------------------------------

def _angle_kernel_moments(n, k):
    """E[K**k] for K = prod_i cos^2((x_i - y_i)/2), x, y uniform on [0, 2pi):
    each factor's E[cos^(2k)(u)] with u uniform mod pi is C(2k, k) / 4**k."""
    return (math.comb(2 * k, k) / 4 ** k) ** n


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_concentration_of_the_angle_kernel_matches_its_exact_moments(n):
    m = 4000
    res = kernels.concentration("angle", qubits=[n], reps=1, samples=m, seed=n,
                                options={"rotation": "y"})
    e1, e2, e3, e4 = (_angle_kernel_moments(n, k) for k in (1, 2, 3, 4))
    var = e2 - e1 ** 2
    mu4 = e4 - 4 * e3 * e1 + 6 * e2 * e1 ** 2 - 3 * e1 ** 4
    se_mean = math.sqrt(var / m)
    se_var = math.sqrt((mu4 - (m - 3) / (m - 1) * var ** 2) / m)
    assert abs(res.means[0] - e1) < 5 * se_mean
    assert abs(res.variances[0] - var) < 5 * se_var
    # the reported standard error estimates the same quantity
    assert 0.3 * se_var < res.stderr[0] < 3 * se_var


def test_haar_moments_match_random_states_and_the_one_qubit_uniform_law():
    assert kernels.haar_moments(1) == pytest.approx((0.5, 1 / 12))  # |<a|b>|^2 ~ U[0, 1]
    rng = np.random.default_rng(0)
    n, m = 3, 20000
    a, b = (rng.normal(size=(m, 2 ** n)) + 1j * rng.normal(size=(m, 2 ** n)) for _ in range(2))
    a /= np.linalg.norm(a, axis=1, keepdims=True)
    b /= np.linalg.norm(b, axis=1, keepdims=True)
    f = np.abs(np.einsum("bi,bi->b", a.conj(), b)) ** 2
    mean, var = kernels.haar_moments(n)
    assert abs(f.mean() - mean) < 5 * math.sqrt(var / m)
    assert abs(f.var() - var) < 5 * f.var() * math.sqrt(8 / m)  # Beta(1, d-1): mild 4th moment


def test_concentration_decays_with_width_towards_haar_and_reproduces():
    res = kernels.concentration("zz", qubits=[2, 4, 6], reps=2, samples=400, seed=7)
    assert res.decay_rate < 0 and res.decay_rate + 4 * res.decay_rate_stderr < 0
    assert res.haar_variances == [kernels.haar_moments(n)[1] for n in (2, 4, 6)]
    again = kernels.concentration("zz", qubits=[2, 4, 6], reps=2, samples=400, seed=7)
    assert again.variances == res.variances
    restored = kernels.ConcentrationResult.from_dict(json.loads(res.to_json()))
    assert restored == res
    assert [r["qubits"] for r in res.to_rows()] == [2, 4, 6]


@pytest.mark.parametrize("kwargs, field", [
    ({"samples": 2}, "samples"),
    ({"qubits": [0, 2]}, "qubits"),
    ({"data_range": (1.0, 0.0)}, "data_range"),
    ({"feature_map": "zzz"}, "feature_map"),
])
def test_concentration_bad_input_names_the_field(kwargs, field):
    with pytest.raises(SpecError) as info:
        kernels.concentration(**{"qubits": [2], **kwargs})
    assert field in str(info.value)


def test_concentration_refuses_widths_beyond_exact_simulation():
    with pytest.raises(CapacityError, match="limit"):
        kernels.concentration("zz", qubits=[execution.MAX_EXACT_QUBITS + 1])


def test_concentration_splits_its_batches_to_the_memory_budget(monkeypatch):
    """Issue 9: `qmlbench concentration --qubits 20` asked numpy for 15.6 GiB in one array:
    the memory check covered one state, not the batch of 2 * samples states."""
    from qmlbench.engine.kernels import concentration_study as kernel_concentration

    unbatched = kernels.concentration("zz", qubits=[2, 5], reps=2, samples=300, seed=3)
    rows = []
    real = execution.Evaluator.statevectors

    def recording(self, circuit, values):
        rows.append((circuit.num_qubits, len(values)))
        return real(self, circuit, values)

    monkeypatch.setattr(execution.Evaluator, "statevectors", recording)
    budget = 64 * 2 ** 10                                  # 64 KiB: a few states of 5 qubits
    monkeypatch.setattr(limits, "MEMORY_BUDGET_BYTES", budget)
    batched = kernels.concentration("zz", qubits=[2, 5], reps=2, samples=300, seed=3)
    assert batched.variances == pytest.approx(unbatched.variances, rel=1e-12)
    assert batched.means == pytest.approx(unbatched.means, rel=1e-12)
    assert len(rows) > 2 and sum(r for q, r in rows if q == 5) == 600
    assert all(r * 16 * 2 ** q <= budget for q, r in rows)   # every batch within the budget
    # at 20 qubits a batch is a few pairs, not 500 (15.6 GiB)
    monkeypatch.undo()
    per = kernel_concentration.pairs_per_batch(20)
    assert 2 * per * 16 * 2 ** 20 <= execution.MEMORY_BUDGET_BYTES


def test_concentration_refuses_a_pair_that_cannot_fit_and_says_how_much(monkeypatch):
    monkeypatch.setattr(limits, "available_memory_bytes", lambda: 2 ** 20)   # 1 MiB free
    with pytest.raises(CapacityError, match=r"qubits: 16 needs about 8 MiB for one pair of states but only 1 MiB"):
        kernels.concentration("zz", qubits=[16], samples=4)
