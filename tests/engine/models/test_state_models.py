"""Models on quantum data: the fidelity kernel of the states, the QCNN (forward and
gradients against qiskit and finite differences, training, the Run, the store), the
execution seam's initial states, and the rule that pairs state data with state models."""

from __future__ import annotations

import math

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import ParameterVector
from qiskit.circuit.library import real_amplitudes
from qiskit.quantum_info import Operator, SparsePauliOp, Statevector, random_statevector, \
    state_fidelity
from scipy.stats import binom

import qmlbench as qb
from qmlbench.engine import store
from qmlbench.engine.errors import DataError, SpecError
from qmlbench.engine.models.states import QCNNClassifier, StateQSVCModel, qcnn_circuit, states_of


def _random_states(count, qubits, seed):
    return np.array([random_statevector(2 ** qubits, seed=seed + i).data for i in range(count)])


# --- the seam's initial states -----------------------------------------------------------

def test_seam_starts_each_row_from_its_own_state():
    ev = qb.execution.evaluator_for()
    circuit = real_amplitudes(3, reps=2)
    rng = np.random.default_rng(1)
    S = _random_states(5, 3, 10)
    W = rng.uniform(0, 2 * np.pi, (5, circuit.num_parameters))
    expected = np.array([Statevector(S[i]).evolve(circuit.assign_parameters(W[i])).data
                         for i in range(5)])
    np.testing.assert_allclose(ev.statevectors(circuit, W, initial_states=S), expected, atol=1e-12)
    obs = [SparsePauliOp("ZII"), SparsePauliOp("XXY")]
    ev_values = ev.expectation_values(circuit, obs, W, initial_states=S)
    ref = np.array([[Statevector(v).expectation_value(o).real for o in obs] for v in expected])
    np.testing.assert_allclose(ev_values, ref, atol=1e-12)
    grads = ev.gradients(circuit, obs, W, initial_states=S)          # adjoint
    h = 1e-6
    for k in range(circuit.num_parameters):
        up, down = W.copy(), W.copy()
        up[:, k] += h
        down[:, k] -= h
        fd = (ev.expectation_values(circuit, obs, up, initial_states=S)
              - ev.expectation_values(circuit, obs, down, initial_states=S)) / (2 * h)
        np.testing.assert_allclose(grads[:, :, k], fd, atol=1e-8)
    one = ev.gradients(circuit, obs[0], W, wrt=[2], initial_states=S)  # forward mode
    np.testing.assert_allclose(one[:, 0], grads[:, 0, 2], atol=1e-12)


def test_seam_refuses_initial_states_it_cannot_honour():
    circuit = real_amplitudes(2, reps=1)
    W = np.zeros((2, circuit.num_parameters))
    S = _random_states(2, 2, 0)
    shots = qb.execution.evaluator_for({"shots": 100, "seed": 0})
    with pytest.raises(DataError, match="initial_states: .*exact path only.*shots"):
        shots.expectation_values(circuit, "ZZ", W, initial_states=S)
    exact = qb.execution.evaluator_for()
    with pytest.raises(DataError, match="row 1 has norm 2"):
        exact.expectation_values(circuit, "ZZ", W, initial_states=np.vstack([S[0], 2 * S[1]]))
    with pytest.raises(DataError, match="expected shape \\(2, 4\\)"):
        exact.expectation_values(circuit, "ZZ", W, initial_states=S[:, :2])


# --- the state kernel -----------------------------------------------------------------

def test_state_kernel_is_the_fidelity_of_the_states():
    A, B = _random_states(6, 3, 0), _random_states(4, 3, 50)
    model = StateQSVCModel().fit(qb.datasets.as_features(A), [0, 1] * 3)
    K = model._kernel(states_of(qb.datasets.as_features(B), "t"), model._train_states)
    ref = np.array([[state_fidelity(Statevector(b), Statevector(a)) for a in A] for b in B])
    np.testing.assert_allclose(K, ref, atol=1e-12)
    np.testing.assert_allclose(model.kernel_matrix_,
                               [[state_fidelity(Statevector(a), Statevector(c)) for c in A]
                                for a in A], atol=1e-12)


