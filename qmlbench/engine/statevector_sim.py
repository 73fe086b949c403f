"""Exact batched statevector simulation with adjoint gradients, in numpy.

The state of a batch is one array ``(K, B, 2, ..., 2)``: ``B`` parameter sets
(and ``K`` copies for adjoint states of several observables).  Every gate is
applied to the whole batch at once by slicing the two (or four) halves of its
qubits' axes, so Python pays per gate, not per parameter set.  Qubit ``q``
lives on axis ``2 + n - 1 - q``, which makes the flattened state match
qiskit's little-endian ``Statevector.data``.

A circuit is compiled once into a list of ops:

* fixed gates (any unparameterised gate, by its matrix; diagonal ones by
  multiplying slices, permutations by copying them);
* parameterised "native" gates of the form ``G(phi) = exp(phi * A)`` with a
  fixed generator ``A``: Pauli rotations (rx, ry, rz, rxx, ryy, rzz, rzx),
  controlled rotations (crx, cry, crz), phases (p, u1, cp, cu1);
* everything else through its qiskit definition (``u`` is expanded as
  ``p(lam) ry(theta) p(phi)``, which equals it exactly).

Because ``dG/dphi = A G``, the adjoint method reads each gate's derivative off
``<lambda| A |psi>`` while walking the circuit backwards once.
"""

from __future__ import annotations

import math
import threading
import weakref

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import Gate, ParameterExpression

from .param_eval import AngleCompiler, AngleFn


class UnsupportedCircuit(Exception):
    """The circuit holds something the exact fast path does not simulate (reason in the message)."""


_I2 = np.eye(2, dtype=complex)
_X = np.array([[0, 1], [1, 0]], dtype=complex)
_Y = np.array([[0, -1j], [1j, 0]], dtype=complex)
_Z = np.array([[1, 0], [0, -1]], dtype=complex)
_P1 = np.array([[0, 0], [0, 1]], dtype=complex)
_P0 = np.array([[1, 0], [0, 0]], dtype=complex)


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
_SKIP = {"barrier", "delay"}


class Op:
    """One compiled gate.

    kind: "fixed" (matrix ``mat``), "rot" / "phase" (angle ``angle``).
    ``A`` is the constant matrix with dG/dphi = A G (None for fixed gates);
    ``A_entries`` lists its nonzero (i, j, value).
    """

    __slots__ = ("qubits", "kind", "mat", "mat_dag", "diag", "diag_dag", "gen", "gen2", "ident",
                 "A", "A_entries", "angle", "name", "terms", "terms_dag", "perm", "phases",
                 "perm_dag", "phases_dag", "rot_entries", "rot_terms")

    def __init__(self, name, qubits, kind):
        self.name = name
        self.qubits = tuple(qubits)
        self.kind = kind
        self.mat = self.mat_dag = self.diag = self.diag_dag = None
        self.gen = self.gen2 = self.ident = self.A = self.A_entries = None
        self.angle: AngleFn | None = None
        self.terms = self.terms_dag = self.perm = self.phases = None
        self.perm_dag = self.phases_dag = self.rot_entries = self.rot_terms = None


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


class CompiledCircuit:
    """A circuit as a flat list of batched ops, plus its global phase."""

    def __init__(self, num_qubits, num_parameters, ops, global_phases):
        self.num_qubits = num_qubits
        self.num_parameters = num_parameters
        self.ops = _fuse(ops, num_qubits)
        self.global_phases = global_phases  # AngleFn list, summed
        # The gates before the first parameterised one are the same for every row:
        # run them once on a single state and start each batch from it.
        self.start = next((i for i, op in enumerate(self.ops) if op.angle is not None),
                          len(self.ops))
        state = np.zeros((2 ** num_qubits, 1, 1), dtype=complex)
        state[0] = 1.0
        for op in self.ops[:self.start]:
            state = apply_op(state, num_qubits, op, np.zeros((1, num_parameters)))
        self.initial = state[:, 0, 0].copy()

    def initial_state(self, batch: int) -> np.ndarray:
        psi = np.empty((2 ** self.num_qubits, 1, batch), dtype=complex)
        psi[...] = self.initial[:, None, None]
        return psi


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


