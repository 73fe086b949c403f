"""Exact batched density matrices: noisy circuits, their expectation values and gradients.

A density matrix ``rho`` of ``n`` qubits is held as the vector ``vec(rho)`` of ``2n``
qubits, column-stacked like qiskit's ``SuperOp``: entry ``rho[r, c]`` sits at index
``r + 2**n c``, so qubits ``0..n-1`` index the row and ``n..2n-1`` the column.  A batch is
the statevector layout of :mod:`.apply` on ``2n`` qubits, ``(4**n, K, B)``, and

* a gate ``U`` on qubits ``q`` acts as ``U`` on the row qubits ``q`` and ``U*`` on the
  column qubits ``q + n`` (``U rho U^dagger``), with the ops of :mod:`.gates` applied by
  :func:`.apply.apply_op` on the 2n-qubit view;
* a channel after a gate acts on the row and column qubits together through its
  superoperator ``sum_k conj(K_k) (x) K_k`` (a fixed 4**k x 4**k op);
* ``Tr(O rho) = sum_ab O[a, b] rho[b, a]``, read off the groups of a
  :class:`.observables.PauliObservable` without forming ``O``.

Gradients are forward mode with one tangent per asked column travelling in the ``K`` axis:
``d(U rho U^dagger)/dphi = A sigma + (A sigma)^dagger`` with ``sigma`` the state after the
gate and ``dU/dphi = A U``; channels are linear and parameter-free, so tangents pass
through them like states.  This is the exact derivative of the noisy expectation value
(the parameter-shift rule on rotations followed by channels gives the same).

The circuit is compiled instruction by instruction (no fusion across the channels): it must
already be written in plain gates (the execution seam transpiles it first), and
``channel(name, qubits)`` says which superoperator (or None) follows each gate.
"""

from __future__ import annotations

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import Barrier, Delay, ParameterExpression

from .angles import AngleCompiler
from .apply import _apply_2x2_inplace, _axis_rot_coefficients, apply_generator, apply_op
from .compile import UnsupportedCircuit
from .gates import _AXIS_OF, _NATIVE, Op, _axis_rot_op, _fixed_op, _native_op
from .observables import DenseObservable


def _shifted_conj(op: Op, n: int) -> Op | None:
    """The op acting as ``conj(U)`` on the column qubits (``q + n``); None for "axisrot",
    whose per-row coefficients are conjugated when applied."""
    q = tuple(x + n for x in op.qubits)
    if op.kind == "fixed":
        return _fixed_op(op.name, q, op.mat.conj())
    if op.kind == "phase":
        c = Op(op.name, q, "phase")
        c.angle = op.angle
        c.diag = -np.asarray(op.diag, dtype=float)
        return c
    if op.kind == "rot":
        c = Op(op.name, q, "rot")
        c.angle = op.angle
        c.gen = op.gen
        # entry = e + g2 cos(phi/2) + i g msin  ->  conj = e* + g2* cos + i (-g*) msin
        c.rot_entries = [(i, j, np.conj(e), np.conj(g2), -np.conj(g))
                         for i, j, e, g2, g in op.rot_entries]
        c.rot_terms = op.rot_terms
        return c
    if op.kind == "axisrot":
        return None
    raise UnsupportedCircuit(f"op kind {op.kind!r} has no density-matrix form")


class DensityProgram:
    """A circuit as steps on vectorised density matrices.

    ``steps``: ``("gate", row_op, col_op)`` or ``("channel", op)``; ``num_slots`` counts
    redrawn rotation axes (``redraw_axes=True``), as in :mod:`.compile`.
    """

    def __init__(self, num_qubits, num_parameters, steps, num_slots=0):
        self.num_qubits = num_qubits
        self.num_parameters = num_parameters
        self.steps = steps
        self.num_slots = num_slots
        n = num_qubits
        self.start = next((i for i, s in enumerate(steps)
                           if s[0] == "gate" and s[1].angle is not None), len(steps))
        rho = np.zeros((4 ** n, 1, 1), dtype=complex)
        rho[0] = 1.0
        zeros = np.zeros((1, num_parameters))
        for step in steps[:self.start]:
            rho = _apply_step(rho, n, step, zeros, None)
        self.initial = rho[:, 0, 0].copy()

    def initial_state(self, batch, copies=1):
        rho = np.zeros((4 ** self.num_qubits, copies, batch), dtype=complex)
        rho[:, 0, :] = self.initial[:, None]
        return rho


def _apply_step(rho, n, step, values, axes):
    if step[0] == "channel":
        return apply_op(rho, 2 * n, step[1], values)
    _, row, col = step
    rho = apply_op(rho, 2 * n, row, values, axes=axes)
    if col is not None:
        return apply_op(rho, 2 * n, col, values, axes=axes)
    phi = row.angle.value(values)
    coef = _axis_rot_coefficients(row, phi, axes)
    coef = [[np.conj(c) for c in r] for r in coef]
    return _apply_2x2_inplace(rho, 2 * n, row.qubits[0] + n, coef)