def test_state_kernel_with_shots_is_binomial_and_seeded():
    X = qb.datasets.as_features(_random_states(30, 2, 0))
    y = np.arange(30) % 2
    exact = StateQSVCModel().fit(X, y).kernel_matrix_
    shots = 200
    a = StateQSVCModel(shots=shots, seed=3).fit(X, y).kernel_matrix_
    b = StateQSVCModel(shots=shots, seed=3).fit(X, y).kernel_matrix_
    np.testing.assert_array_equal(a, b)
    off = ~np.eye(30, dtype=bool)
    z = (a[off] - exact[off]) / np.sqrt(exact[off] * (1 - exact[off]) / shots + 1e-12)
    assert np.abs(z.mean()) < 5 / np.sqrt(off.sum() / 2)     # unbiased, within 5 standard errors
    np.testing.assert_allclose(a * shots, np.round(a * shots), atol=1e-9)   # counts of shots


def test_rows_are_read_as_rays():
    psi = _random_states(3, 2, 7)
    X = qb.datasets.as_features(psi)
    np.testing.assert_allclose(states_of(3.0 * X, "t"), psi, atol=1e-12)
    with pytest.raises(DataError, match="row 1 is all zeros"):
        states_of(np.vstack([X[0], 0 * X[1]]), "t")


# --- the QCNN -------------------------------------------------------------------------

def _tutorial_qcnn():
    """qiskit-ml tutorial 11's 8-qubit QCNN, written as the tutorial writes it."""
    def conv_circuit(p):
        t = QuantumCircuit(2)
        t.rz(-np.pi / 2, 1)
        t.cx(1, 0)
        t.rz(p[0], 0)
        t.ry(p[1], 1)
        t.cx(0, 1)
        t.ry(p[2], 1)
        t.cx(1, 0)
        t.rz(np.pi / 2, 0)
        return t

    def conv_layer(num_qubits, prefix):
        qc = QuantumCircuit(num_qubits)
        qubits = list(range(num_qubits))
        index = 0
        params = ParameterVector(prefix, length=num_qubits * 3)
        for q1, q2 in zip(qubits[0::2], qubits[1::2]):
            qc = qc.compose(conv_circuit(params[index:index + 3]), [q1, q2])
            index += 3
        for q1, q2 in zip(qubits[1::2], qubits[2::2] + [0]):
            qc = qc.compose(conv_circuit(params[index:index + 3]), [q1, q2])
            index += 3
        return qc

    def pool_circuit(p):
        t = QuantumCircuit(2)
        t.rz(-np.pi / 2, 1)
        t.cx(1, 0)
        t.rz(p[0], 0)
        t.ry(p[1], 1)
        t.cx(0, 1)
        t.ry(p[2], 1)
        return t

    def pool_layer(sources, sinks, prefix):
        qc = QuantumCircuit(len(sources) + len(sinks))
        index = 0
        params = ParameterVector(prefix, length=len(sources) * 3)
        for source, sink in zip(sources, sinks):
            qc = qc.compose(pool_circuit(params[index:index + 3]), [source, sink])
            index += 3
        return qc

    a = QuantumCircuit(8)
    a.compose(conv_layer(8, "c1"), list(range(8)), inplace=True)
    a.compose(pool_layer([0, 1, 2, 3], [4, 5, 6, 7], "p1"), list(range(8)), inplace=True)
    a.compose(conv_layer(4, "c2"), list(range(4, 8)), inplace=True)
    a.compose(pool_layer([0, 1], [2, 3], "p2"), list(range(4, 8)), inplace=True)
    a.compose(conv_layer(2, "c3"), list(range(6, 8)), inplace=True)
    a.compose(pool_layer([0], [1], "p3"), list(range(6, 8)), inplace=True)
    return a


