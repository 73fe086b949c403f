"""Unit tests of the simulator's own modules, each against qiskit's reference objects
(``Operator``, ``Statevector``, ``SparsePauliOp.to_matrix``, ``ParameterExpression.bind``).

The execution seam's tests cover whole circuits; these pin each piece on its own, so a
wrong gate table, a wrong slice or a wrong derivative is reported where it lives."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter, ParameterVector
from qiskit.circuit.library import get_standard_gate_name_mapping
from qiskit.quantum_info import Operator, SparsePauliOp, Statevector, random_unitary

from qmlbench.engine.sim import (AngleCompiler, DenseObservable, UnsupportedCircuit,
                                 adjoint_gradients, circuit_key, compile_observable, compiled,
                                 forward_gradient, simulate)
from qmlbench.engine.sim.apply import apply_op
from qmlbench.engine.sim.gates import _fixed_op, _native_op

RNG = np.random.default_rng(7)
ATOL = 1e-12

#: Every parameterised standard gate the compiler runs natively, with its width.
NATIVE = ["rx", "ry", "rz", "p", "rxx", "ryy", "rzz", "rzx", "crx", "cry", "crz", "cp", "u1"]


def _random_state(n, batch):
    psi = RNG.normal(size=(2 ** n, 1, batch)) + 1j * RNG.normal(size=(2 ** n, 1, batch))
    return psi / np.linalg.norm(psi, axis=0, keepdims=True)


def _embedded(gate, qubits, n):
    qc = QuantumCircuit(n)
    qc.append(gate, qubits)
    return Operator(qc).data


@pytest.mark.parametrize("name", NATIVE)
def test_native_gate_applied_to_a_batch_equals_qiskits_matrix(name):
    """One native op applied to a batch of random 3-qubit states, on shuffled qubits, with
    a different angle per row, equals qiskit's Operator of the gate row by row."""
    gate_cls = type(get_standard_gate_name_mapping()[name])
    width = get_standard_gate_name_mapping()[name].num_qubits
    n, batch = 3, 4
    qubits = list(RNG.permutation(n)[:width])
    theta = Parameter("t")
    angle = AngleCompiler([theta]).compile(theta)
    op = _native_op(name, qubits, angle)
    values = RNG.uniform(-np.pi, np.pi, size=(batch, 1))
    psi = _random_state(n, batch)
    out = apply_op(psi.copy(), n, op, values)
    for b in range(batch):
        expected = _embedded(gate_cls(values[b, 0]), [int(q) for q in qubits], n) @ psi[:, 0, b]
        np.testing.assert_allclose(out[:, 0, b], expected, atol=ATOL)


@pytest.mark.parametrize("width", [1, 2, 3])
def test_fixed_op_from_any_unitary_matches_the_matrix_and_inverts(width):
    n, batch = 4, 3
    qubits = [int(q) for q in RNG.permutation(n)[:width]]
    u = random_unitary(2 ** width, seed=int(RNG.integers(1000))).data
    op = _fixed_op("u", qubits, u)
    psi = _random_state(n, batch)
    out = apply_op(psi.copy(), n, op, np.zeros((batch, 0)))
    from qiskit.circuit.library import UnitaryGate

    full = _embedded(UnitaryGate(u), qubits, n)
    np.testing.assert_allclose(out[:, 0, :], full @ psi[:, 0, :], atol=ATOL)
    back = apply_op(out, n, op, np.zeros((batch, 0)), inverse=True)
    np.testing.assert_allclose(back, psi, atol=ATOL)


def test_angles_compile_expressions_and_their_derivatives():
    a, b = Parameter("a"), Parameter("b")
    expr = 2 * a * b + a.sin() - (b ** 2) / 3
    fn = AngleCompiler([a, b]).compile(expr)
    values = RNG.uniform(-2, 2, size=(5, 2))
    want = [float(expr.bind({a: x, b: y}).numeric()) for x, y in values]
    np.testing.assert_allclose(fn.value(values), want, atol=ATOL)
    da = [float(expr.gradient(a).bind({a: x, b: y}).numeric()) for x, y in values]
    db = [float(expr.gradient(b).bind({a: x, b: y}).numeric()) for x, y in values]
    np.testing.assert_allclose(fn.derivative(0, values), da, atol=1e-10)
    np.testing.assert_allclose(fn.derivative(1, values), db, atol=1e-10)
    assert set(fn.derivatives) == {0, 1}


def test_a_constant_angle_compiles_to_a_constant():
    fn = AngleCompiler([Parameter("a")]).compile(0.25)
    assert fn.is_constant and not fn.derivatives
    np.testing.assert_allclose(np.broadcast_to(fn.value(np.zeros((3, 1))), (3,)), 0.25)


