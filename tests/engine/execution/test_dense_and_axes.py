"""The two things the plateau lab needed from the seam, now part of its contract:
dense observables (a diagonal or a matrix) on every path, and per-row rotation axes on
the exact path, refused with a message elsewhere."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import ParameterVector
from qiskit.circuit.library import RXGate, RYGate, RZGate
from qiskit.primitives import StatevectorEstimator
from qiskit.quantum_info import SparsePauliOp, Statevector

from qmlbench.engine import execution
from qmlbench.engine.errors import DataError


def _chain(n=3, reset=False):
    th = ParameterVector("θ", 2 * n)
    qc = QuantumCircuit(n)
    for q in range(n):
        qc.ry(th[q], q)
    for q in range(n - 1):
        qc.cx(q, q + 1)
    if reset:
        qc.reset(n - 1)
    for q in range(n):
        qc.rx(th[n + q], q)
    return qc


def _projector_on_zero(n):
    diag = np.zeros(2 ** n)
    diag[0] = 1.0
    return execution.DenseObservable(n, diag=diag)


VALUES = np.random.default_rng(3).uniform(0, 2 * np.pi, size=(4, 6))


def test_a_dense_observable_gives_the_same_numbers_as_its_pauli_form_on_every_path():
    qc = _chain()
    dense = _projector_on_zero(3)
    pauli = dense.to_sparse_pauli_op()
    exact = execution.evaluator_for()
    want = np.array([abs(Statevector(qc.assign_parameters(v)).data[0]) ** 2 for v in VALUES])
    np.testing.assert_allclose(exact.expectation_values(qc, dense, VALUES), want, atol=1e-12)
    np.testing.assert_allclose(exact.gradients(qc, dense, VALUES),
                               exact.gradients(qc, pauli, VALUES), atol=1e-12)
    user = execution.evaluator_for(estimator=StatevectorEstimator())
    np.testing.assert_allclose(user.expectation_values(qc, dense, VALUES), want, atol=1e-10)
    np.testing.assert_allclose(user.gradients(qc, dense, VALUES[:2]),
                               exact.gradients(qc, dense, VALUES[:2]), atol=1e-8)
    shots = execution.evaluator_for({"shots": 20000, "seed": 1})
    got = shots.expectation_values(qc, dense, VALUES)
    assert np.all(np.abs(got - want) < 5 * np.sqrt(0.25 / 20000) * 2 ** 3)  # 8 Z-terms of 1/8


def test_a_dense_observable_on_the_aer_fallback_path():
    qc = _chain(reset=True)
    dense = _projector_on_zero(3)
    ev = execution.evaluator_for()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got = ev.expectation_values(qc, dense, VALUES)
        ref = ev.expectation_values(qc, dense.to_sparse_pauli_op(), VALUES)
    assert ev.path == execution.PATH_AER_MIXED
    np.testing.assert_allclose(got, ref, atol=1e-10)


def test_a_dense_observable_of_the_wrong_width_is_refused():
    with pytest.raises(DataError, match="observable: acts on 2 qubits but the circuit has 3"):
        execution.evaluator_for().expectation_values(_chain(), _projector_on_zero(2), VALUES)


def test_axes_run_each_row_with_its_own_rotations():
    qc = _chain()
    slots = execution.redraw_slots(qc)
    assert slots == 6
    axes = np.random.default_rng(0).integers(0, 3, size=(4, slots))
    ev = execution.evaluator_for()
    obs = SparsePauliOp("ZZI")
    got = ev.expectation_values(qc, obs, VALUES, axes=axes)
    grads = ev.gradients(qc, obs, VALUES, axes=axes)
    names = {0: "rx", 1: "ry", 2: "rz"}
    GATES = {0: RXGate, 1: RYGate, 2: RZGate}  # noqa: N806
    for row in range(4):
        ref = QuantumCircuit(3)  # the same circuit written with this row's axes
        k = 0
        for inst in qc.data:
            if inst.operation.name in names.values():
                ref.append(GATES[axes[row, k]](inst.operation.params[0]), inst.qubits)
                k += 1
            else:
                ref.append(inst)
        np.testing.assert_allclose(got[row], ev.expectation_values(ref, obs, VALUES[row]), atol=1e-12)
        np.testing.assert_allclose(grads[row], ev.gradients(ref, obs, VALUES[row])[0], atol=1e-10)


def test_bad_axes_are_refused_with_what_is_allowed():
    qc = _chain()
    ev = execution.evaluator_for()
    with pytest.raises(DataError, match=r"axes: expected shape \(4, 6\)"):
        ev.gradients(qc, "ZZI", VALUES, axes=np.zeros((4, 5), dtype=int))
    with pytest.raises(DataError, match="axes: entries must be 0, 1 or 2"):
        ev.gradients(qc, "ZZI", VALUES, axes=np.full((4, 6), 3))
    with pytest.raises(DataError, match="only on the exact path"):
        execution.evaluator_for({"shots": 100}).gradients(qc, "ZZI", VALUES,
                                                          axes=np.zeros((4, 6), dtype=int))