def test_qcnn_on_eight_qubits_is_tutorial_11s_network():
    mine, readout = qcnn_circuit(8, 1)
    tutorial = _tutorial_qcnn()
    assert readout == [7] and mine.num_parameters == tutorial.num_parameters == 63
    values = np.random.default_rng(0).uniform(0, 2 * np.pi, 63)
    # both list the weights layer by layer (c1, p1, c2, p2, c3, p3); bind in that order
    order = [f"{v}" for v in ("c1", "p1", "c2", "p2", "c3", "p3")]
    by_vector = {}
    for p in tutorial.parameters:
        by_vector.setdefault(p.vector.name, []).append(p)
    tut_params = [p for name in order for p in sorted(by_vector[name], key=lambda q: q.index)]
    mine_params = sorted(mine.parameters, key=lambda q: q.index)
    assert Operator(mine.assign_parameters(dict(zip(mine_params, values)))).equiv(
        Operator(tutorial.assign_parameters(dict(zip(tut_params, values)))))


def test_qcnn_forward_and_gradient_against_qiskit_and_finite_differences():
    psi = _random_states(6, 4, 3)
    X = qb.datasets.as_features(psi)
    y = np.array([0, 1, 2, 0, 1, 2])                    # 3 classes: two readout qubits
    model = QCNNClassifier(optimizer="l_bfgs_b", maxiter=1, seed=0).fit(X, y)
    w = np.random.default_rng(1).uniform(0, 2 * np.pi, model.num_weights_)
    proba = model._forward(psi, w)
    bound = model.circuit_.assign_parameters(dict(zip(model.circuit_.parameters, w)))
    for i in range(6):
        p = Statevector(psi[i]).evolve(bound).probabilities(model.readout_qubits_)
        expected = [p[0] + p[3], p[1], p[2]]              # outcome b -> class b mod 3
        np.testing.assert_allclose(proba[i], expected, atol=1e-12)
    grad = model._forward_grad(psi, w)
    h = 1e-6
    for k in range(0, model.num_weights_, 5):
        up, down = w.copy(), w.copy()
        up[k] += h
        down[k] -= h
        fd = (model._forward(psi, up) - model._forward(psi, down)) / (2 * h)
        np.testing.assert_allclose(grad[:, :, k], fd, atol=1e-8)


def test_binary_qcnn_reads_z_on_the_last_qubit():
    psi = _random_states(4, 4, 9)
    model = QCNNClassifier(optimizer="l_bfgs_b", maxiter=1, seed=0).fit(qb.datasets.as_features(psi), [0, 1, 0, 1])
    assert model.readout_qubits_ == [3]
    bound = model.circuit_.assign_parameters(dict(zip(model.circuit_.parameters, model.weights_)))
    z = [Statevector(s).evolve(bound).expectation_value(SparsePauliOp("ZIII")).real for s in psi]
    np.testing.assert_allclose(model.predict_proba(qb.datasets.as_features(psi))[:, 1],
                               (1 - np.array(z)) / 2, atol=1e-12)


QCNN_SPEC = {"dataset": {"name": "phase_of_matter", "n_samples": 60, "test_size": 0.25,
                         "options": {"model": "annni", "qubits": 4}},
             "model": {"name": "qcnn"}, "optimizer": {"name": "l_bfgs_b", "maxiter": 100},
             "seed": 0}


def _allowed_errors(n_test, error_rate=0.05, risk=1e-3):
    """Test errors a classifier with this true error rate exceeds with probability < risk."""
    return int(binom.ppf(1 - risk, n_test, error_rate))


