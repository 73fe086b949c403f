"""A small batched statevector simulator for gradient-variance sweeps.

The plateau lab needs something the generic evaluator cannot give: McClean's
ensemble redraws the axis of every rotation for every sample, so each sample
is a *different* circuit.  Here a circuit is compiled once into a list of
operations, and then a whole batch of samples runs through it together, each
sample with its own angles and (optionally) its own rotation axes.

Gradients are exact: forward-mode (state and tangent carried together) for one
parameter, the adjoint method (Jones & Gacon 2020) for many.  Rotations are
``exp(-i (a θ + b) G / 2)`` with ``G`` a Pauli string, qiskit's convention.
Qubit ``q`` is bit ``q`` of the amplitude index, as in qiskit.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import ParameterExpression
from qiskit.circuit.library import get_standard_gate_name_mapping

_PAULI_2X2 = np.array([
    [[0, 1], [1, 0]],          # X
    [[0, -1j], [1j, 0]],       # Y
    [[1, 0], [0, -1]],         # Z
], dtype=complex)
AXIS_INDEX = {"x": 0, "y": 1, "z": 2}
_ROTATIONS = {"rx": "x", "ry": "y", "rz": "z", "p": "z", "rxx": "xx", "ryy": "yy", "rzz": "zz"}
_STANDARD = set(get_standard_gate_name_mapping())
_SKIP = {"barrier", "delay", "global_phase"}
#: Memory the batched states of one chunk may take: small enough to stay in cache, which
#: matters more than the Python overhead of more chunks from about 8 qubits on.
CHUNK_BYTES = 4 * 2 ** 20
#: Largest Kronecker block of fused single-qubit gates (8x8 per sample).
FUSE_QUBITS = 3


class UnsupportedCircuit(Exception):
    """The circuit holds something this simulator does not compile; use the generic evaluator."""


@dataclass
class Rot:
    """``exp(-i (coeff * values[:, col] + offset) G / 2)``, G = ``pauli`` on ``qubits``.

    ``col`` is -1 for a fixed angle.  ``slot`` >= 0 marks a single-qubit rotation whose
    axis may be redrawn per sample (the axis then comes from ``axes[:, slot]``).
    """

    qubits: tuple
    pauli: str
    col: int
    coeff: float = 1.0
    offset: float = 0.0
    slot: int = -1


@dataclass
class Mat:
    qubits: tuple
    matrix: np.ndarray


@dataclass
class Diag:
    """A diagonal on the full state (CZ ladders and fixed phases merged into one vector)."""

    diag: np.ndarray


@dataclass
class Fused:
    """A run of consecutive single-qubit operations, applied as a few small Kronecker
    blocks by one matrix product each: one pass over the state instead of one per gate
    (about ten times faster at 10 qubits, where each pass is memory-bound)."""

    ops: list


def fuse(ops: list) -> list:
    out, run = [], []

    def flush():
        if len(run) >= 2:
            out.append(Fused(list(run)))
        else:
            out.extend(run)
        run.clear()

    for op in ops:
        if isinstance(op, (Rot, Mat)) and len(op.qubits) == 1:
            run.append(op)
        else:
            flush()
            out.append(op)
    flush()
    return out


@dataclass
class Program:
    num_qubits: int
    num_params: int
    ops: list = field(default_factory=list)
    num_slots: int = 0

    @property
    def fused_ops(self) -> list:
        if getattr(self, "_fused", None) is None:
            self._fused = fuse(self.ops)
        return self._fused

    def inverse(self, col_offset: int) -> "Program":
        """The inverse sequence with its parameters moved to columns ``col + col_offset``.

        With those columns set equal to the originals the two programs multiply to the
        identity; rotations keep their axis slot, so a redrawn axis is undone too.
        """
        ops = []
        for op in reversed(self.ops):
            if isinstance(op, Rot):
                ops.append(replace(op, coeff=-op.coeff, offset=-op.offset,
                                   col=op.col + col_offset if op.col >= 0 else -1))
            elif isinstance(op, Mat):
                ops.append(Mat(op.qubits, op.matrix.conj().T))
            else:
                ops.append(Diag(op.diag.conj()))
        return Program(self.num_qubits, self.num_params, ops, self.num_slots)

    def shifted(self, col_offset: int, slot_offset: int) -> "Program":
        ops = [replace(op, col=op.col + col_offset if op.col >= 0 else -1,
                       slot=op.slot + slot_offset if op.slot >= 0 else -1)
               if isinstance(op, Rot) else op for op in self.ops]
        return Program(self.num_qubits, self.num_params, ops, self.num_slots)


def concatenate(programs: list[Program], num_params: int, num_slots: int) -> Program:
    ops = [op for p in programs for op in p.ops]
    return Program(programs[0].num_qubits, num_params, _merge_diagonals(ops), num_slots)


# --- compiling a qiskit circuit ------------------------------------------------------------

def _flatten(circuit: QuantumCircuit) -> QuantumCircuit:
    flat = circuit
    for _ in range(10):
        custom = {i.operation.name for i in flat.data
                  if i.operation.name not in _STANDARD and i.operation.name not in _SKIP}
        if not custom:
            return flat
        flat = flat.decompose(gates_to_decompose=list(custom))
    return flat


def _full_diag(num_qubits: int, qubits: tuple, small: np.ndarray) -> np.ndarray:
    idx = np.arange(2 ** num_qubits)
    sub = np.zeros_like(idx)
    for k, q in enumerate(qubits):
        sub |= ((idx >> q) & 1) << k
    return small[sub]


def _merge_diagonals(ops: list) -> list:
    out = []
    for op in ops:
        if isinstance(op, Diag) and out and isinstance(out[-1], Diag):
            out[-1] = Diag(out[-1].diag * op.diag)
        else:
            out.append(op)
    return out


def compile_circuit(circuit: QuantumCircuit, redraw_axes: bool = False) -> Program:
    """Compile ``circuit``; columns follow ``circuit.parameters``.

    ``redraw_axes`` gives every parametrised RX/RY/RZ its own axis slot.
    Raises :class:`UnsupportedCircuit` for gates whose parameter dependence is not a
    Pauli rotation (controlled rotations, U gates, ...), measurements and resets.
    """
    flat = _flatten(circuit)
    n = circuit.num_qubits
    index = {p: i for i, p in enumerate(circuit.parameters)}
    ops: list = []
    slots = 0
    cache: dict = {}
    for inst in flat.data:
        op = inst.operation
        name = op.name
        if name in _SKIP:
            continue
        qubits = tuple(flat.find_bit(q).index for q in inst.qubits)
        if name in ("measure", "reset") or inst.clbits:
            raise UnsupportedCircuit(f"'{name}' is not a unitary gate")
        symbolic = [p for p in op.params
                    if isinstance(p, ParameterExpression) and p.parameters]
        if symbolic:
            if name not in _ROTATIONS or len(op.params) != 1:
                raise UnsupportedCircuit(f"parametrised gate '{name}'")
            expr = op.params[0]
            if len(expr.parameters) != 1:
                raise UnsupportedCircuit(f"'{name}' angle {expr} depends on several parameters")
            (param,) = expr.parameters
            grad = expr.gradient(param)
            if isinstance(grad, ParameterExpression) and grad.parameters:
                raise UnsupportedCircuit(f"'{name}' angle {expr} is not linear in {param}")
            coeff = float(grad)
            offset = float(expr.bind({param: 0.0}))
            slot = -1
            if redraw_axes and len(qubits) == 1 and name in ("rx", "ry", "rz"):
                slot, slots = slots, slots + 1
            # P(λ) = e^{iλ/2} RZ(λ): the global phase changes no expectation value.
            ops.append(Rot(qubits, _ROTATIONS[name], index[param], coeff, offset, slot))
            continue
        key = (name, tuple(float(p) for p in op.params))
        if key not in cache:
            matrix = np.asarray(op.to_matrix(), dtype=complex)
            cache[key] = (matrix, bool(np.allclose(matrix, np.diag(np.diag(matrix)))))
        matrix, diagonal = cache[key]
        if diagonal:
            ops.append(Diag(_full_diag(n, qubits, np.diag(matrix).copy())))
        else:
            ops.append(Mat(qubits, matrix))
    return Program(n, circuit.num_parameters, _merge_diagonals(ops), slots)


# --- applying operations to a batch (B, 2**n) ----------------------------------------------

def _apply_2x2(state: np.ndarray, n: int, q: int, m: np.ndarray) -> np.ndarray:
    """``m`` is (2, 2) or per sample (B, 2, 2)."""
    b = state.shape[0]
    v = state.reshape(b, 2 ** (n - 1 - q), 2, 2 ** q)
    a0, a1 = v[:, :, 0, :], v[:, :, 1, :]
    if m.ndim == 2:
        m00, m01, m10, m11 = m[0, 0], m[0, 1], m[1, 0], m[1, 1]
    else:
        m00, m01, m10, m11 = (m[:, i, j, None, None] for i, j in ((0, 0), (0, 1), (1, 0), (1, 1)))
    out = np.empty_like(v)
    np.multiply(m00, a0, out=out[:, :, 0, :])
    out[:, :, 0, :] += m01 * a1
    np.multiply(m10, a0, out=out[:, :, 1, :])
    out[:, :, 1, :] += m11 * a1
    return out.reshape(b, -1)


def _apply_mat(state: np.ndarray, n: int, qubits: tuple, matrix: np.ndarray) -> np.ndarray:
    if len(qubits) == 1:
        return _apply_2x2(state, n, qubits[0], matrix)
    k = len(qubits)
    b = state.shape[0]
    t = state.reshape((b,) + (2,) * n)
    # Tensor axis 1 + (n-1-q) holds qubit q; the matrix's first tensor axis is its last qubit.
    state_axes = [1 + (n - 1 - q) for q in reversed(qubits)]
    mt = matrix.reshape((2,) * (2 * k))
    res = np.tensordot(mt, t, axes=(list(range(k, 2 * k)), state_axes))
    res = np.moveaxis(res, list(range(k)), state_axes)
    return np.ascontiguousarray(res).reshape(b, -1)


def _apply_qubit_mats(state: np.ndarray, n: int, mats: dict) -> np.ndarray:
    """Apply per-qubit ``(R, 2, 2)`` matrices (R = rows of ``state``) as Kronecker blocks of
    up to :data:`FUSE_QUBITS` neighbouring qubits, one batched matrix product per block."""
    r = state.shape[0]
    touched = sorted(mats)
    eye = np.broadcast_to(np.eye(2, dtype=complex), (r, 2, 2))
    i = 0
    while i < len(touched):
        start = touched[i]
        stop = min(n, start + FUSE_QUBITS)
        block = None
        for q in range(start, stop):
            m = mats.get(q, eye)
            # Qubit q is more significant than the ones before it: kron(m, block).
            block = m if block is None else np.einsum("bij,bkl->bikjl", m, block).reshape(
                r, 2 * block.shape[1], 2 * block.shape[2])
        k = stop - start
        if start == 0:
            # Rows of amplitudes times block^T: a proper matrix product per sample, where
            # block @ (2**k, 1) columns would be thousands of tiny products (2.5x slower).
            v = state.reshape(r, 2 ** (n - stop), 2 ** k)
            state = np.matmul(v, block.transpose(0, 2, 1)).reshape(r, -1)
        else:
            v = state.reshape(r, 2 ** (n - stop), 2 ** k, 2 ** start)
            state = np.matmul(block[:, None], v).reshape(r, -1)
        while i < len(touched) and touched[i] < stop:
            i += 1
    return state


def _pauli_apply(state: np.ndarray, n: int, qubits: tuple, pauli: str) -> np.ndarray:
    out = state
    for q, p in zip(qubits, pauli):
        out = _apply_2x2(out, n, q, _PAULI_2X2[AXIS_INDEX[p]])
    return out


class Runner:
    """Runs one compiled program on a batch of angles (and axes)."""

    def __init__(self, program: Program, values: np.ndarray, axes: np.ndarray | None = None):
        self.p = program
        self.n = program.num_qubits
        self.values = values
        self.axes = axes

    def _angles(self, op: Rot, reps: int) -> np.ndarray:
        theta = op.offset + (op.coeff * self.values[:, op.col] if op.col >= 0 else 0.0)
        theta = np.broadcast_to(np.asarray(theta, dtype=float), (self.values.shape[0],))
        return np.tile(theta, reps)

    def _axis_of(self, op: Rot, reps: int):
        if op.slot >= 0 and self.axes is not None:
            return np.tile(self.axes[:, op.slot], reps)
        return None

    def _rot_matrices(self, op: Rot, reps: int, inverse: bool) -> np.ndarray:
        theta = self._angles(op, reps) * (-1.0 if inverse else 1.0)
        c, s = np.cos(theta / 2), np.sin(theta / 2)
        axis = self._axis_of(op, reps)
        paulis = _PAULI_2X2[axis] if axis is not None else _PAULI_2X2[AXIS_INDEX[op.pauli]][None]
        return c[:, None, None] * np.eye(2) - 1j * s[:, None, None] * paulis

    def _matrix(self, op, reps: int) -> np.ndarray:
        rows = reps * self.values.shape[0]
        if isinstance(op, Mat):
            return np.broadcast_to(op.matrix, (rows, 2, 2))
        m = self._rot_matrices(op, reps, False)
        return np.broadcast_to(m, (rows, 2, 2))

    def _fused_mats(self, op: Fused, reps: int) -> dict:
        mats: dict = {}
        for sub in op.ops:
            q = sub.qubits[0]
            m = self._matrix(sub, reps)
            mats[q] = m if q not in mats else m @ mats[q]
        return mats

    def apply_fused_with_tangent(self, psi: np.ndarray, dpsi: np.ndarray, op: Fused, col: int):
        """``(L ψ, L dψ + L' ψ)`` where L' is the fused layer differentiated by ``col``."""
        b = psi.shape[0]
        mats = self._fused_mats(op, 3)
        # d/dθ of the product on the affected qubits: one term per gate using ``col``.
        for q in {sub.qubits[0] for sub in op.ops if isinstance(sub, Rot) and sub.col == col}:
            subs = [sub for sub in op.ops if sub.qubits[0] == q]
            deriv = np.zeros((b, 2, 2), dtype=complex)
            for k, sub in enumerate(subs):
                if not (isinstance(sub, Rot) and sub.col == col):
                    continue
                term = np.broadcast_to(np.eye(2, dtype=complex), (b, 2, 2))
                for j, other in enumerate(subs):
                    m = self._matrix(other, 1)
                    if j == k:
                        axis = self._axis_of(other, 1)
                        g = _PAULI_2X2[axis] if axis is not None else _PAULI_2X2[AXIS_INDEX[other.pauli]]
                        m = (-0.5j * other.coeff) * (g @ m)
                    term = m @ term
                deriv = deriv + term
            mats[q] = np.concatenate([mats[q][:2 * b], deriv])
        out = _apply_qubit_mats(np.concatenate([psi, dpsi, psi]), self.n, mats)
        return out[:b], out[b:2 * b] + out[2 * b:]

    def apply(self, state: np.ndarray, op, reps: int = 1, inverse: bool = False) -> np.ndarray:
        """Apply ``op`` (or its inverse) to a stack of ``reps`` batches."""
        n = self.n
        if isinstance(op, Fused):
            if inverse:
                for sub in reversed(op.ops):
                    state = self.apply(state, sub, reps, inverse=True)
                return state
            return _apply_qubit_mats(state, n, self._fused_mats(op, reps))
        if isinstance(op, Diag):
            return state * (op.diag.conj() if inverse else op.diag)
        if isinstance(op, Mat):
            return _apply_mat(state, n, op.qubits, op.matrix.conj().T if inverse else op.matrix)
        if len(op.qubits) == 1:
            return _apply_2x2(state, n, op.qubits[0], self._rot_matrices(op, reps, inverse))
        theta = self._angles(op, reps) * (-1.0 if inverse else 1.0)
        c, s = np.cos(theta / 2)[:, None], np.sin(theta / 2)[:, None]
        return c * state - 1j * s * _pauli_apply(state, n, op.qubits, op.pauli)

    def generator(self, state: np.ndarray, op: Rot) -> np.ndarray:
        """``G state`` for the rotation's Pauli (per-sample axis when redrawn)."""
        axis = self._axis_of(op, 1)
        if axis is not None:
            return _apply_2x2(state, self.n, op.qubits[0], _PAULI_2X2[axis])
        return _pauli_apply(state, self.n, op.qubits, op.pauli)

    def initial(self, reps: int = 1) -> np.ndarray:
        st = np.zeros((reps * self.values.shape[0], 2 ** self.n), dtype=complex)
        st[:, 0] = 1.0
        return st

    def final_state(self) -> np.ndarray:
        st = self.initial()
        for op in self.p.fused_ops:
            st = self.apply(st, op)
        return st

    def forward_gradient(self, observable, col: int):
        """``(values_of_cost, d cost / d values[:, col])`` by forward-mode differentiation."""
        b = self.values.shape[0]
        ops = self.p.fused_ops

        def uses(op):
            if isinstance(op, Fused):
                return any(isinstance(sub, Rot) and sub.col == col for sub in op.ops)
            return isinstance(op, Rot) and op.col == col

        first = next((i for i, op in enumerate(ops) if uses(op)), None)
        st = self.initial()
        if first is None:
            for op in ops:
                st = self.apply(st, op)
            return _expect(observable, st), np.zeros(b)
        for op in ops[:first]:
            st = self.apply(st, op)
        both = np.concatenate([st, np.zeros_like(st)])
        for op in ops[first:]:
            if isinstance(op, Fused) and uses(op):
                psi, dpsi = self.apply_fused_with_tangent(both[:b], both[b:], op, col)
                both = np.concatenate([psi, dpsi])
                continue
            both = self.apply(both, op, reps=2)
            if uses(op):
                # d/dθ exp(-i(aθ+b)G/2) ψ = (-i a / 2) G exp(...) ψ
                both[b:] += (-0.5j * op.coeff) * self.generator(both[:b], op)
        psi, dpsi = both[:b], both[b:]
        o_psi = observable.apply(psi)
        value = np.real(np.einsum("bi,bi->b", psi.conj(), o_psi))
        grad = 2.0 * np.real(np.einsum("bi,bi->b", dpsi.conj(), o_psi))
        return value, grad

    def adjoint_gradients(self, observable, cols: list[int]):
        """``(values_of_cost, gradients (B, len(cols)))`` by the adjoint method."""
        b = self.values.shape[0]
        psi = self.final_state()
        value_state = observable.apply(psi)
        value = np.real(np.einsum("bi,bi->b", psi.conj(), value_state))
        where = {c: k for k, c in enumerate(cols)}
        grads = np.zeros((b, len(cols)))
        both = np.concatenate([psi, value_state])  # ψ and λ = O ψ, walked back together
        for op in reversed(self.p.ops):
            if isinstance(op, Rot) and op.col in where:
                g_psi = self.generator(both[:b], op)
                # 2 Re <λ| (-i a/2) G ψ> = a Im <λ|G ψ>
                grads[:, where[op.col]] += op.coeff * np.imag(
                    np.einsum("bi,bi->b", both[b:].conj(), g_psi))
            both = self.apply(both, op, reps=2, inverse=True)
        return value, grads


def _expect(observable, st: np.ndarray) -> np.ndarray:
    return np.real(np.einsum("bi,bi->b", st.conj(), observable.apply(st)))


def chunk_size(num_qubits: int, copies: int = 3) -> int:
    """Samples per chunk so that ``copies`` batched states stay within :data:`CHUNK_BYTES`."""
    return max(1, CHUNK_BYTES // (copies * 16 * 2 ** num_qubits))