def _compile(circuit: QuantumCircuit) -> CompiledCircuit:
    params = list(circuit.parameters)
    comp = AngleCompiler(params)
    ops: list[Op] = []
    phases: list[AngleFn] = []
    measured: set[int] = set()

    def add_phase(ph):
        if isinstance(ph, ParameterExpression) or ph != 0:
            phases.append(comp.compile(ph))

    def visit(circ: QuantumCircuit, qmap, depth):
        if depth > 40:
            raise UnsupportedCircuit("gate definitions nest too deeply")
        add_phase(circ.global_phase)
        for inst in circ.data:
            op = inst.operation
            name = op.name
            qubits = [qmap[circ.find_bit(q).index] for q in inst.qubits]
            if name in _SKIP:
                continue
            if name == "measure":
                measured.update(qubits)
                continue
            if measured.intersection(qubits):
                raise UnsupportedCircuit(f"'{name}' acts on a qubit after it was measured "
                                         f"(mid-circuit measurement)")
            if inst.clbits and name != "measure":
                raise UnsupportedCircuit(f"'{name}' uses classical bits")
            if name == "reset":
                raise UnsupportedCircuit("'reset' is not a unitary gate")
            parametric = any(isinstance(p, ParameterExpression) and p.parameters for p in op.params)
            if name in _NATIVE and parametric:
                ops.append(_native_op(name, qubits, comp.compile(op.params[0])))
                continue
            if name in ("u", "u3") and parametric:
                theta, phi, lam = op.params
                q = qubits
                ops.append(_native_op("p", q, comp.compile(lam)))
                ops.append(_native_op("ry", q, comp.compile(theta)))
                ops.append(_native_op("p", q, comp.compile(phi)))
                continue
            if name == "global_phase":
                add_phase(op.params[0])
                continue
            if isinstance(op, Gate) and not parametric:
                try:
                    mat = op.to_matrix()
                except Exception:  # noqa: BLE001 - no matrix: fall through to the definition
                    mat = None
                if mat is not None:
                    if len(qubits) == 0:
                        continue
                    ops.append(_fixed_op(name, qubits, mat))
                    continue
            definition = getattr(op, "definition", None) if name not in ("measure",) else None
            if definition is None:
                raise UnsupportedCircuit(f"gate '{name}' has neither a matrix nor a definition "
                                         f"the fast path can simulate")
            visit(definition, qubits, depth + 1)

    visit(circuit, list(range(circuit.num_qubits)), 0)
    return CompiledCircuit(circuit.num_qubits, len(params), ops, phases)


# --- compile cache ---------------------------------------------------------
_lock = threading.Lock()
_by_id: dict[int, tuple] = {}
_by_structure: dict[tuple, CompiledCircuit] = {}
_MAX_STRUCTURES = 256


def _structure_key(circuit: QuantumCircuit) -> tuple:
    return (circuit.num_qubits, str(circuit.global_phase),
            tuple(p.name for p in circuit.parameters),
            tuple((i.operation.name, tuple(circuit.find_bit(q).index for q in i.qubits),
                   tuple(str(p) for p in i.operation.params)) for i in circuit.data))


def compiled(circuit: QuantumCircuit) -> CompiledCircuit:
    """The compiled form of ``circuit``, cached by identity and by structure."""
    cheap = (len(circuit.data), circuit.num_parameters, str(circuit.global_phase))
    with _lock:
        hit = _by_id.get(id(circuit))
        if hit is not None and hit[0]() is circuit and hit[1] == cheap:
            return hit[2]
    key = _structure_key(circuit)
    with _lock:
        comp = _by_structure.get(key)
    if comp is None:
        comp = _compile(circuit)
        with _lock:
            if len(_by_structure) >= _MAX_STRUCTURES:
                _by_structure.pop(next(iter(_by_structure)))
            _by_structure[key] = comp
    with _lock:
        cid = id(circuit)
        try:
            ref = weakref.ref(circuit, lambda _r, cid=cid: _by_id.pop(cid, None))
        except TypeError:
            return comp
        _by_id[cid] = (ref, cheap, comp)
    return comp


# --- gate application ------------------------------------------------------
# Internal layout: amplitudes first, batch last: (N, K, B) viewed as (2,)*n + (K, B).
# Qubit q is axis n-1-q; per-batch coefficients of shape (B,) broadcast from the
# right, and every slice keeps (K, B) contiguous, which numpy handles quickly.
_SLICES: dict = {}


def _slices(n, qubits):
    key = (n, qubits)
    hit = _SLICES.get(key)
    if hit is None:
        d = 2 ** len(qubits)
        hit = []
        for i in range(d):
            idx = [slice(None)] * n
            for j, q in enumerate(qubits):
                idx[n - 1 - q] = (i >> j) & 1
            hit.append(tuple(idx))
        _SLICES[key] = hit
    return hit


def _view(psi, n):
    return psi.reshape((2,) * n + psi.shape[-2:])


def _is_one(c):
    return isinstance(c, int) and c == 1