def test_qcnn_trains_live_to_a_stated_accuracy_and_saves(tmp_path):
    steps = []
    run = qb.train(QCNN_SPEC, on_step=lambda step, loss, elapsed, w: steps.append(loss),
                   block=True)
    d = run.dataset
    n_test = len(d.y_test)
    # ANNNI's four phases, 4 qubits: the QCNN is expected to err on under 5% of states
    assert run.scores["test"] >= 1 - _allowed_errors(n_test) / n_test, run.scores
    losses = [entry["loss"] for entry in run.history if entry["loss"] is not None]
    assert len(steps) > 10 and losses[-1] < losses[0]
    assert run.path == qb.execution.PATH_EXACT
    path = store.save_run(tmp_path / "qcnn", run)
    back = store.load(path).model
    np.testing.assert_array_equal(back.predict_proba(d.X_test), run.model.predict_proba(d.X_test))


def test_stop_keeps_the_qcnn_usable():
    run = qb.train(QCNN_SPEC)
    run.stop()
    run.wait()
    assert run.status in ("stopped", "done")
    assert run.model.predict(run.dataset.X_test).shape == run.dataset.y_test.shape


def test_state_kernel_classifies_phases_and_saves(tmp_path):
    spec = dict(QCNN_SPEC, model={"name": "state_qsvc"})
    run = qb.train(spec, block=True)
    n_test = len(run.dataset.y_test)
    assert run.scores["test"] >= 1 - _allowed_errors(n_test) / n_test, run.scores
    back = store.load(store.save_run(tmp_path / "k", run)).model
    np.testing.assert_array_equal(back.predict(run.dataset.X_test),
                                  run.model.predict(run.dataset.X_test))


# --- who takes what -----------------------------------------------------------------------

def test_state_data_pairs_only_with_state_models():
    with pytest.raises(SpecError) as exc:
        qb.ExperimentSpec.from_dict({"dataset": {"name": "phase_of_matter"},
                                     "model": {"name": "vqc"}})
    assert exc.value.field == "model.name" and "'phase_of_matter' holds quantum states" in str(exc.value)
    assert set(exc.value.allowed) == {"state_qsvc", "qcnn"}
    with pytest.raises(SpecError, match="'qcnn' takes quantum states.*'moons' holds classical"):
        qb.ExperimentSpec.from_dict({"dataset": {"name": "moons"}, "model": {"name": "qcnn"}})
    moons = qb.datasets.load("moons", n_samples=20)
    spec = qb.ExperimentSpec.from_dict({"dataset": {"name": "phase_of_matter"},
                                        "model": {"name": "qcnn"}})
    with pytest.raises(SpecError, match="'moons'"):        # a dataset given to build
        qb.models.build(spec, moons)
    assert qb.models.compat.model_for_dataset("vqc", "phase_of_matter") == "state_qsvc"
    assert qb.models.compat.model_for_dataset("qcnn", "moons") == "qsvc"


def test_state_models_refuse_noise():
    X = qb.datasets.as_features(_random_states(4, 2, 0))
    with pytest.raises(SpecError, match="execution.noise.*input states are given"):
        StateQSVCModel(noise={"model": "depolarizing", "p1": 0.01, "p2": 0.01}).fit(X, [0, 1] * 2)


def test_qcnn_readout_grows_with_the_classes():
    for k in (2, 3, 4, 5):
        assert len(qcnn_circuit(6, max(1, math.ceil(math.log2(k))))[1]) == \
            max(1, math.ceil(math.log2(k)))


def test_the_qcnn_is_blind_to_the_heisenberg_chains_ground_states():
    """Measured, and said in the tutorial: on the bond-alternating Heisenberg chain's ground
    states the tutorial-11 QCNN gives p = 1/2 at any weights (the state kernel does not
    have this blind spot; tests above show it classifying phases)."""
    d = qb.datasets.load("phase_of_matter", n_samples=8, model="heisenberg", qubits=4)
    psi = qb.datasets.as_states(d.X)
    model = QCNNClassifier(optimizer="l_bfgs_b", maxiter=1, seed=0).fit(d.X, d.y)
    for seed in range(3):
        w = np.random.default_rng(seed).uniform(0, 2 * np.pi, model.num_weights_)
        np.testing.assert_allclose(model._forward(psi, w), 0.5, atol=1e-10)
