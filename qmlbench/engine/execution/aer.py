"""Circuits rewritten so that Aer computes what they mean.

Aer 0.18's parameter binding ignores the angles of parameterised ``crx``/``cry``/
``crz``/``cp`` (and annotated operations): one row computes as if the angle were 0,
several raise.  A parameterised ``HamiltonianGate`` has no definition until bound.
And in Aer's density-matrix method a mid-circuit measurement collapses onto one
sampled outcome per shot.  Everything handed to Aer goes through :func:`for_aer`
(and, for exact mixed states, :func:`measurements_as_dephasing`) first.
"""

from __future__ import annotations

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import Barrier, Delay, Measure, ParameterExpression, Reset

from ..errors import QmlbenchError
from ..sim import is_standard

#: Gates Aer binds parameters of correctly (checked against qiskit's Statevector).
AER_BASIS = ["rx", "ry", "rz", "p", "u", "rxx", "ryy", "rzz", "rzx", "cx", "cy", "cz", "ch",
             "swap", "h", "x", "y", "z", "s", "sdg", "t", "tdg", "sx", "sxdg", "id", "ccx",
             "cswap", "reset", "measure", "delay", "if_else", "while_loop", "for_loop",
             "switch_case"]

_CONTROL_FLOW = ("if_else", "while_loop", "for_loop", "switch_case")


def _parametric(op) -> bool:
    return any(isinstance(p, ParameterExpression) and p.parameters
               for p in getattr(op, "params", ()))


def hamiltonian_as_gates(op) -> QuantumCircuit:
    """``exp(-i t H)`` with a parameterised ``t`` in library gates: ``V exp(-i t D) V^dag``,
    the diagonal written as Z-string rotations (Walsh coefficients of the eigenvalues)."""
    H = np.asarray(op.params[0], dtype=complex)
    t = op.params[1]
    n = op.num_qubits
    lam, V = np.linalg.eigh(0.5 * (H + H.conj().T))
    from qiskit.circuit.library import UnitaryGate

    qc = QuantumCircuit(n)
    qc.append(UnitaryGate(V.conj().T), range(n))
    idx = np.arange(2 ** n)
    for mask in range(2 ** n):
        # lam = sum_S c_S z_S with z_S = prod_{q in S} (-1)^{bit q}
        signs = (-1.0) ** np.array([bin(i & mask).count("1") for i in idx])
        c = float(np.dot(lam, signs) / 2 ** n)
        if abs(c) < 1e-15:
            continue
        qubits = [q for q in range(n) if mask >> q & 1]
        if not qubits:
            qc.global_phase += -c * t
            continue
        for a, b in zip(qubits, qubits[1:]):
            qc.cx(a, b)
        qc.rz(2 * c * t, qubits[-1])
        for a, b in reversed(list(zip(qubits, qubits[1:]))):
            qc.cx(a, b)
    qc.append(UnitaryGate(V), range(n))
    return qc


def expanded(circuit: QuantumCircuit, depth=0) -> QuantumCircuit:
    """Definitions opened and parameterised Hamiltonian gates written in gates."""
    out = circuit.copy_empty_like()
    for inst in circuit.data:
        op = inst.operation
        if op.name == "hamiltonian" and _parametric(op):
            out.compose(hamiltonian_as_gates(op), inst.qubits, inplace=True)
            continue
        if is_standard(op) or isinstance(op, (Barrier, Measure, Reset, Delay)) or depth > 20:
            out.append(op, inst.qubits, inst.clbits)
            continue
        try:
            definition = op.definition
        except Exception:  # noqa: BLE001 - leave it to the transpiler to report
            definition = None
        if definition is None:
            out.append(op, inst.qubits, inst.clbits)
        else:
            out.compose(expanded(definition, depth + 1), inst.qubits, inst.clbits, inplace=True)
    return out


def for_aer(circuit: QuantumCircuit) -> QuantumCircuit:
    """``circuit`` written in :data:`AER_BASIS`, whose parameters Aer binds correctly."""
    from qiskit import transpile

    # a user's gate named like a basis gate ("rx" defined as RY) would be kept as that gate
    disguised = any(inst.operation.name in AER_BASIS and not is_standard(inst.operation)
                    and not isinstance(inst.operation, (Barrier, Measure, Reset, Delay))
                    and inst.operation.name not in _CONTROL_FLOW for inst in circuit.data)
    if not disguised:
        try:
            return transpile(circuit, basis_gates=AER_BASIS, optimization_level=0)
        except Exception:  # noqa: BLE001 - e.g. an unbound HamiltonianGate: open it up first
            pass
    return transpile(expanded(circuit), basis_gates=AER_BASIS, optimization_level=0)


def is_mixed(circuit: QuantumCircuit) -> bool:
    """Whether the circuit (final measurements aside) resets or measures a qubit: then its
    output is a mixed state, with no statevector, and exact means a density matrix."""
    flat = for_aer(circuit.remove_final_measurements(inplace=False))
    return any(inst.operation.name in ("reset", "measure") + _CONTROL_FLOW for inst in flat.data)


def measurements_as_dephasing(circuit: QuantumCircuit) -> QuantumCircuit:
    """A mid-circuit measurement whose outcome nothing reads is, for the state, the channel
    rho -> P0 rho P0 + P1 rho P1.  Aer's density-matrix method instead collapses onto one
    sampled outcome per shot, so write it as that channel to get the exact average."""
    from qiskit.quantum_info import Kraus

    dephase = Kraus([np.diag([1.0, 0.0]), np.diag([0.0, 1.0])]).to_instruction()
    out = circuit.copy_empty_like()
    for inst in circuit.data:
        name = inst.operation.name
        if name in _CONTROL_FLOW:
            raise QmlbenchError(
                f"circuit: '{name}' is control flow (it may branch on measured bits); the "
                f"exact path does not average over branches; run it with shots "
                f"(execution.shots)")
        if name == "measure":
            out.append(dephase, inst.qubits)
        else:
            out.append(inst.operation, inst.qubits, inst.clbits)
    return out


__all__ = ["AER_BASIS", "expanded", "for_aer", "is_mixed", "measurements_as_dephasing",
           "hamiltonian_as_gates"]
