"""The gate table of the exact path: how each gate becomes a batched op, and peephole fusion.

A parameterised "native" gate is ``G(phi) = exp(phi * A)`` with a constant
matrix ``A`` (Pauli rotations, controlled rotations, phases), so its derivative
is ``A G``; any other gate is fixed (by its matrix) or goes through its
qiskit definition (see :mod:`.statevector_sim`).  Matrices are in qiskit's
qarg order: qarg 0 is the least significant bit of the gate's index.
"""

from __future__ import annotations

import numpy as np

from .angles import AngleFn

_X = np.array([[0, 1], [1, 0]], dtype=complex)
_Y = np.array([[0, -1j], [1j, 0]], dtype=complex)
_Z = np.array([[1, 0], [0, -1]], dtype=complex)
_P1 = np.array([[0, 0], [0, 1]], dtype=complex)


def _kron_qargs(*mats):
    """Matrix of a gate acting with mats[j] on qarg j (qarg 0 least significant, like qiskit)."""
    out = np.array([[1.0 + 0j]])
    for m in mats:
        out = np.kron(m, out)
    return out


# name -> (kind, generator in qarg order).  "rot": G = exp(-i phi/2 Gen);
# "phase": G = exp(i phi Gen) with Gen a diagonal weight matrix.
_NATIVE = {
    "rx": ("rot", _X), "ry": ("rot", _Y), "rz": ("rot", _Z),
    "rxx": ("rot", _kron_qargs(_X, _X)), "ryy": ("rot", _kron_qargs(_Y, _Y)),
    "rzz": ("rot", _kron_qargs(_Z, _Z)),
    # qiskit's RZX(theta) = exp(-i theta/2 X_1 Z_0): Z on the first qarg.
    "rzx": ("rot", _kron_qargs(_Z, _X)),
    "crx": ("rot", _kron_qargs(_P1, _X)), "cry": ("rot", _kron_qargs(_P1, _Y)),
    "crz": ("rot", _kron_qargs(_P1, _Z)),
    "p": ("phase", _P1), "u1": ("phase", _P1),
    "cp": ("phase", _kron_qargs(_P1, _P1)), "cu1": ("phase", _kron_qargs(_P1, _P1)),
}


class Op:
    """One compiled gate.

    kind: "fixed" (matrix ``mat``), "rot" / "phase" (angle ``angle``), or "axisrot": a
    single-qubit rotation whose axis (X/Y/Z) may differ per batch row, read from column
    ``axis_slot`` of an ``axes`` array (its own axis when no ``axes`` are given).
    ``A`` is the constant matrix with dG/dphi = A G (None for fixed gates);
    ``A_entries`` lists its nonzero (i, j, value).
    """

    __slots__ = ("qubits", "kind", "mat", "mat_dag", "diag", "diag_dag", "gen", "gen2", "ident",
                 "A", "A_entries", "angle", "name", "terms", "terms_dag", "perm", "phases",
                 "perm_dag", "phases_dag", "rot_entries", "rot_terms", "axis_slot")

    def __init__(self, name, qubits, kind):
        self.name = name
        self.qubits = tuple(qubits)
        self.kind = kind
        self.mat = self.mat_dag = self.diag = self.diag_dag = None
        self.gen = self.gen2 = self.ident = self.A = self.A_entries = None
        self.angle: AngleFn | None = None
        self.terms = self.terms_dag = self.perm = self.phases = None
        self.perm_dag = self.phases_dag = self.rot_entries = self.rot_terms = None
        self.axis_slot = -1


def _nonzero_terms(mat, tol=0.0):
    """Rows of (col, coefficient) pairs, skipping zeros."""
    d = mat.shape[0]
    rows = []
    for i in range(d):
        row = []
        for j in range(d):
            c = mat[i, j]
            if abs(c) > tol:
                row.append((j, 1 if c == 1 else complex(c)))
        rows.append(row)
    return rows


def _monomial(mat):
    """(perm, phases) when every row has exactly one nonzero entry, else None."""
    perm, phases = [], []
    for row in _nonzero_terms(mat):
        if len(row) != 1:
            return None
        perm.append(row[0][0])
        phases.append(row[0][1])
    if sorted(perm) != list(range(len(perm))):
        return None
    return perm, phases


def _is_diag(mat) -> bool:
    return bool(np.all(mat[~np.eye(mat.shape[0], dtype=bool)] == 0))


def _fixed_op(name, qubits, mat) -> Op:
    op = Op(name, qubits, "fixed")
    mat = np.asarray(mat, dtype=complex)
    op.mat = mat
    op.mat_dag = mat.conj().T
    if _is_diag(mat):
        op.diag = [1 if c == 1 else complex(c) for c in np.diag(mat)]
        op.diag_dag = [1 if c == 1 else complex(c) for c in np.diag(op.mat_dag)]
        return op
    mono = _monomial(mat)
    if mono is not None:
        op.perm, op.phases = mono
        op.perm_dag, op.phases_dag = _monomial(op.mat_dag)
        return op
    op.terms = _nonzero_terms(mat)
    op.terms_dag = _nonzero_terms(op.mat_dag)
    return op