def _apply_terms(psi, n, qubits, terms, coef=None):
    """out_i = sum_j M_ij psi_j over the gate's basis states (fixed or per-batch coefficients)."""
    sl = _slices(n, qubits)
    src_v = _view(psi, n)
    out = np.empty_like(psi)
    out_v = _view(out, n)
    for i, row in enumerate(terms):
        dst = out_v[sl[i]]
        if not row:
            dst[...] = 0
            continue
        first = True
        for j, c in row:
            if coef is not None:
                c = coef[i][j]
            src = src_v[sl[j]]
            if first:
                if _is_one(c):
                    dst[...] = src
                else:
                    np.multiply(src, c, out=dst)
                first = False
            elif _is_one(c):
                dst += src
            else:
                dst += src * c
    return out


def _apply_monomial_inplace(psi, n, qubits, perm, phases):
    """new_i = phase_i * old_perm(i): permutations (x, cx, swap, ccx ...) move only what moves."""
    sl = _slices(n, qubits)
    v = _view(psi, n)
    moved = {j: v[sl[j]].copy() for i, j in enumerate(perm) if j != i}
    for i, j in enumerate(perm):
        c = phases[i]
        if j == i:
            if not _is_one(c):
                v[sl[i]] *= c
        elif _is_one(c):
            v[sl[i]] = moved[j]
        else:
            np.multiply(moved[j], c, out=v[sl[i]])
    return psi


def _apply_diag_inplace(psi, n, qubits, diag):
    sl = _slices(n, qubits)
    v = _view(psi, n)
    for i, c in enumerate(diag):
        if np.ndim(c) == 0 and c == 1:
            continue
        v[sl[i]] *= c
    return psi


def _rot_coefficients(op: Op, phi, inverse=False):
    """Per-batch matrix entries of exp(-i phi/2 Gen) = E + cos(phi/2) Gen^2 - i sin(phi/2) Gen."""
    half = 0.5 * phi
    cos = np.cos(half)
    msin = np.sin(half) if inverse else -np.sin(half)  # inverse: phi -> -phi
    d = op.gen.shape[0]
    coef = [[None] * d for _ in range(d)]
    for i, j, e, g2, g in op.rot_entries:
        val = 0
        if e != 0:
            val = e
        if g2 != 0:
            val = val + g2 * cos
        if g != 0:
            val = val + (1j * g) * msin
        coef[i][j] = val
    return coef


def apply_op(psi, n, op: Op, values, inverse=False):
    """Apply ``op`` (or its inverse) to the batch ``psi`` of shape (N, K, B)."""
    if op.kind == "fulldiag":
        psi *= (op.diag_dag if inverse else op.diag)[:, None, None]
        return psi
    if op.kind == "fixed":
        if op.diag is not None:
            return _apply_diag_inplace(psi, n, op.qubits, op.diag_dag if inverse else op.diag)
        if op.perm is not None:
            if inverse:
                return _apply_monomial_inplace(psi, n, op.qubits, op.perm_dag, op.phases_dag)
            return _apply_monomial_inplace(psi, n, op.qubits, op.perm, op.phases)
        if len(op.qubits) == 1:
            m = op.mat_dag if inverse else op.mat
            return _apply_2x2_inplace(psi, n, op.qubits[0], m.tolist())
        return _apply_terms(psi, n, op.qubits, op.terms_dag if inverse else op.terms)
    phi = op.angle.value(values)
    if op.kind == "phase":
        sign = -1.0 if inverse else 1.0
        diag = [np.exp((1j * sign * w) * phi) if w != 0 else 1 for w in op.diag]
        return _apply_diag_inplace(psi, n, op.qubits, diag)
    coef = _rot_coefficients(op, phi, inverse)
    if len(op.qubits) == 1:
        return _apply_2x2_inplace(psi, n, op.qubits[0], coef)
    return _apply_terms(psi, n, op.qubits, op.rot_terms, coef)


def _apply_2x2_inplace(psi, n, q, m):
    """A per-batch 2x2 on qubit q in place: one temporary instead of a new state."""
    sl = _slices(n, (q,))
    v = _view(psi, n)
    s0, s1 = v[sl[0]], v[sl[1]]
    t = s1 * m[0][1]
    s1 *= m[1][1]
    s1 += s0 * m[1][0]
    s0 *= m[0][0]
    s0 += t
    return psi


def apply_generator(psi, n, op: Op):
    """A psi (a new array), where dG/dphi = A G."""
    sl = _slices(n, op.qubits)
    src = _view(psi, n)
    out = np.zeros_like(psi)
    dst = _view(out, n)
    for i, j, a in op.A_entries:
        dst[sl[i]] += src[sl[j]] * a
    return out


