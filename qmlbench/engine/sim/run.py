"""Running a compiled circuit on a batch: statevectors, and gradients by forward mode
(one parameter) or the adjoint method (many).  See :mod:`.compile` for the layout."""

from __future__ import annotations

import numpy as np

from ..limits import bytes_per_state
from .apply import apply_generator, apply_op, generator_overlap
from .compile import CompiledCircuit


def global_phase(comp: CompiledCircuit, values):
    if not comp.global_phases:
        return None
    total = 0.0
    for fn in comp.global_phases:
        total = total + fn.value(values)
    return np.exp(1j * np.asarray(total))


def _start(comp: CompiledCircuit, batch: int, initial=None):
    """The batch's first state (N, 1, B) and the index of the first op still to apply.

    ``initial`` ``(B, 2**n)``: each row starts from its own state (quantum data), so the
    ops that ``comp`` precomputed on |0...0> must all run."""
    if initial is None:
        return comp.initial_state(batch), comp.start
    return np.ascontiguousarray(initial.T, dtype=complex)[:, None, :].copy(), 0


def _forward(comp: CompiledCircuit, values, axes=None, initial=None):
    n = comp.num_qubits
    psi, first = _start(comp, values.shape[0], initial)
    for op in comp.ops[first:]:
        psi = apply_op(psi, n, op, values, axes=axes)
    return psi


def simulate_nb(comp: CompiledCircuit, values, axes=None, initial=None):
    """Unphased statevectors laid out (N, B), as the observables take them."""
    return _forward(comp, values, axes, initial)[:, 0, :]


def simulate_unphased(comp: CompiledCircuit, values, axes=None):
    """Statevectors ``(B, 2**n)`` without the global phase (expectation values do not see it)."""
    return _forward(comp, values, axes)[:, 0, :].T


def simulate(comp: CompiledCircuit, values: np.ndarray, axes=None, initial=None) -> np.ndarray:
    """Statevectors ``(B, 2**n)`` for the rows of ``values``, in qiskit's order and phase.

    ``axes`` ``(B, comp.num_slots)``: per-row rotation axes (0/1/2 = X/Y/Z) of a circuit
    compiled with ``redraw_axes=True``; ``initial`` ``(B, 2**n)``: each row's input state
    (default |0...0>)."""
    out = _forward(comp, values, axes, initial)[:, 0, :].T.copy()
    ph = global_phase(comp, values)
    if ph is not None:
        out *= ph[:, None] if np.ndim(ph) else ph
    return out


def forward_gradient(comp: CompiledCircuit, observables, values: np.ndarray, col: int,
                     axes=None, initial=None) -> tuple:
    """Expectation values ``(B, K)`` and d/d(column ``col``) ``(B, K, 1)`` in forward mode.

    The state and its tangent travel together as one (N, 2, B) array from the
    first gate that depends on ``col``: about two passes, against three for the
    adjoint, when a single parameter is asked for.
    """
    n = comp.num_qubits
    b = values.shape[0]
    psi, first = _start(comp, b, initial)
    both = None
    for op in comp.ops[first:]:
        rel = op.angle is not None and col in op.angle.derivatives
        if both is None:
            psi = apply_op(psi, n, op, values, axes=axes)
            if rel:
                dphi = op.angle.derivative(col, values)
                both = np.concatenate([psi, apply_generator(psi, n, op, axes) * dphi], axis=1)
        else:
            both = apply_op(both, n, op, values, axes=axes)
            if rel:
                dphi = op.angle.derivative(col, values)
                both[:, 1:2] += apply_generator(both[:, 0:1], n, op, axes) * dphi
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


def adjoint_gradients(comp: CompiledCircuit, observables, values: np.ndarray, wrt,
                      axes=None, initial=None) -> tuple:
    """Expectation values ``(B, K)`` and their gradients ``(B, K, len(wrt))`` by the adjoint method.

    ``observables`` are compiled :class:`PauliObservable` s (anything whose ``apply`` takes
    amplitudes-first arrays); ``wrt`` lists column indices; ``axes`` as in :func:`simulate`.
    """
    n = comp.num_qubits
    b = values.shape[0]
    kobs = len(observables)
    wrt = list(wrt)
    pos = {c: i for i, c in enumerate(wrt)}
    grads = np.zeros((b, kobs, len(wrt)))
    psi = _forward(comp, values, axes, initial)  # (N, 1, B)
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
                ip = generator_overlap(lam, psi, n, op, axes).T  # (B, K)
                for c in cols:
                    dphi = op.angle.derivative(c, values)
                    grads[:, :, pos[c]] += ip * (dphi[:, None] if np.ndim(dphi) else dphi)
        if idx == first:
            break
        psi = apply_op(psi, n, op, values, inverse=True, axes=axes)
        lam = apply_op(lam, n, op, values, inverse=True, axes=axes)
    return expvals, grads


def chunk_rows(num_qubits: int, copies: int, budget_bytes: int) -> int:
    """Rows per chunk so ``copies`` state arrays of the batch stay within the budget."""
    per_row = bytes_per_state(num_qubits) * max(1, copies)
    return max(1, int(budget_bytes // per_row))