def _native_op(name, qubits, angle: AngleFn) -> Op:
    kind, gen = _NATIVE[name]
    op = Op(name, qubits, kind)
    op.angle = angle
    op.gen = gen
    if kind == "phase":
        op.diag = np.real(np.diag(gen)).copy()  # weights w: G = diag(exp(i phi w))
        op.A = 1j * gen
    else:
        gen2 = gen @ gen
        op.gen2 = gen2
        op.ident = np.eye(gen.shape[0]) - gen2
        if _is_diag(gen):
            # exp(-i phi/2 Gen) with diagonal Gen of entries in {0, +-1}: phases -w/2.
            op.diag = -0.5 * np.real(np.diag(gen))
            op.kind = "phase"
        else:
            d = gen.shape[0]
            op.rot_entries = []
            op.rot_terms = [[] for _ in range(d)]
            for i in range(d):
                for j in range(d):
                    e, g2, g = op.ident[i, j], gen2[i, j], gen[i, j]
                    if e != 0 or g2 != 0 or g != 0:
                        op.rot_entries.append((i, j, e, g2, g))
                        op.rot_terms[i].append((j, None))
        op.A = -0.5j * gen
    d = op.A.shape[0]
    op.A_entries = [(i, j, complex(op.A[i, j])) for i in range(d) for j in range(d)
                    if op.A[i, j] != 0]
    return op



_AXIS_OF = {"rx": 0, "ry": 1, "rz": 2}


def _axis_rot_op(name, qubits, angle: AngleFn, slot: int) -> Op:
    """RX/RY/RZ whose axis is redrawn per batch row (McClean's ensemble): axis from slot ``slot``."""
    op = _native_op(name, qubits, angle)
    op.kind = "axisrot"
    op.axis_slot = slot
    return op


_PARITY_TARGETS = {"p": (0.0, 1.0), "u1": (0.0, 1.0), "rz": (-0.5, 0.5)}


def _parity_phase_op(a, b, inner: Op) -> Op:
    """cx(a,b) . phase(phi) on b . cx(a,b) = a phase on the parity of a and b (diagonal)."""
    w0, w1 = _PARITY_TARGETS[inner.name]
    op = Op(f"parity_{inner.name}", (a, b), "phase")
    op.angle = inner.angle
    weights = np.array([w0, w1, w1, w0])  # index bit_a + 2 bit_b -> parity 0, 1, 1, 0
    op.diag = weights
    op.A = 1j * np.diag(weights).astype(complex)
    op.A_entries = [(i, i, complex(1j * weights[i])) for i in range(4) if weights[i] != 0]
    return op


def _is_cx(op, a=None, b=None):
    return (op.kind == "fixed" and op.name == "cx" and len(op.qubits) == 2
            and (a is None or op.qubits == (a, b)))


def _fuse(ops, n):
    """Peephole passes that change the cost, never the result.

    * cx . P/RZ(phi) on the target . cx -> one diagonal parity phase (ZZ feature maps are
      made of these), 1 pass instead of 3;
    * runs of fixed diagonal gates (CZ ladders, S, T, Z) -> one full-length diagonal.
    """
    out = []
    i = 0
    while i < len(ops):
        op = ops[i]
        if (i + 2 < len(ops) and _is_cx(op) and ops[i + 1].kind == "phase"
                and ops[i + 1].name in _PARITY_TARGETS and ops[i + 1].qubits == (op.qubits[1],)
                and _is_cx(ops[i + 2], *op.qubits)):
            out.append(_parity_phase_op(op.qubits[0], op.qubits[1], ops[i + 1]))
            i += 3
            continue
        out.append(op)
        i += 1
    fused = []
    run = []

    def flush():
        if len(run) >= 2:
            vec = np.ones(2 ** n, dtype=complex)
            idx = np.arange(2 ** n)
            for d in run:
                sub = np.zeros(2 ** n, dtype=np.int64)
                for j, q in enumerate(d.qubits):
                    sub |= ((idx >> q) & 1) << j
                vec *= np.asarray(d.diag, dtype=complex)[sub]
            f = Op("diagonal", tuple(sorted({q for d in run for q in d.qubits})), "fulldiag")
            f.diag = vec.real.copy() if np.all(vec.imag == 0) else vec
            f.diag_dag = f.diag.conj() if np.iscomplexobj(f.diag) else f.diag
            fused.append(f)
        else:
            fused.extend(run)
        run.clear()

    for op in out:
        if op.kind == "fixed" and op.diag is not None:
            run.append(op)
        else:
            flush()
            fused.append(op)
    flush()
    return fused


