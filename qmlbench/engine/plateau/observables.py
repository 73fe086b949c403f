"""Cost observables of the plateau lab and their 2-design reference variances.

The reference: write the circuit as ``U = U_+ R(θ) U_-`` with ``R(θ) = exp(-iθP/2)``,
``P`` a Pauli string, ``d = 2**n``, cost ``C = Tr[O U ρ U†]``, ``ρ`` pure.  Then
``∂C = -(1/2) Tr[B ρ~]`` with ``B = -i[P, Õ]``, ``Õ = U_+† O U_+``, ``ρ~ = U_- ρ U_-†``.
If ``U_-`` is a 2-design, ``E[Tr(Bρ~)²] = (Tr(B)² + Tr(B²)) / (d(d+1))`` and Tr B = 0.
``Tr B² = 2Tr(O²) - 2Tr(PÕPÕ)``; if ``U_+`` is a 2-design, ``E[Õ⊗Õ] = α 1 + β SWAP``
with ``α = (Tr(O)² - Tr(O²)/d)/(d²-1)``, so ``E Tr(PÕPÕ) = α d`` and
``E Tr B² = 2d² Tr(O₀²)/(d²-1)``, ``O₀ = O - Tr(O)/d``.  Altogether

    Var[∂C] = d Tr(O₀²) / (2 (d² - 1)(d + 1))

(McClean et al. 2018, Nat. Commun. 9, 4812; Cerezo et al. 2021, Nat. Commun. 12, 1791,
whose generators are exp(-iθP), giving 4× this).  With only ``U_+`` a 2-design and the
state before the gate fixed, the same steps give ``Tr(O₀²)(1 - <P>²) / (2(d² - 1))``
(:func:`one_sided_reference`); averaging ``<P>²`` over Haar states (= 1/(d+1)) recovers
the formula above.  For the three named costs:

* global ``|0…0><0…0|``: ``Tr O₀² = 1 - 1/d``, Var = ``1 / (2 (d+1)²)``
* local ``(1/n) Σ_j |0><0|_j``: ``Tr O₀² = d/(4n)``
* zz ``Z_0 Z_1``: ``Tr O₀² = d``
"""

from __future__ import annotations

import numpy as np
from qiskit.quantum_info import SparsePauliOp

from ..errors import SpecError
from ..execution import DenseObservable

OBSERVABLES = ("global", "local", "zz")


class Observable(DenseObservable):
    """A cost operator on ``num_qubits`` qubits, with the squared norm of its traceless
    part (what the 2-design variance needs).  The execution seam takes it as it is."""

    def __init__(self, num_qubits: int, label: str, traceless_sq: float,
                 diag: np.ndarray | None = None, matrix=None):
        super().__init__(num_qubits, diag=diag, matrix=matrix)
        self.label = label
        self.traceless_sq = float(traceless_sq)
        self._op = None

    def reference(self) -> float:
        d = 2.0 ** self.num_qubits
        return d * self.traceless_sq / (2.0 * (d * d - 1.0) * (d + 1.0))

    def to_sparse_pauli_op(self) -> SparsePauliOp:
        n = self.num_qubits
        if self.label == "global":
            return SparsePauliOp.from_sparse_list(
                [("Z" * len(s), s, 1.0 / 2 ** n) for s in _subsets(n)], n).simplify()
        if self.label == "local":
            terms = [("", [], 0.5)] + [("Z", [j], 0.5 / n) for j in range(n)]
            return SparsePauliOp.from_sparse_list(terms, n).simplify()
        if self.label == "zz":
            return SparsePauliOp.from_sparse_list([("ZZ", [0, 1], 1.0)], n)
        return self._op if self._op is not None else super().to_sparse_pauli_op()


def _subsets(n):
    for mask in range(2 ** n):
        yield [q for q in range(n) if mask >> q & 1]


def reference_variance(observable, num_qubits: int) -> float:
    """2-design gradient variance (exp(-iθP/2) rotations) for ``observable`` on ``num_qubits``."""
    return resolve(observable, num_qubits).reference()


