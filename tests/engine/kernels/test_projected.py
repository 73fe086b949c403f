"""The projected quantum kernel (Huang et al. 2021) against qiskit's own reduced states."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.quantum_info import Statevector, partial_trace

import qmlbench as qb
from qmlbench.engine import kernels
from qmlbench.engine.models.projected import ProjectedQSVCModel


def _reference(fm, X, Y, gamma):
    """exp(-gamma sum_k ||rho_k(x) - rho_k(y)||_F^2) from qiskit Statevector + partial_trace."""
    n = fm.num_qubits

    def reduced(x):
        sv = Statevector(fm.assign_parameters(x))
        return [partial_trace(sv, [q for q in range(n) if q != k]).data for k in range(n)]

    rx, ry = [reduced(x) for x in X], [reduced(y) for y in Y]
    K = np.empty((len(X), len(Y)))
    for i, a in enumerate(rx):
        for j, b in enumerate(ry):
            K[i, j] = np.exp(-gamma * sum(np.linalg.norm(p - q, "fro") ** 2 for p, q in zip(a, b)))
    return K


@pytest.mark.parametrize("name,ent", [("zz", "linear"), ("iqp", "full"), ("separable", "linear"),
                                      ("heisenberg", "linear")])
def test_matches_partial_traces_of_qiskit_statevectors(name, ent):
    fm = qb.circuits.feature_map(name, 3, reps=2, entanglement=ent)
    rng = np.random.default_rng(0)
    X, Y = rng.uniform(0, np.pi, (7, 3)), rng.uniform(0, np.pi, (5, 3))
    for gamma in (0.3, 2.0):
        np.testing.assert_allclose(kernels.projected_kernel_matrix(fm, X, Y, gamma),
                                   _reference(fm, X, Y, gamma), atol=1e-12)
        np.testing.assert_allclose(kernels.projected_kernel_matrix(fm, X, None, gamma),
                                   _reference(fm, X, X, gamma), atol=1e-12)


def test_gram_matrix_is_psd_symmetric_with_unit_diagonal():
    fm = qb.circuits.feature_map("zz", 4, reps=2)
    X = np.random.default_rng(1).uniform(0, np.pi, (40, 4))
    K = kernels.projected_kernel_matrix(fm, X, gamma=1.5)
    np.testing.assert_array_equal(K, K.T)
    np.testing.assert_array_equal(np.diag(K), 1.0)
    assert np.linalg.eigvalsh(K).min() > -1e-12
    assert np.all((K > 0) & (K <= 1))


def test_bloch_vectors_are_the_reduced_states():
    fm = qb.circuits.feature_map("zz", 2, reps=1)
    x = np.array([[0.4, 1.3]])
    b = kernels.bloch_vectors(fm, x)[0]
    sv = Statevector(fm.assign_parameters(x[0]))
    for k in range(2):
        rho = partial_trace(sv, [1 - k]).data
        paulis = [np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]), np.diag([1, -1])]
        np.testing.assert_allclose(b[k], [np.trace(rho @ p).real for p in paulis], atol=1e-12)
    # ||rho - sigma||_F^2 = (1/2) sum_P (<P>_rho - <P>_sigma)^2, the identity the kernel uses
    assert np.linalg.norm(np.eye(2) / 2 - rho, "fro") ** 2 == pytest.approx(0.5 * np.sum(b[1] ** 2))


def test_model_scale_gamma_and_shots_path():
    ds = qb.datasets.load("linearly_separable", n_samples=60, num_features=3, seed=2)
    m = ProjectedQSVCModel(feature_map="iqp", feature_map_reps=1, seed=0).fit(ds.X_train, ds.y_train)
    assert m.gamma_ == pytest.approx(kernels.scale_gamma(m.bloch_train_))
    np.testing.assert_array_equal(np.diag(m.kernel_matrix_), 1.0)
    m10 = ProjectedQSVCModel(feature_map="iqp", feature_map_reps=1, gamma_factor=10.0).fit(
        ds.X_train, ds.y_train)
    assert m10.gamma_ == pytest.approx(10 * m.gamma_)
    assert m.gram(ds.X_train).shape == (len(ds.X_train),) * 2
    # with shots each Pauli expectation is sampled: K stays a valid Gram matrix
    ms = ProjectedQSVCModel(feature_map="iqp", feature_map_reps=1, shots=200, seed=1).fit(
        ds.X_train, ds.y_train)
    assert "shots" in ms.path_
    assert np.linalg.eigvalsh(ms.kernel_matrix_).min() > -1e-10
    assert np.abs(ms.kernel_matrix_ - m.kernel_matrix_).max() > 0


def test_registry_model_from_a_spec():
    spec = qb.ExperimentSpec.from_dict({
        "dataset": {"name": "two_curves", "n_samples": 40},
        "circuit": {"feature_map": {"name": "iqp", "reps": 1}},
        "model": {"name": "projected_qsvc", "params": {"gamma_factor": 0.1, "C": 10}}})
    model = qb.models.build(spec)
    assert isinstance(model, ProjectedQSVCModel) and model.gamma_factor == 0.1


@pytest.mark.parametrize("gamma", ["x", 0, 0.0, -1.0, float("nan"), float("inf"), None, True])
def test_gamma_that_is_not_a_positive_number_is_refused_by_name(gamma):
    from qmlbench.engine.errors import SpecError

    b = np.random.default_rng(0).uniform(-1, 1, (3, 2, 3))
    with pytest.raises(SpecError) as err:
        kernels.projected_matrix(b, gamma=gamma)
    msg = str(err.value)
    assert msg.startswith(f"gamma: {gamma!r}") and "number > 0" in msg


def test_a_positive_integer_gamma_is_taken():
    b = np.random.default_rng(0).uniform(-1, 1, (3, 2, 3))
    np.testing.assert_array_equal(kernels.projected_matrix(b, gamma=2),
                                  kernels.projected_matrix(b, gamma=2.0))


def test_with_shots_each_measurement_draws_its_own_shot_noise():
    # A shot estimate of a Bloch vector is a new measurement each time: the test points'
    # noise must not be the training points' noise replayed (with one stream per seed, test
    # row i reused training row i's draws and re-measured training points came back exactly
    # as they were measured for the fit).  The fit stays reproducible from its seed.
    ds = qb.datasets.load("linearly_separable", n_samples=40, num_features=3, seed=2)

    def fit():
        return ProjectedQSVCModel(feature_map="iqp", feature_map_reps=1, shots=100,
                                  seed=1).fit(ds.X_train, ds.y_train)

    m = fit()
    again = m._bloch(ds.X_train)
    assert not np.array_equal(again, m.bloch_train_)
    # same noise law: differences of two independent estimates of <P> with 100 shots each
    # have variance 2 (1 - <P>^2) / 100 <= 0.02 per entry
    assert np.mean((again - m.bloch_train_) ** 2) < 0.02
    np.testing.assert_array_equal(fit().kernel_matrix_, m.kernel_matrix_)
    np.testing.assert_array_equal(fit().decision_function(ds.X_test),
                                  fit().decision_function(ds.X_test))


def _depolarized_reduced_states(fm, x, p1, p2):
    """Each qubit's reduced state after ``fm`` at ``x`` with rho -> (1-p) rho + p I/2^k after
    every k-qubit gate, evolved gate by gate with qiskit.quantum_info alone (the Pauli-twirl
    form (1-p) rho + p 4^-k sum_P P rho P), on the gates the noise attaches to."""
    from itertools import product

    from qiskit.quantum_info import DensityMatrix, Operator, Pauli

    circ = qb.execution.evaluator_for({"noise": {"model": "depolarizing", "p1": p1, "p2": p2}}) \
        .noise_plan.transpiled(fm.assign_parameters(x))
    rho = DensityMatrix.from_label("0" * fm.num_qubits)
    for inst in circ.data:
        qargs = [circ.find_bit(q).index for q in inst.qubits]
        rho = rho.evolve(Operator(inst.operation), qargs)
        k, p = len(qargs), (p1 if len(qargs) == 1 else p2)
        twirl = sum(rho.evolve(Operator(Pauli("".join(s))), qargs).data
                    for s in product("IXYZ", repeat=k))
        rho = DensityMatrix((1 - p) * rho.data + p / 4 ** k * twirl)
    n = fm.num_qubits
    return [partial_trace(rho, [q for q in range(n) if q != k]).data for k in range(n)]


def test_under_depolarizing_noise_matches_hand_evolved_density_matrices():
    fm = qb.circuits.feature_map("heisenberg", 3, reps=2, t=0.3)
    X = np.random.default_rng(4).uniform(-1.5, 1.5, (3, 3))
    p1, p2, gamma = 0.02, 0.06, 0.8
    ev = qb.execution.evaluator_for({"noise": {"model": "depolarizing", "p1": p1, "p2": p2}})
    red = [_depolarized_reduced_states(fm, x, p1, p2) for x in X]
    ref = np.array([[np.exp(-gamma * sum(np.linalg.norm(a - b, "fro") ** 2 for a, b in zip(ri, rj)))
                     for rj in red] for ri in red])
    K = kernels.projected_kernel_matrix(fm, X, X, gamma, evaluator=ev)
    np.testing.assert_allclose(K, ref, atol=1e-12)
    assert np.abs(K - kernels.projected_kernel_matrix(fm, X, X, gamma)).max() > 1e-3


@pytest.mark.parametrize("params", [{}, {"gamma": 0.7, "gamma_factor": 10.0}])
def test_kernel_view_of_a_projected_spec_is_its_kernel_before_and_after_fitting(params):
    # Before training the kernel view drew the feature map's fidelity kernel for a
    # projected_qsvc spec: another kernel than the one the model uses.
    spec = qb.ExperimentSpec.from_dict({
        "dataset": {"name": "moons", "n_samples": 60, "test_size": 0.25},
        "circuit": {"feature_map": {"name": "zz", "reps": 2}},
        "model": {"name": "projected_qsvc", "params": params}, "seed": 2})
    ds = qb.datasets.from_spec(spec.dataset, seed=spec.seed)
    before = qb.kernels.kernel_view(spec, ds, max_points=30)
    model = qb.models.build(spec, ds).fit(ds.X_train, ds.y_train)
    after = qb.kernels.kernel_view(spec, ds, model, max_points=30)
    assert before.projected and after.projected
    assert before.gamma == pytest.approx(model.gamma_, rel=1e-12)
    np.testing.assert_allclose(before.matrix, after.matrix, atol=1e-12)
    np.testing.assert_allclose(after.matrix, model.gram(before.X), atol=1e-12)
    fidelity = qb.kernels.kernel_view(spec.replace(model={"name": "qsvc", "params": {}}), ds,
                                      max_points=30)
    assert not fidelity.projected and np.abs(fidelity.matrix - before.matrix).max() > 0.05