def generator_overlap(lam, psi, n, op: Op):
    """2 Re <lam_k| A |psi> per batch entry -> (K, B), without forming A psi."""
    sl = _slices(n, op.qubits)
    lv = _view(lam, n)
    pv = _view(psi, n)
    axes = tuple(range(n - len(op.qubits)))
    total = 0
    for i, j, a in op.A_entries:
        prod = np.conj(lv[sl[i]]) * pv[sl[j]]
        s = prod.sum(axis=axes) if axes else prod
        total = total + a * s
    return 2.0 * np.real(total)


def global_phase(comp: CompiledCircuit, values):
    if not comp.global_phases:
        return None
    total = 0.0
    for fn in comp.global_phases:
        total = total + fn.value(values)
    return np.exp(1j * np.asarray(total))


def _forward(comp: CompiledCircuit, values):
    n = comp.num_qubits
    psi = comp.initial_state(values.shape[0])
    for op in comp.ops[comp.start:]:
        psi = apply_op(psi, n, op, values)
    return psi


def simulate_nb(comp: CompiledCircuit, values):
    """Unphased statevectors laid out (N, B), as the observables take them."""
    return _forward(comp, values)[:, 0, :]


def simulate_unphased(comp: CompiledCircuit, values):
    """Statevectors ``(B, 2**n)`` without the global phase (expectation values do not see it)."""
    return _forward(comp, values)[:, 0, :].T


def simulate(comp: CompiledCircuit, values: np.ndarray) -> np.ndarray:
    """Statevectors ``(B, 2**n)`` for the rows of ``values``, in qiskit's order and phase."""
    out = _forward(comp, values)[:, 0, :].T.copy()
    ph = global_phase(comp, values)
    if ph is not None:
        out *= ph[:, None] if np.ndim(ph) else ph
    return out


def forward_gradient(comp: CompiledCircuit, observables, values: np.ndarray, col: int) -> tuple:
    """Expectation values ``(B, K)`` and d/d(column ``col``) ``(B, K, 1)`` in forward mode.

    The state and its tangent travel together as one (N, 2, B) array from the
    first gate that depends on ``col``: about two passes, against three for the
    adjoint, when a single parameter is asked for.
    """
    n = comp.num_qubits
    b = values.shape[0]
    psi = comp.initial_state(b)
    both = None
    for op in comp.ops[comp.start:]:
        rel = op.angle is not None and col in op.angle.derivatives
        if both is None:
            psi = apply_op(psi, n, op, values)
            if rel:
                dphi = op.angle.derivative(col, values)
                both = np.concatenate([psi, apply_generator(psi, n, op) * dphi], axis=1)
        else:
            both = apply_op(both, n, op, values)
            if rel:
                dphi = op.angle.derivative(col, values)
                both[:, 1:2] += apply_generator(both[:, 0:1], n, op) * dphi
    if both is None:
        both = np.concatenate([psi, np.zeros_like(psi)], axis=1)
    psi, tau = both[:, 0, :], both[:, 1, :]
    kobs = len(observables)
    expvals = np.empty((b, kobs))
    grads = np.empty((b, kobs, 1))
    for k, obs in enumerate(observables):
        hpsi = obs.apply(psi)
        expvals[:, k] = np.real(np.einsum("nb,nb->b", psi.conj(), hpsi))
        grads[:, k, 0] = 2.0 * np.real(np.einsum("nb,nb->b", tau.conj(), hpsi))
    return expvals, grads


def adjoint_gradients(comp: CompiledCircuit, observables, values: np.ndarray, wrt) -> tuple:
    """Expectation values ``(B, K)`` and their gradients ``(B, K, len(wrt))`` by the adjoint method.

    ``observables`` are compiled :class:`PauliObservable` s; ``wrt`` lists column indices.
    """
    n = comp.num_qubits
    b = values.shape[0]
    kobs = len(observables)
    wrt = list(wrt)
    pos = {c: i for i, c in enumerate(wrt)}
    grads = np.zeros((b, kobs, len(wrt)))
    psi = _forward(comp, values)  # (N, 1, B)
    lam = np.concatenate([obs.apply(psi) for obs in observables], axis=1)  # (N, K, B)
    expvals = np.real(np.einsum("nb,nkb->bk", psi[:, 0, :].conj(), lam))
    relevant = [i for i, op in enumerate(comp.ops)
                if op.angle is not None and any(c in pos for c in op.angle.derivatives)]
    if not relevant or not wrt:
        return expvals, grads
    first = relevant[0]
    for idx in range(len(comp.ops) - 1, first - 1, -1):
        op = comp.ops[idx]
        if op.angle is not None:
            cols = [c for c in op.angle.derivatives if c in pos]
            if cols:
                ip = generator_overlap(lam, psi, n, op).T  # (B, K)
                for c in cols:
                    dphi = op.angle.derivative(c, values)
                    grads[:, :, pos[c]] += ip * (dphi[:, None] if np.ndim(dphi) else dphi)
        if idx == first:
            break
        psi = apply_op(psi, n, op, values, inverse=True)
        lam = apply_op(lam, n, op, values, inverse=True)
    return expvals, grads