def one_sided_reference(traceless_sq: float, num_qubits: int, mean_p_squared: float) -> float:
    """Variance when only the part after the parameter is a 2-design and the state before
    it has ``<P>²`` averaging ``mean_p_squared``."""
    d = 2.0 ** num_qubits
    return traceless_sq * (1.0 - mean_p_squared) / (2.0 * (d * d - 1.0))


def _popcount(values: np.ndarray, n: int) -> np.ndarray:
    """Set bits of each index (a loop over bits keeps memory at one 2**n vector)."""
    count = np.zeros(values.shape, dtype=np.int64)
    for q in range(n):
        count += (values >> q) & 1
    return count


def _z_signs(n: int, qubits) -> np.ndarray:
    """Diagonal of the Z string on ``qubits``: (-1)**(parity of those bits)."""
    mask = sum(1 << int(q) for q in qubits)
    return 1.0 - 2.0 * (_popcount(np.arange(2 ** n) & mask, n) % 2)


def _from_pauli_op(op: SparsePauliOp, n: int, label: str) -> Observable:
    if op.num_qubits != n:
        raise SpecError("observable", label,
                        reason=f"acts on {op.num_qubits} qubits but the circuit has {n}; pass a "
                               "callable num_qubits -> SparsePauliOp to sweep several widths")
    op = op.simplify()
    if not np.allclose(op.coeffs.imag, 0.0):
        raise SpecError("observable", label, reason="must be Hermitian (real Pauli coefficients)")
    coeffs = op.coeffs.real
    identity = ~(op.paulis.x.any(axis=1) | op.paulis.z.any(axis=1))
    traceless_sq = (2.0 ** n) * float(np.sum(coeffs[~identity] ** 2))
    if not op.paulis.x.any():
        # Diagonal: each Z string is a ±1 sign pattern over the basis states.
        diag = np.zeros(2 ** n)
        for z, c in zip(op.paulis.z, coeffs):
            diag += c * _z_signs(n, np.flatnonzero(z))
        obs = Observable(n, label, traceless_sq, diag=diag)
    else:
        obs = Observable(n, label, traceless_sq, matrix=op.to_matrix(sparse=True))
    obs._op = op
    return obs


def resolve(observable, num_qubits: int) -> Observable:
    """An :class:`Observable` from a name, a ``SparsePauliOp`` or a callable ``n -> op``."""
    n = num_qubits
    d = 2 ** n
    if isinstance(observable, str):
        if observable == "global":
            diag = np.zeros(d)
            diag[0] = 1.0
            return Observable(n, "global", 1.0 - 1.0 / d, diag=diag)
        if observable == "local":
            diag = (n - _popcount(np.arange(d), n)) / n  # fraction of qubits in |0>
            return Observable(n, "local", d / (4.0 * n), diag=diag.astype(float))
        if observable == "zz":
            if n < 2:
                raise SpecError("observable", observable,
                                reason=f"needs at least 2 qubits, got {n}")
            return Observable(n, "zz", float(d), diag=_z_signs(n, (0, 1)))
        raise SpecError("observable", observable, list(OBSERVABLES) + ["a SparsePauliOp",
                        "a callable num_qubits -> SparsePauliOp"],
                        reason="is not a known observable")
    if isinstance(observable, SparsePauliOp):
        return _from_pauli_op(observable, n, label_of(observable))
    if callable(observable):
        op = observable(n)
        if not isinstance(op, SparsePauliOp):
            raise SpecError("observable", observable,
                            reason=f"returned {type(op).__name__} for {n} qubits; "
                                   "it must return a SparsePauliOp")
        return _from_pauli_op(op, n, label_of(observable))
    raise SpecError("observable", observable, list(OBSERVABLES) + ["a SparsePauliOp",
                    "a callable num_qubits -> SparsePauliOp"], reason="is not a known observable")


def label_of(observable) -> str:
    if isinstance(observable, str):
        return observable
    if isinstance(observable, SparsePauliOp):
        terms = [f"{c.real:+.3g}·{p}" for p, c in zip(observable.paulis.to_labels(),
                                                    observable.coeffs)]
        text = " ".join(terms[:3]) + (" …" if len(terms) > 3 else "")
        return text.lstrip("+")
    return getattr(observable, "__name__", type(observable).__name__)
