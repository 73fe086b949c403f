"""Applying compiled ops to a batch of states, in place where the gate allows it.

Layout: amplitudes first, batch last, ``(N, K, B)`` viewed as ``(2,)*n + (K, B)``:
qubit q is axis n-1-q, per-batch coefficients of shape ``(B,)`` broadcast from
the right, and every slice keeps ``(K, B)`` contiguous.
"""

from __future__ import annotations

import numpy as np

from .gates import _AXIS_OF, Op

#: -i/2 times X, Y, Z: dG/dphi = A G for a rotation about each axis.
_AXIS_A = -0.5j * np.array([[[0, 1], [1, 0]], [[0, -1j], [1j, 0]], [[1, 0], [0, -1]]])

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


def _axis(op: Op, axes):
    """Per-row axis (0/1/2 for X/Y/Z) of an "axisrot" op, or its own axis without ``axes``."""
    return _AXIS_OF[op.name] if axes is None else axes[:, op.axis_slot]


def _axis_rot_coefficients(op: Op, phi, axes, inverse=False):
    """Per-row entries of exp(-i phi/2 P) = cos(phi/2) - i sin(phi/2) P, P = X, Y or Z by row."""
    half = 0.5 * phi
    c = np.cos(half)
    s = -np.sin(half) if inverse else np.sin(half)
    ax = _axis(op, axes)
    isx, isy, isz = ax == 0, ax == 1, ax == 2
    isz_s = 1j * s * isz
    xs = -1j * s * isx
    ys = s * isy
    return [[c - isz_s, xs - ys], [xs + ys, c + isz_s]]


def _axis_A_entries(op: Op, axes):
    a = _AXIS_A[_axis(op, axes)]
    if a.ndim == 2:
        return [(i, j, a[i, j]) for i in range(2) for j in range(2) if a[i, j] != 0]
    return [(i, j, a[:, i, j]) for i in range(2) for j in range(2)]


def apply_op(psi, n, op: Op, values, inverse=False, axes=None):
    """Apply ``op`` (or its inverse) to the batch ``psi`` of shape (N, K, B).

    ``axes`` ``(B, slots)`` (0/1/2 for X/Y/Z) gives "axisrot" ops their per-row axis.
    """
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
    if op.kind == "axisrot":
        return _apply_2x2_inplace(psi, n, op.qubits[0],
                                  _axis_rot_coefficients(op, phi, axes, inverse))
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


def apply_generator(psi, n, op: Op, axes=None):
    """A psi (a new array), where dG/dphi = A G."""
    sl = _slices(n, op.qubits)
    src = _view(psi, n)
    out = np.zeros_like(psi)
    dst = _view(out, n)
    entries = _axis_A_entries(op, axes) if op.kind == "axisrot" else op.A_entries
    for i, j, a in entries:
        dst[sl[i]] += src[sl[j]] * a
    return out


def generator_overlap(lam, psi, n, op: Op, axes=None):
    """2 Re <lam_k| A |psi> per batch entry -> (K, B), without forming A psi."""
    sl = _slices(n, op.qubits)
    lv = _view(lam, n)
    pv = _view(psi, n)
    amp_axes = tuple(range(n - len(op.qubits)))
    total = 0
    entries = _axis_A_entries(op, axes) if op.kind == "axisrot" else op.A_entries
    for i, j, a in entries:
        prod = np.conj(lv[sl[i]]) * pv[sl[j]]
        s = prod.sum(axis=amp_axes) if amp_axes else prod
        total = total + a * s
    return 2.0 * np.real(total)


