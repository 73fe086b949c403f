"""Circuits qmlbench did not build: class forms, wrapped instructions, matrices, resets.

Each test here failed on the first version (issue 8): the compile cache keyed a circuit
by its printed instruction names, Aer ignored the angles of parameterised controlled
rotations, and a reset gave one random trajectory labelled "exact".  References are
qiskit's own ``Statevector`` / ``DensityMatrix``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import AnnotatedOperation, ControlModifier, InverseModifier, Parameter
from qiskit.circuit.library import (HamiltonianGate, RealAmplitudes, RYGate, UnitaryGate,
                                    ZZFeatureMap)
from qiskit.quantum_info import DensityMatrix, SparsePauliOp, Statevector, random_unitary

from qmlbench.engine import execution, kernels
from qmlbench.engine.execution import circuit_key
from qmlbench.engine.errors import QmlbenchError

warnings.filterwarnings("ignore", category=DeprecationWarning)
TOL = 1e-9


def _wrapped(block: QuantumCircuit) -> QuantumCircuit:
    qc = QuantumCircuit(block.num_qubits)
    qc.compose(block, inplace=True)
    return qc


def _ref_expval(circuit, values, op):
    return np.array([Statevector(circuit.assign_parameters(v)).expectation_value(op).real
                     for v in np.atleast_2d(values)])


def _ref_dm_expval(circuit, values, op):
    out = []
    for v in np.atleast_2d(values):
        bound = circuit.assign_parameters(v) if circuit.num_parameters else circuit
        out.append(DensityMatrix(bound).expectation_value(op).real)
    return np.array(out)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


@pytest.mark.parametrize("first,second", [
    (dict(entanglement="linear"), dict(entanglement="full")),
    (dict(reps=2), dict(reps=1)),
])
def test_class_form_feature_maps_with_other_settings_are_not_confused(first, second):
    x = np.array([[0.3, 0.7, 1.1], [2.0, -0.4, 0.9]])
    op = SparsePauliOp("ZZI")
    for kw in (first, second, first):
        qc = _wrapped(ZZFeatureMap(3, **kw))
        assert len(qc.data) == 1  # one instruction, same name whatever the settings
        np.testing.assert_allclose(execution.expectation_values(qc, op, x),
                                   _ref_expval(qc, x, op), atol=TOL)


def test_class_form_ansatz_reps_and_entanglement_are_not_confused():
    op = SparsePauliOp("ZZI")
    rng = np.random.default_rng(3)
    for kw in (dict(reps=1), dict(reps=3), dict(reps=1, entanglement="full"),
               dict(reps=1, entanglement="linear")):
        qc = _wrapped(RealAmplitudes(3, **kw))
        x = rng.uniform(-np.pi, np.pi, (2, qc.num_parameters))
        np.testing.assert_allclose(execution.expectation_values(qc, op, x),
                                   _ref_expval(qc, x, op), atol=TOL)


def test_to_gate_of_different_circuits_are_not_confused():
    a, b = QuantumCircuit(2), QuantumCircuit(2)
    a.h(0)
    a.cx(0, 1)
    b.x(1)
    b.h(0)
    op = SparsePauliOp("ZI")
    for inner in (a, b, a):
        qc = QuantumCircuit(2)
        qc.append(inner.to_gate(), [0, 1])
        np.testing.assert_allclose(execution.expectation_values(qc, op, np.zeros((1, 0))),
                                   _ref_expval(qc, np.zeros((1, 0)), op), atol=TOL)


def test_unitary_gates_that_print_alike_are_not_confused():
    u = random_unitary(2, seed=1).data
    # differs from u in the 10th digit: both print the same to 8 digits
    v = u @ np.diag([1.0, np.exp(1j * 1e-9)])
    w = u @ np.diag([1.0, np.exp(1j * 0.5)])
    for mat in (u, w, v, w):
        qc = QuantumCircuit(1)
        qc.h(0)
        qc.append(UnitaryGate(mat), [0])
        got = execution.statevectors(qc, np.zeros((1, 0)))[0]
        np.testing.assert_allclose(got, Statevector(qc).data, rtol=0, atol=1e-12)


def test_a_blueprint_circuit_changed_in_place_is_recompiled():
    fm = ZZFeatureMap(2, reps=2)
    x = np.array([[0.4, 1.3]])
    op = SparsePauliOp("XX")
    before = execution.expectation_values(fm, op, x)
    np.testing.assert_allclose(before, _ref_expval(fm, x, op), atol=TOL)
    fm.reps = 1
    after = execution.expectation_values(fm, op, x)
    np.testing.assert_allclose(after, _ref_expval(fm, x, op), atol=TOL)
    assert abs(after[0] - before[0]) > 1e-3


def test_kernel_cache_tells_class_form_feature_maps_apart():
    X = np.random.default_rng(0).uniform(0, 2 * np.pi, (6, 3))
    for ent in ("linear", "full", "linear"):
        fm = _wrapped(ZZFeatureMap(3, entanglement=ent))
        K = kernels.kernel_matrix(fm, X)
        sv = np.stack([Statevector(fm.assign_parameters(x)).data for x in X])
        np.testing.assert_allclose(K, np.abs(sv.conj() @ sv.T) ** 2, atol=1e-10)


def test_circuit_key_separates_what_differs_and_matches_what_is_equal():
    assert circuit_key(_wrapped(ZZFeatureMap(3, entanglement="linear"))) != \
        circuit_key(_wrapped(ZZFeatureMap(3, entanglement="full")))
    assert circuit_key(_wrapped(ZZFeatureMap(3))) == circuit_key(_wrapped(ZZFeatureMap(3)))
    a, b = QuantumCircuit(1), QuantumCircuit(1)
    a.rx(0.1, 0)
    b.rx(0.1 + 1e-15, 0)
    assert circuit_key(a) != circuit_key(b)


@pytest.mark.parametrize("gate", ["crx", "cry", "crz", "cp"])
@pytest.mark.parametrize("rows", [1, 3])
def test_shots_path_uses_the_angle_of_parameterised_controlled_rotations(gate, rows):
    t = Parameter("t")
    qc = QuantumCircuit(2)
    qc.h([0, 1])
    getattr(qc, gate)(t, 0, 1)
    qc.h(1)
    values = np.linspace(0.5, 2.5, rows)[:, None]
    op = SparsePauliOp(["IZ", "ZI"])
    shots = 20000
    ev = execution.evaluator_for({"shots": shots, "seed": 11})
    got = ev.expectation_values(qc, op, values)
    want = _ref_expval(qc, values, op)
    # per-term precision 1/sqrt(shots); two terms: std <= sqrt(2)/sqrt(shots); 6 sigma
    assert np.all(np.abs(got - want) < 6 * np.sqrt(2 / shots)), (got, want)


def test_two_local_with_controlled_rotations_predicts_what_it_trains_on_under_shots():
    from qmlbench.engine import circuits

    qc = circuits.ansatz("two_local", num_qubits=2, reps=2, entanglement_blocks="crx")
    x = np.random.default_rng(5).uniform(-np.pi, np.pi, (4, qc.num_parameters))
    op = SparsePauliOp("ZZ")
    shots = 20000
    got = execution.evaluator_for({"shots": shots, "seed": 3}).expectation_values(qc, op, x)
    np.testing.assert_allclose(got, _ref_expval(qc, x, op), atol=6 / np.sqrt(shots))


def test_aer_fallback_statevectors_bind_controlled_rotation_angles():
    t = Parameter("t")
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cry(t, 0, 1)
    ev = execution.Evaluator()
    values = np.array([[0.3], [2.1]])
    got = ev._aer_statevectors(qc, values)
    for row, v in zip(got, values):
        np.testing.assert_allclose(row, Statevector(qc.assign_parameters(v)).data, atol=1e-10)


def _reset_pair():
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    qc.reset(0)
    return qc


def test_a_reset_gives_the_exact_mixed_state_value_every_time():
    qc = _reset_pair()
    op = SparsePauliOp(["IZ", "ZI", "XX"])
    want = _ref_dm_expval(qc, np.zeros((1, 0)), op)
    for _ in range(4):
        got = execution.expectation_values(qc, op, np.zeros((1, 0)))
        np.testing.assert_allclose(got, want, atol=TOL)
    np.testing.assert_allclose(execution.expectation_values(qc, "ZI", np.zeros((1, 0))), [0.0],
                               atol=TOL)
    probs = execution.probabilities(qc, np.zeros((1, 0)))
    np.testing.assert_allclose(probs[0], DensityMatrix(qc).probabilities(), atol=TOL)
    with pytest.raises(QmlbenchError, match="mixed state"):
        execution.statevectors(qc, np.zeros((1, 0)))


def test_mid_circuit_measurement_is_exact_with_values_and_gradients():
    t = Parameter("t")
    qc = QuantumCircuit(2, 1)
    qc.ry(t, 0)
    qc.cx(0, 1)
    qc.measure(0, 0)
    qc.ry(2 * t, 0)
    qc.cx(0, 1)
    op = SparsePauliOp(["ZI", "IZ", "XI"])
    values = np.array([[0.4], [1.7], [-2.3]])

    def ref(vals):
        # a measurement nobody reads is full dephasing of that qubit
        out = []
        for v in np.atleast_2d(vals):
            dm = DensityMatrix.from_label("00")
            a = QuantumCircuit(2)
            a.ry(v[0], 0)
            a.cx(0, 1)
            dm = dm.evolve(a)
            m = dm.data.copy()
            for i in range(4):
                for j in range(4):
                    if (i & 1) != (j & 1):
                        m[i, j] = 0
            b = QuantumCircuit(2)
            b.ry(2 * v[0], 0)
            b.cx(0, 1)
            out.append(DensityMatrix(m).evolve(b).expectation_value(op).real)
        return np.array(out)

    got = execution.expectation_values(qc, op, values)
    np.testing.assert_allclose(got, ref(values), atol=TOL)
    assert execution.expectation_values(qc, op, values).tolist() == got.tolist()  # no randomness
    grads = execution.gradients(qc, op, values)
    eps = 1e-5
    fd = (ref(values + eps) - ref(values - eps)) / (2 * eps)
    np.testing.assert_allclose(grads[:, 0], fd, atol=1e-7)


def test_reset_under_shots_is_unbiased_and_seeded():
    qc = _reset_pair()
    ev = execution.evaluator_for({"shots": 4000, "seed": 2})
    # Z on qubit 1 (qiskit labels read right to left): entangled with the reset qubit, so 0
    a = ev.expectation_values(qc, "ZI", np.zeros((1, 0)))
    b = execution.evaluator_for({"shots": 4000, "seed": 2}).expectation_values(
        qc, "ZI", np.zeros((1, 0)))
    assert a.tolist() == b.tolist()
    assert abs(a[0]) < 6 / np.sqrt(4000)


def test_mixed_circuits_beyond_the_density_matrix_limit_are_refused_with_the_limit():
    n = execution.MAX_MIXED_QUBITS + 1
    qc = QuantumCircuit(n)
    qc.h(0)
    qc.reset(0)
    from qmlbench.engine.errors import CapacityError
    with pytest.raises(CapacityError, match=str(execution.MAX_MIXED_QUBITS)):
        execution.expectation_values(qc, "Z" * n, np.zeros((1, 0)))


def test_fast_kernel_enforce_psd_projects_shot_noise():
    from qmlbench.engine import circuits

    fm = circuits.feature_map("zz", num_qubits=3, reps=2)
    X = np.random.default_rng(0).uniform(0, 2 * np.pi, (30, 3))
    noisy = execution.evaluator_for({"shots": 20, "seed": 1})
    raw = kernels.FastKernel(fm, evaluator=noisy, enforce_psd=False).evaluate(X)
    assert np.linalg.eigvalsh(raw).min() < -0.05  # shot noise: indefinite
    psd = kernels.FastKernel(fm, evaluator=noisy, enforce_psd=True).evaluate(X)
    assert np.linalg.eigvalsh(psd).min() > -1e-10


def test_parameterised_hamiltonian_gate_value_and_gradient():
    t = Parameter("t")
    H = np.array([[1.0, 0.5, 0, 0.2j], [0.5, -1.0, 0.3, 0], [0, 0.3, 0.4, 0.1],
                  [-0.2j, 0, 0.1, 0.2]])
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.append(HamiltonianGate(H, 2 * t), [0, 1])
    op = SparsePauliOp(["ZI", "XY"])
    values = np.array([[0.7], [-1.2]])
    np.testing.assert_allclose(execution.expectation_values(qc, op, values),
                               _ref_expval(qc, values, op), atol=TOL)
    eps = 1e-6
    fd = (_ref_expval(qc, values + eps, op) - _ref_expval(qc, values - eps, op)) / (2 * eps)
    np.testing.assert_allclose(execution.gradients(qc, op, values)[:, 0], fd, atol=1e-6)


def test_an_angle_with_sign_has_a_value_and_a_gradient():
    t = Parameter("t")
    qc = QuantumCircuit(1)
    qc.h(0)
    qc.rz(t.sign() * t * t, 0)
    qc.h(0)
    values = np.array([[0.7], [-0.4]])
    np.testing.assert_allclose(execution.expectation_values(qc, "Z", values),
                               _ref_expval(qc, values, SparsePauliOp("Z")), atol=TOL)
    # d/dt cos(sign(t) t^2) = -sin(sign(t) t^2) * 2|t|
    want = -np.sin(np.sign(values) * values ** 2) * 2 * np.abs(values)
    np.testing.assert_allclose(execution.gradients(qc, "Z", values), want, atol=1e-9)


def test_controlled_rotation_on_the_zero_state_and_annotated_operations():
    t = Parameter("t")
    qc = QuantumCircuit(3)
    qc.h([0, 1])
    qc.append(RYGate(t).control(1, ctrl_state=0), [0, 2])
    qc.append(AnnotatedOperation(RYGate(2 * t), [InverseModifier(), ControlModifier(1)]),
              [1, 2])
    op = SparsePauliOp(["ZII", "XIZ"])
    values = np.array([[0.9], [2.4]])
    np.testing.assert_allclose(execution.expectation_values(qc, op, values),
                               _ref_expval(qc, values, op), atol=TOL)
    eps = 1e-6
    fd = (_ref_expval(qc, values + eps, op) - _ref_expval(qc, values - eps, op)) / (2 * eps)
    np.testing.assert_allclose(execution.gradients(qc, op, values)[:, 0], fd, atol=1e-6)
    shots = execution.evaluator_for({"shots": 20000, "seed": 4})
    np.testing.assert_allclose(shots.expectation_values(qc, op, values),
                               _ref_expval(qc, values, op), atol=6 * np.sqrt(2 / 20000))


def test_a_kernel_too_big_for_memory_is_computed_block_by_block(monkeypatch):
    from qmlbench.engine import circuits

    fm = circuits.feature_map("zz", num_qubits=3, reps=2)
    rng = np.random.default_rng(1)
    X, Y = rng.uniform(0, 2 * np.pi, (11, 3)), rng.uniform(0, 2 * np.pi, (7, 3))
    kernels.clear_cache()
    full, cross = kernels.kernel_matrix(fm, X), kernels.kernel_matrix(fm, Y, X)
    # room for 3 states at a time (128 bytes each): blocks of 1 row against 1 row
    monkeypatch.setattr(kernels.matrix, "KERNEL_MEMORY_BYTES", 3 * 16 * 2 ** 3)
    largest = []
    real = execution.Evaluator.statevectors

    def spy(self, circuit, values):
        largest.append(np.asarray(values).shape[0])
        return real(self, circuit, values)

    monkeypatch.setattr(execution.Evaluator, "statevectors", spy)
    kernels.clear_cache()
    np.testing.assert_allclose(kernels.kernel_matrix(fm, X), full, atol=1e-12)
    np.testing.assert_allclose(kernels.kernel_matrix(fm, Y, X), cross, atol=1e-12)
    assert max(largest) == 1
