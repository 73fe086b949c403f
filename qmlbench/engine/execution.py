"""How circuits are evaluated: the one seam every model, kernel and study goes through.

PLACEHOLDER reference implementation (qiskit ``Statevector``, one circuit at a
time).  The fast batched evaluator replaces the internals; the names and
shapes below are the contract:

* ``values`` is a 2-D array ``(batch, circuit.num_parameters)`` whose columns
  follow ``circuit.parameters`` (sorted by name, not construction order).
* ``statevectors(circuit, values) -> complex (batch, 2**n)`` (qiskit's qubit order)
* ``probabilities(circuit, values) -> (batch, 2**n)``
* ``expectation_values(circuit, observable, values) -> (batch,)``; a list of
  observables gives ``(batch, k)``
* ``gradients(circuit, observable, values, wrt=None) -> (batch, P)`` (or
  ``(batch, k, P)`` for a list), the derivative of the expectation value with
  respect to each parameter listed in ``wrt`` (indices into
  ``circuit.parameters``; all by default).
* ``evaluator_for(execution_spec=None, estimator=None, sampler=None)`` returns
  an :class:`Evaluator` with the same four methods, and ``.path`` says which
  path ran (and ``.fallback_reason`` why, when it fell back).
"""

from __future__ import annotations

import numpy as np
from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp, Statevector

from .errors import CapacityError

#: Largest width the exact path accepts: one 2**n complex128 statevector is 16 * 2**n bytes
#: (26 qubits = 1 GiB), and batched work needs several of them.
MAX_EXACT_QUBITS = 24


def check_width(num_qubits: int) -> None:
    if num_qubits > MAX_EXACT_QUBITS:
        raise CapacityError(
            f"num_qubits: {num_qubits} is too many for exact simulation here; the limit is "
            f"{MAX_EXACT_QUBITS} qubits (a statevector of 2**{num_qubits} amplitudes needs "
            f"{16 * 2 ** num_qubits / 2**30:.1f} GiB per state)")


def _values2d(circuit: QuantumCircuit, values) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 1:
        arr = arr[None, :] if circuit.num_parameters else arr.reshape(-1, 0)
    if arr.shape[1] != circuit.num_parameters:
        raise ValueError(f"values: expected {circuit.num_parameters} columns (circuit.parameters), "
                         f"got {arr.shape[1]}")
    return arr


def statevectors(circuit: QuantumCircuit, values) -> np.ndarray:
    check_width(circuit.num_qubits)
    arr = _values2d(circuit, values)
    params = list(circuit.parameters)
    out = np.empty((arr.shape[0], 2 ** circuit.num_qubits), dtype=complex)
    for i, row in enumerate(arr):
        bound = circuit.assign_parameters(dict(zip(params, row)), inplace=False)
        out[i] = Statevector(bound).data
    return out


def probabilities(circuit: QuantumCircuit, values) -> np.ndarray:
    sv = statevectors(circuit, values)
    return np.abs(sv) ** 2


def _as_ops(observable):
    if isinstance(observable, (list, tuple)):
        return [SparsePauliOp(o) if not isinstance(o, SparsePauliOp) else o for o in observable], True
    op = observable if isinstance(observable, SparsePauliOp) else SparsePauliOp(observable)
    return [op], False


def expectation_values(circuit: QuantumCircuit, observable, values) -> np.ndarray:
    ops, many = _as_ops(observable)
    sv = statevectors(circuit, values)
    res = np.empty((sv.shape[0], len(ops)))
    for k, op in enumerate(ops):
        mat = op.to_matrix(sparse=True)
        res[:, k] = np.real(np.einsum("bi,bi->b", sv.conj(), (mat @ sv.T).T))
    return res if many else res[:, 0]


def gradients(circuit: QuantumCircuit, observable, values, wrt=None) -> np.ndarray:
    """Central finite differences on the parameters (placeholder; exact shift rules come later)."""
    arr = _values2d(circuit, values)
    idx = list(range(circuit.num_parameters)) if wrt is None else list(wrt)
    ops, many = _as_ops(observable)
    eps = 1e-6
    grads = np.empty((arr.shape[0], len(ops), len(idx)))
    for j, p in enumerate(idx):
        plus, minus = arr.copy(), arr.copy()
        plus[:, p] += eps
        minus[:, p] -= eps
        grads[:, :, j] = (expectation_values(circuit, ops, plus)
                          - expectation_values(circuit, ops, minus)) / (2 * eps)
    return grads if many else grads[:, 0, :]


class Evaluator:
    """The four evaluation functions bound to one execution path."""

    def __init__(self, path: str = "exact", fallback_reason: str | None = None):
        self.path = path
        self.fallback_reason = fallback_reason

    def statevectors(self, circuit, values):
        return statevectors(circuit, values)

    def probabilities(self, circuit, values):
        return probabilities(circuit, values)

    def expectation_values(self, circuit, observable, values):
        return expectation_values(circuit, observable, values)

    def gradients(self, circuit, observable, values, wrt=None):
        return gradients(circuit, observable, values, wrt)


def evaluator_for(execution_spec=None, estimator=None, sampler=None) -> Evaluator:
    return Evaluator()