def compile_density(circuit: QuantumCircuit, channel, redraw_axes: bool = False) -> DensityProgram:
    """Steps for ``circuit`` (written in plain one- and two-qubit gates) with the channel
    ``channel(name, qubits) -> superoperator or None`` after each gate."""
    n = circuit.num_qubits
    params = list(circuit.parameters)
    comp = AngleCompiler(params)
    steps = []
    slots = 0
    for inst in circuit.data:
        op = inst.operation
        name = op.name
        if isinstance(op, (Barrier, Delay)):
            continue
        if inst.clbits or name in ("measure", "reset"):
            raise UnsupportedCircuit(f"'{name}' is not a gate (the density path takes gates "
                                     f"and the channels after them)")
        qubits = [circuit.find_bit(q).index for q in inst.qubits]
        parametric = any(isinstance(p, ParameterExpression) and p.parameters
                         for p in getattr(op, "params", ()))
        ops = []
        if parametric and name in _NATIVE:
            if redraw_axes and name in _AXIS_OF:
                ops.append(_axis_rot_op(name, qubits, comp.compile(op.params[0]), slots))
                slots += 1
            else:
                ops.append(_native_op(name, qubits, comp.compile(op.params[0])))
        elif parametric and name in ("u", "u3"):
            theta, phi, lam = op.params
            ops += [_native_op("p", qubits, comp.compile(lam)),
                    _native_op("ry", qubits, comp.compile(theta)),
                    _native_op("p", qubits, comp.compile(phi))]
        elif not parametric and hasattr(op, "to_matrix"):
            try:
                mat = op.to_matrix()
            except Exception:  # noqa: BLE001 - reported below
                mat = None
            if mat is None:
                raise UnsupportedCircuit(f"gate '{name}' has no matrix")
            ops.append(_fixed_op(name, qubits, mat))
        else:
            raise UnsupportedCircuit(f"gate '{name}' is not one the density path simulates")
        for o in ops:
            steps.append(("gate", o, _shifted_conj(o, n)))
        sup = channel(name, tuple(qubits))
        if sup is not None:
            qargs = list(qubits) + [q + n for q in qubits]
            steps.append(("channel", _fixed_op(f"noise:{name}", qargs, sup)))
    return DensityProgram(n, len(params), steps, slots)


def evolve(prog: DensityProgram, values, axes=None):
    """Vectorised density matrices ``(4**n, 1, B)`` for the rows of ``values``."""
    n = prog.num_qubits
    rho = prog.initial_state(values.shape[0])
    for step in prog.steps[prog.start:]:
        rho = _apply_step(rho, n, step, values, axes)
    return rho


def _tangent(sigma, n, op, axes):
    """``A sigma + (A sigma)^dagger`` in the vectorised layout, for ``sigma`` (4**n, 1, B)."""
    x = apply_generator(sigma, 2 * n, op, axes)
    d = 2 ** n
    v = x.reshape(d, d, *x.shape[1:])
    return (v + np.conj(v.swapaxes(0, 1))).reshape(x.shape)


def evolve_with_tangents(prog: DensityProgram, values, wrt, axes=None):
    """``(4**n, 1 + len(wrt), B)``: the state, then d(state)/d(column) for each of ``wrt``."""
    n = prog.num_qubits
    pos = {c: i for i, c in enumerate(wrt)}
    rho = prog.initial_state(values.shape[0], 1 + len(wrt))
    for step in prog.steps[prog.start:]:
        rho = _apply_step(rho, n, step, values, axes)
        if step[0] != "gate":
            continue
        op = step[1]
        if op.angle is None:
            continue
        cols = [c for c in op.angle.derivatives if c in pos]
        if not cols:
            continue
        t = _tangent(rho[:, 0:1], n, op, axes)[:, 0, :]
        for c in cols:
            dphi = op.angle.derivative(c, values)
            rho[:, 1 + pos[c], :] += t * dphi
    return rho


def expectation(obs, rho, n):
    """``Re Tr(O rho)`` for every copy and row: ``(K, B)`` from ``rho`` (4**n, K, B)."""
    d = 2 ** n
    v = rho.reshape(d, d, *rho.shape[1:])  # v[c, r] = rho[r, c]
    idx = np.arange(d)
    if isinstance(obs, DenseObservable):
        if obs.diag is not None:
            return np.real(np.einsum("a,akb->kb", obs.diag, v[idx, idx]))
        m = np.asarray(obs.matrix.todense() if hasattr(obs.matrix, "todense") else obs.matrix)
        # Tr(O rho) = sum_ab O[a, b] rho[b, a] = sum_ab O[a, b] v[a, b]
        return np.real(np.einsum("ab,abkz->kz", m, v))
    total = 0.0
    for perm, diag in obs.groups:
        # O[a, a ^ x] = D_x[a]: sum_a D_x[a] rho[a ^ x, a] = sum_a D_x[a] v[a, a ^ x]
        cols = idx if perm is None else perm
        total = total + np.einsum("a,akb->kb", diag, v[idx, cols])
    return np.real(total)


def density_matrices(rho, n):
    """``(B, 2**n, 2**n)`` matrices from the vectorised batch ``(4**n, 1, B)``."""
    d = 2 ** n
    v = rho[:, 0, :].reshape(d, d, -1)  # v[c, r, b] = rho_b[r, c]
    return np.ascontiguousarray(v.transpose(2, 1, 0))


def rows_per_chunk(num_qubits, copies, budget_bytes):
    per_row = 16 * 4 ** num_qubits * max(1, copies)
    return max(1, int(budget_bytes // per_row))


__all__ = ["DensityProgram", "compile_density", "density_matrices", "evolve",
           "evolve_with_tangents", "expectation", "rows_per_chunk"]