@pytest.mark.parametrize("labels", [["Z"], ["XX", "YZ"], ["IXZ", "ZZI", "YYY", "III"]])
def test_pauli_observable_applies_the_pauli_sum(labels):
    n = len(labels[0])
    coeffs = RNG.normal(size=len(labels))
    op = SparsePauliOp(labels, coeffs)
    obs = compile_observable(op)
    psi = _random_state(n, 3)[:, 0, :]
    np.testing.assert_allclose(obs.apply(psi), op.to_matrix() @ psi, atol=ATOL)
    want = np.real(np.einsum("nb,nb->b", psi.conj(), op.to_matrix() @ psi))
    np.testing.assert_allclose(obs.expectation_nb(psi), want, atol=ATOL)
    np.testing.assert_allclose(obs.expectation(psi.T), want, atol=ATOL)


def test_dense_observable_agrees_with_its_pauli_form():
    n = 3
    diag = RNG.normal(size=2 ** n)
    obs = DenseObservable(n, diag=diag)
    psi = _random_state(n, 4)[:, 0, :]
    pauli = compile_observable(obs.to_sparse_pauli_op())
    np.testing.assert_allclose(obs.expectation_nb(psi), pauli.expectation_nb(psi), atol=ATOL)
    h = SparsePauliOp(["XY", "ZI"], [0.3, -1.2])
    dense = DenseObservable(2, matrix=h.to_matrix())
    psi2 = _random_state(2, 2)[:, 0, :]
    np.testing.assert_allclose(dense.apply(psi2), h.to_matrix() @ psi2, atol=ATOL)
    with pytest.raises(ValueError, match="exactly one"):
        DenseObservable(2)


def _layered(n=3, layers=2):
    th = ParameterVector("θ", 2 * n * layers)
    qc = QuantumCircuit(n)
    k = 0
    for _ in range(layers):
        for q in range(n):
            qc.ry(th[k], q)
            qc.rz(0.5 * th[k + 1] + 0.1, q)
            k += 2
        for q in range(n - 1):
            qc.cx(q, q + 1)
    return qc


def test_simulate_matches_statevector_row_by_row():
    qc = _layered()
    values = RNG.uniform(0, 2 * np.pi, size=(4, qc.num_parameters))
    got = simulate(compiled(qc), values)
    for row, v in zip(got, values):
        np.testing.assert_allclose(row, Statevector(qc.assign_parameters(v)).data, atol=ATOL)


def test_forward_and_adjoint_gradients_agree_with_central_differences():
    qc = _layered()
    comp = compiled(qc)
    obs = [compile_observable(SparsePauliOp(["ZZI", "IXI"], [1.0, 0.5]))]
    values = RNG.uniform(0, 2 * np.pi, size=(3, qc.num_parameters))
    ev, adj = adjoint_gradients(comp, obs, values, range(qc.num_parameters))
    h = 1e-6
    for col in range(qc.num_parameters):
        up, down = values.copy(), values.copy()
        up[:, col] += h
        down[:, col] -= h
        fd = (adjoint_gradients(comp, obs, up, [])[0] - adjoint_gradients(comp, obs, down, [])[0]) / (2 * h)
        np.testing.assert_allclose(adj[:, :, col], fd, atol=1e-7)
        ev_f, fwd = forward_gradient(comp, obs, values, col)
        np.testing.assert_allclose(fwd[:, :, 0], adj[:, :, col], atol=1e-10)
        np.testing.assert_allclose(ev_f, ev, atol=ATOL)


def test_compile_cache_follows_what_the_circuit_computes():
    a = _layered()
    b = _layered()
    assert circuit_key(a) == circuit_key(b) and compiled(a) is compiled(b)
    c = a.copy()
    c.x(0)  # changed in place: a new key, a new compilation
    assert circuit_key(c) != circuit_key(a) and compiled(c) is not compiled(a)


def test_redrawn_axes_give_each_row_its_own_rotation():
    """With redraw_axes, a row whose axes are (X, Y) runs RX then RY: check each row of a
    batch against the circuit written with those gates."""
    t = ParameterVector("t", 2)
    qc = QuantumCircuit(1)
    qc.rz(t[0], 0)
    qc.rz(t[1], 0)
    comp = compiled(qc, redraw_axes=True)
    assert comp.num_slots == 2
    axes = np.array([[0, 1], [2, 0], [1, 1]])
    values = np.array([[0.3, 1.1], [0.7, -0.4], [2.0, 0.2]])
    got = simulate(comp, values, axes)
    gates = {0: "rx", 1: "ry", 2: "rz"}
    for row, (ax, v) in enumerate(zip(axes, values)):
        ref = QuantumCircuit(1)
        getattr(ref, gates[ax[0]])(v[0], 0)
        getattr(ref, gates[ax[1]])(v[1], 0)
        np.testing.assert_allclose(got[row], Statevector(ref).data, atol=ATOL)


def test_a_mid_circuit_reset_is_refused_with_the_reason():
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    qc.reset(1)
    with pytest.raises(UnsupportedCircuit, match="reset"):
        compiled(qc)
