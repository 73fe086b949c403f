"""Pauli-sum observables applied to batches of states without dense matrices."""

from __future__ import annotations

import numpy as np


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



class DenseObservable:
    """An observable given by its diagonal (``diag``, length 2**n) or its matrix, for costs
    whose Pauli expansion is long: the projector on |0…0> has 2**n Pauli terms but one
    nonzero diagonal entry.  Same interface as :class:`PauliObservable`;
    :meth:`to_sparse_pauli_op` gives the Pauli form for paths that need one (Aer, a
    user's estimator)."""

    def __init__(self, num_qubits: int, diag=None, matrix=None):
        if (diag is None) == (matrix is None):
            raise ValueError("DenseObservable needs exactly one of diag or matrix")
        self.num_qubits = int(num_qubits)
        self.diag = None if diag is None else np.asarray(diag)
        self.matrix = matrix

    def apply(self, psi):
        """H psi for a batch laid out (N, ...) (amplitudes first)."""
        if self.diag is not None:
            return psi * self.diag.reshape((-1,) + (1,) * (psi.ndim - 1))
        return np.asarray(self.matrix @ psi.reshape(psi.shape[0], -1)).reshape(psi.shape)

    def expectation_nb(self, psi):
        """Re <psi|H|psi> for a batch laid out (N, B)."""
        return np.real(np.einsum("nb,nb->b", psi.conj(), self.apply(psi)))

    def expectation(self, psi):
        """Re <psi|H|psi> for statevectors (B, N)."""
        return self.expectation_nb(np.ascontiguousarray(psi.T))

    def to_sparse_pauli_op(self):
        from qiskit.quantum_info import Operator, SparsePauliOp

        mat = np.diag(self.diag) if self.diag is not None else np.asarray(
            self.matrix.todense() if hasattr(self.matrix, "todense") else self.matrix)
        return SparsePauliOp.from_operator(Operator(mat)).simplify()
