"""The exact path's ``initial_states`` together with the rest of the seam: per-row rotation
axes apply to statevectors as they do to expectations, and a circuit's leading reset (a
no-op only from |0...0>) is refused rather than silently skipped."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter, ParameterVector
from qiskit.circuit.library import RXGate, RYGate, RZGate
from qiskit.quantum_info import Statevector, random_statevector

from qmlbench.engine import execution
from qmlbench.engine.errors import DataError

_GATES = {0: RXGate, 1: RYGate, 2: RZGate}


def _circuit():
    t = ParameterVector("t", 4)
    qc = QuantumCircuit(2)
    qc.rx(t[0], 0)
    qc.ry(t[1], 1)
    qc.cx(0, 1)
    qc.rz(t[2], 0)
    qc.rx(t[3], 1)
    return qc


def _with_axes(qc, row_axes):
    """The same circuit written with one row's rotation axes."""
    ref = QuantumCircuit(qc.num_qubits)
    k = 0
    for inst in qc.data:
        if inst.operation.name in ("rx", "ry", "rz"):
            ref.append(_GATES[int(row_axes[k])](inst.operation.params[0]), inst.qubits)
            k += 1
        else:
            ref.append(inst)
    return ref


def test_statevectors_honour_axes_when_starting_from_given_states():
    qc = _circuit()
    rng = np.random.default_rng(0)
    values = rng.uniform(0, 2 * np.pi, (5, qc.num_parameters))
    axes = rng.integers(0, 3, size=(5, execution.redraw_slots(qc)))
    ev = execution.evaluator_for()
    zero = np.zeros((5, 4), dtype=complex)
    zero[:, 0] = 1.0
    np.testing.assert_allclose(ev.statevectors(qc, values, axes=axes, initial_states=zero),
                               ev.statevectors(qc, values, axes=axes), atol=1e-12)
    states = np.array([random_statevector(4, seed=10 + i).data for i in range(5)])
    got = ev.statevectors(qc, values, axes=axes, initial_states=states)
    for row in range(5):
        ref = _with_axes(qc, axes[row]).assign_parameters(values[row])
        np.testing.assert_allclose(got[row], Statevector(states[row]).evolve(ref).data,
                                   atol=1e-12)


def test_one_qubit_axis_swap_from_zero_matches_without_initial_states():
    t = Parameter("t")
    qc = QuantumCircuit(1)
    qc.rx(t, 0)
    ev = execution.evaluator_for()
    got = ev.statevectors(qc, [[1.0]], axes=[[2]], initial_states=[[1, 0]])
    np.testing.assert_allclose(got, ev.statevectors(qc, [[1.0]], axes=[[2]]), atol=1e-12)
    np.testing.assert_allclose(got[0], [np.exp(-0.5j), 0], atol=1e-12)  # RZ(1)|0>


def _leading_reset():
    theta = Parameter("theta")
    qc = QuantumCircuit(1)
    qc.reset(0)
    qc.rz(theta, 0)
    return qc


def test_a_leading_reset_is_refused_with_initial_states():
    qc = _leading_reset()
    ev = execution.evaluator_for()
    one = [[0, 1]]
    pattern = r"initial_states: the circuit resets qubit\(s\) \[0\].*mixed-state path"
    with pytest.raises(DataError, match=pattern):
        ev.statevectors(qc, [[0.3]], initial_states=one)
    with pytest.raises(DataError, match=pattern):
        ev.expectation_values(qc, "Z", [[0.3]], initial_states=one)
    with pytest.raises(DataError, match=pattern):
        ev.gradients(qc, "Z", [[0.3]], initial_states=one)
    # from |0> the reset is a no-op, so the circuit still runs without given states
    np.testing.assert_allclose(np.abs(ev.statevectors(qc, [[0.3]])[0]), [1, 0], atol=1e-12)


def test_a_reset_hidden_in_an_instruction_is_refused_with_initial_states():
    sub = QuantumCircuit(1)
    sub.reset(0)
    qc = QuantumCircuit(2)
    qc.append(sub.to_instruction(), [1])
    qc.rx(Parameter("a"), 0)
    qc.cx(0, 1)
    # the compiler counts the instruction as touching the qubit, so the reset is not a
    # leading one: refused as any reset the exact path cannot simulate
    with pytest.raises(DataError, match=r"initial_states: .*'reset'"):
        execution.evaluator_for().statevectors(
            qc, [[0.2]], initial_states=[random_statevector(4, seed=3).data])