# --- observables -------------------------------------------------------------
def _walsh_hadamard(a: np.ndarray, n: int) -> np.ndarray:
    """D[i] = sum_z a[z] (-1)^popcount(i & z), in n passes."""
    a = a.astype(complex, copy=True)
    for h in range(n):
        a = a.reshape(-1, 2, 2 ** h)
        a = np.stack([a[:, 0] + a[:, 1], a[:, 0] - a[:, 1]], axis=1)
    return a.reshape(-1)


class PauliObservable:
    """A SparsePauliOp as groups sharing an X mask: (H psi)_i = sum_x D_x[i] psi[i ^ x].

    No dense matrix: each group holds one diagonal (a Walsh-Hadamard transform
    of the Z-mask coefficients) and a bit-flip permutation.
    """

    def __init__(self, op):
        n = op.num_qubits
        self.num_qubits = n
        N = 2 ** n
        xs = op.paulis.x
        zs = op.paulis.z
        weights = 1 << np.arange(n, dtype=np.int64)
        xmask = (xs.astype(np.int64) * weights).sum(axis=1)
        zmask = (zs.astype(np.int64) * weights).sum(axis=1)
        ny = np.count_nonzero(xs & zs, axis=1)
        factor = np.asarray(op.coeffs) * (-1j) ** ((op.paulis.phase + ny) % 4)
        idx = np.arange(N, dtype=np.int64)
        self.groups = []
        for xm in np.unique(xmask):
            sel = xmask == xm
            a = np.zeros(N, dtype=complex)
            np.add.at(a, zmask[sel], factor[sel])
            diag = _walsh_hadamard(a, n)
            perm = None if xm == 0 else (idx ^ xm)
            if np.all(diag.imag == 0):
                diag = diag.real.copy()
            self.groups.append((perm, diag))

    def apply(self, psi):
        """H psi for a batch laid out (N, ...) (amplitudes first)."""
        out = None
        extra = (1,) * (psi.ndim - 1)
        for perm, diag in self.groups:
            term = (psi if perm is None else psi[perm]) * diag.reshape((-1,) + extra)
            out = term if out is None else out + term
        if out is None:
            return np.zeros_like(psi)
        return out

    def expectation(self, psi):
        """Re <psi|H|psi> for statevectors (B, N)."""
        return self.expectation_nb(np.ascontiguousarray(psi.T))

    def expectation_nb(self, psi):
        """Re <psi|H|psi> for a batch laid out (N, B)."""
        total = np.zeros(psi.shape[1])
        probs = None
        for perm, diag in self.groups:
            if perm is None:
                if probs is None:
                    probs = psi.real ** 2 + psi.imag ** 2
                total += np.real(diag @ probs)
            else:
                total += np.real(np.einsum("nb,nb->b", psi.conj(), psi[perm] * diag[:, None]))
        return total


_obs_cache: dict = {}


def compile_observable(op) -> PauliObservable:
    key = (op.num_qubits, op.paulis.x.tobytes(), op.paulis.z.tobytes(),
           op.paulis.phase.tobytes(), np.asarray(op.coeffs).tobytes())
    hit = _obs_cache.get(key)
    if hit is None:
        hit = PauliObservable(op)
        if len(_obs_cache) > 256:
            _obs_cache.pop(next(iter(_obs_cache)))
        _obs_cache[key] = hit
    return hit


def bytes_per_state(num_qubits: int) -> int:
    return 16 * 2 ** num_qubits


def chunk_rows(num_qubits: int, copies: int, budget_bytes: int) -> int:
    """Rows per chunk so ``copies`` state arrays of the batch stay within the budget."""
    per_row = bytes_per_state(num_qubits) * max(1, copies)
    return max(1, int(budget_bytes // per_row))


__all__ = ["UnsupportedCircuit", "CompiledCircuit", "compiled", "simulate", "simulate_unphased",
           "simulate_nb", "adjoint_gradients", "forward_gradient", "PauliObservable", "compile_observable", "chunk_rows",
           "bytes_per_state", "math"]
