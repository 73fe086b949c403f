"""What the seam accepts: circuits, parameter rows, observables, ``wrt`` and ``axes``,
each checked once with a message that names the argument."""

from __future__ import annotations

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit.quantum_info import SparsePauliOp

from ..errors import DataError
from ..sim import DenseObservable


def has_control_flow(circuit: QuantumCircuit) -> bool:
    """Whether an operation depends on a measured bit (if_test, loops, switch)."""
    return any(inst.operation.name in ("if_else", "while_loop", "for_loop", "switch_case")
               for inst in circuit.data)


def without_final_measurements(circuit: QuantumCircuit) -> QuantumCircuit:
    """Final measurements off, unless an operation reads a bit: then every measurement
    stays (qiskit would call the one an ``if_test`` reads "final" and drop it)."""
    if has_control_flow(circuit):
        return circuit.copy()
    return circuit.remove_final_measurements(inplace=False)


def check_circuit(circuit):
    if not isinstance(circuit, QuantumCircuit):
        raise DataError(f"circuit: expected a qiskit QuantumCircuit, got "
                        f"{type(circuit).__name__} ({str(circuit)[:40]!r})")


def as_values(circuit: QuantumCircuit, values) -> np.ndarray:
    check_circuit(circuit)
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"values: must be numbers, got {type(values).__name__} ({exc})") from None
    if arr.ndim == 0:
        arr = arr.reshape(1, 1)
    if arr.ndim == 1:
        if circuit.num_parameters == 0:
            if arr.size:
                raise DataError(f"values: the circuit has no parameters, so there is nothing to "
                                f"give {arr.size} values to; pass an array of shape (batch, 0)")
            arr = arr.reshape(1, 0)
        else:
            arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != circuit.num_parameters:
        raise DataError(f"values: expected shape (batch, {circuit.num_parameters}) with columns "
                        f"in circuit.parameters order, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise DataError("values: contains NaN or infinite entries; all must be finite numbers")
    return arr


def as_observables(observable, num_qubits):
    many = isinstance(observable, (list, tuple))
    items = list(observable) if many else [observable]
    ops = []
    for o in items:
        if isinstance(o, DenseObservable):
            if o.num_qubits != num_qubits:
                raise DataError(f"observable: acts on {o.num_qubits} qubits but the circuit has "
                                f"{num_qubits}")
            ops.append(o)
            continue
        try:
            op = o if isinstance(o, SparsePauliOp) else SparsePauliOp(o)
        except Exception as exc:  # noqa: BLE001 - report what was given
            raise DataError(f"observable: {o!r} is not a Pauli operator ({exc}); pass a "
                            f"SparsePauliOp, a Pauli or a label such as 'ZZ'") from None
        # SparsePauliOp("Z", 1j) is not an observable: qiskit's estimators refuse it too
        coeffs = np.asarray(SparsePauliOp.from_list(op.to_list()).simplify().coeffs)
        if np.any(np.abs(coeffs.imag) > 1e-10 * max(1.0, float(np.abs(coeffs).max(initial=0)))):
            raise DataError(f"observable: {op.to_list()} is not Hermitian (complex "
                            f"coefficients); an expectation value needs a Hermitian operator")
        if op.num_qubits != num_qubits:
            raise DataError(f"observable: acts on {op.num_qubits} qubits but the circuit has "
                            f"{num_qubits}")
        ops.append(op)
    return ops, many


def as_wrt(circuit, wrt):
    if wrt is None:
        return list(range(circuit.num_parameters))
    if isinstance(wrt, slice):
        return list(range(circuit.num_parameters))[wrt]
    items = list(wrt) if isinstance(wrt, (list, tuple, np.ndarray)) else [wrt]
    by_name = {p.name: k for k, p in enumerate(circuit.parameters)}
    idx = []
    for i in items:
        if isinstance(i, Parameter) or isinstance(i, str):
            name = i.name if isinstance(i, Parameter) else i
            if name not in by_name:
                raise DataError(f"wrt: {name!r} is not a parameter of the circuit; give indices "
                                f"into circuit.parameters, parameter names or Parameters")
            idx.append(by_name[name])
        elif isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)):
            idx.append(int(i))
        else:
            raise DataError(f"wrt: {i!r} is not an index into circuit.parameters, a parameter "
                            f"name or a Parameter")
    for i in idx:
        if not 0 <= i < circuit.num_parameters:
            raise DataError(f"wrt: index {i} is outside 0..{circuit.num_parameters - 1} "
                            f"(indices into circuit.parameters)")
    return idx


def as_pauli_ops(ops):
    """Every observable as a SparsePauliOp, for paths that need one (Aer, a user's primitive)."""
    return [o.to_sparse_pauli_op() if isinstance(o, DenseObservable) else o for o in ops]


def as_axes(axes, rows: int, slots: int) -> np.ndarray:
    """Per-row rotation axes ``(rows, slots)`` of 0/1/2 (X/Y/Z)."""
    try:
        arr = np.asarray(axes)
    except Exception as exc:  # noqa: BLE001 - report what was given
        raise DataError(f"axes: must be an integer array, got {type(axes).__name__} ({exc})") from None
    if arr.shape != (rows, slots):
        raise DataError(f"axes: expected shape ({rows}, {slots}) (one axis per row and redrawn "
                        f"rotation), got {arr.shape}")
    if arr.size and (not np.issubdtype(arr.dtype, np.integer) or arr.min() < 0 or arr.max() > 2):
        raise DataError("axes: entries must be 0, 1 or 2 (X, Y, Z)")
    return arr.astype(np.int64, copy=False)


def as_initial_states(states, rows: int, num_qubits: int) -> np.ndarray:
    """Each row's input state ``(rows, 2**n)``, complex and normalised (quantum data)."""
    try:
        arr = np.asarray(states, dtype=complex)
    except (TypeError, ValueError) as exc:
        raise DataError(f"initial_states: must be an array of statevectors ({exc})") from None
    if arr.ndim == 1:
        arr = arr[None, :]
    dim = 2 ** num_qubits
    if arr.shape != (rows, dim):
        raise DataError(f"initial_states: expected shape ({rows}, {dim}) (one {num_qubits}-qubit "
                        f"statevector per row of values, qiskit's qubit order), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise DataError("initial_states: contains NaN or infinite amplitudes")
    norms = np.linalg.norm(arr, axis=1)
    bad = np.flatnonzero(np.abs(norms - 1.0) > 1e-8)
    if bad.size:
        raise DataError(f"initial_states: row {int(bad[0])} has norm {norms[bad[0]]:.6g}; "
                        f"statevectors must be normalised ({bad.size} row(s) are not)")
    return arr
