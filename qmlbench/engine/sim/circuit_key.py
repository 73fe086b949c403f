"""A key that identifies what a circuit computes, for the caches of the exact path.

The compile cache and the kernel's statevector cache reuse work for a circuit
they have seen before.  A circuit's printed instruction names and parameters do
not identify it: a class-form ``ZZFeatureMap`` composed as one instruction is
named ``ZZFeatureMap`` for every entanglement and reps, ``.to_gate()`` of two
different circuits are both ``circuit-123``-style gates, a ``UnitaryGate`` prints
its matrix to 8 digits, and a BlueprintCircuit can be changed in place.  So the
key looks inside: library gates by name, exact parameters (floats by ``repr``,
arrays by their bytes) and qubits; anything else by its type, its exact
parameters and, recursively, its definition.  Where something cannot be keyed
exactly, :func:`circuit_key` returns None and the caller must not cache.

The key is rebuilt on every call (about 7 microseconds an instruction): an
identity cache cannot see a circuit mutated in place.
"""

from __future__ import annotations

import hashlib

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import (
    AnnotatedOperation,
    Barrier,
    Delay,
    Measure,
    Parameter,
    ParameterExpression,
    Reset,
)

_STANDARD_TYPES: dict = {}

# Operations whose parameters alone fix what they do (their definition is made from them).
_PARAMS_DEFINE = {"unitary", "hamiltonian", "diagonal", "pauli", "isometry", "initialize",
                  "state_preparation"}


# The simulator treats these by type alone (no effect on the state, or a measurement/reset).
_BY_TYPE = (Barrier, Delay, Measure, Reset)


class _Unkeyable(Exception):
    pass


def _standard_types() -> dict:
    if not _STANDARD_TYPES:
        from qiskit.circuit.library import get_standard_gate_name_mapping
        _STANDARD_TYPES.update({k: type(v) for k, v in get_standard_gate_name_mapping().items()})
    return _STANDARD_TYPES


def is_standard(op) -> bool:
    """The library gate of that name, not a user's gate that happens to share it."""
    return type(op) is _standard_types().get(op.name)


def _param_key(p):
    if isinstance(p, Parameter):
        return ("P", p.name)
    if isinstance(p, ParameterExpression):
        # the text alone confuses a Parameter named "a*b" with the product a*b
        return ("e", str(p), tuple(sorted(q.name for q in p.parameters)))
    if isinstance(p, (bool, int, float, complex, str)) or p is None:
        return (type(p).__name__, repr(p))
    if isinstance(p, np.generic):
        return ("n", repr(p.item()))
    if isinstance(p, np.ndarray):
        arr = np.ascontiguousarray(p)
        if arr.dtype == object:
            return ("o", tuple(_param_key(v) for v in arr.ravel()), arr.shape)
        return ("a", arr.dtype.str, arr.shape, hashlib.sha1(arr.tobytes()).digest())
    if isinstance(p, (list, tuple)):
        return ("l", tuple(_param_key(v) for v in p))
    if isinstance(p, QuantumCircuit):
        return ("c", _key(p))
    data = getattr(p, "data", None)  # Operator, Statevector
    if isinstance(data, np.ndarray):
        return (type(p).__qualname__, _param_key(data))
    raise _Unkeyable(type(p).__name__)


def _op_key(op) -> tuple:
    if isinstance(op, _BY_TYPE):
        return (type(op).__name__,)
    if is_standard(op):
        return (op.name, tuple(_param_key(p) for p in op.params))
    kind = (type(op).__module__, type(op).__qualname__, op.name, op.num_qubits, op.num_clbits)
    if isinstance(op, AnnotatedOperation):
        return kind + (_op_key(op.base_op), tuple(repr(m) for m in op.modifiers))
    params = tuple(_param_key(p) for p in getattr(op, "params", ()))
    extra = (repr(getattr(op, "ctrl_state", None)), repr(getattr(op, "duration", None)))
    if op.name in _PARAMS_DEFINE:
        return kind + params + extra
    try:
        definition = op.definition
    except Exception as exc:  # noqa: BLE001 - nothing to look inside: do not cache
        raise _Unkeyable(f"{op.name}: {exc}") from None
    if definition is None:
        raise _Unkeyable(op.name)
    return kind + params + extra + (_key(definition),)


def _key(circuit: QuantumCircuit) -> tuple:
    qidx = {q: i for i, q in enumerate(circuit.qubits)}
    cidx = {c: i for i, c in enumerate(circuit.clbits)}
    return (circuit.num_qubits, circuit.num_clbits, _param_key(circuit.global_phase),
            tuple(p.name for p in circuit.parameters),
            tuple((_op_key(inst.operation), tuple(qidx[q] for q in inst.qubits),
                   tuple(cidx[c] for c in inst.clbits)) for inst in circuit.data))


def circuit_key(circuit: QuantumCircuit) -> tuple | None:
    """A hashable key equal for two circuits only if they compute the same thing
    (same parameters by name and order); None when the circuit holds something that
    cannot be keyed exactly, which means: do not cache it."""
    try:
        return _key(circuit)
    except _Unkeyable:
        return None


def circuit_digest(circuit: QuantumCircuit) -> str | None:
    """:func:`circuit_key` as a short hex string (None where there is no key)."""
    key = circuit_key(circuit)
    return None if key is None else hashlib.sha1(repr(key).encode()).hexdigest()


__all__ = ["circuit_key", "circuit_digest", "is_standard"]
