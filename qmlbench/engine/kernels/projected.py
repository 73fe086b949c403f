"""The projected quantum kernel of Huang et al. 2021 ("Power of data in quantum machine
learning", Eq. 9):

    k(x, x') = exp(-gamma sum_k ||rho_k(x) - rho_k(x')||_F^2)

where ``rho_k(x)`` is the reduced state of qubit k after the feature map.  A one-qubit state is
``(I + r.sigma) / 2`` with Bloch vector ``r = (<X>, <Y>, <Z>)``, so
``||rho - sigma||_F^2 = |r - s|^2 / 2`` and the kernel is a Gaussian kernel on the 3n
single-qubit Pauli expectations.  Those come from one batched ``expectation_values`` call on
the execution seam (the exact fast path by default; shots, noise or a user primitive when the
evaluator says so), never from 4^n-sized density matrices.
"""

from __future__ import annotations

import numpy as np
from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp

from .. import execution
from ..errors import DataError, SpecError
from ..options import Option
from .matrix import _as_points

__all__ = ["single_qubit_paulis", "bloch_vectors", "projected_matrix", "projected_kernel_matrix",
           "scale_gamma", "check_gamma"]


def single_qubit_paulis(num_qubits: int) -> list[SparsePauliOp]:
    """X_k, Y_k, Z_k for every qubit k, in that order (qubit-major)."""
    return [SparsePauliOp.from_sparse_list([(p, [k], 1.0)], num_qubits)
            for k in range(num_qubits) for p in "XYZ"]


def bloch_vectors(feature_map: QuantumCircuit, X, evaluator=None) -> np.ndarray:
    """``(n_points, num_qubits, 3)``: the Bloch vector of each qubit's reduced state at each
    row of ``X`` (one batched evaluation of the 3n Pauli expectations)."""
    X = _as_points("X", X, feature_map.num_parameters)
    ev = evaluator if evaluator is not None else execution.evaluator_for()
    n = feature_map.num_qubits
    values = np.asarray(ev.expectation_values(feature_map, single_qubit_paulis(n), X), float)
    return values.reshape(X.shape[0], n, 3)


def _flat(b) -> np.ndarray:
    b = np.asarray(b, dtype=float)
    if b.ndim != 3 or b.shape[2] != 3:
        raise DataError(f"Bloch vectors: expected shape (n_points, num_qubits, 3), got {b.shape}")
    return b.reshape(b.shape[0], -1)


#: The bandwidth: at gamma <= 0 the "kernel" exp(+|gamma| d^2) grows with the distance and is
#: not positive semidefinite, so only gamma > 0 is taken.
GAMMA = Option("gamma", "float", 1.0, low=0.0, low_open=True,
               help="bandwidth of exp(-gamma * sum_k ||rho_k(x) - rho_k(x')||^2)")


def check_gamma(gamma, field: str = "gamma") -> float:
    """``gamma`` as a float; a :class:`SpecError` unless it is a finite number > 0."""
    return float(GAMMA.check(gamma, field))


def projected_matrix(bloch_x, bloch_y=None, gamma: float = 1.0) -> np.ndarray:
    """The kernel from Bloch vectors: ``exp(-gamma * sum_k |r_k - s_k|^2 / 2)``.

    ``bloch_y=None`` means X against X: the matrix is then exactly symmetric with ones on the
    diagonal (the squared distances are computed once for the upper triangle and mirrored)."""
    gamma = check_gamma(gamma)
    a = _flat(bloch_x)
    b = a if bloch_y is None else _flat(bloch_y)
    if a.shape[1] != b.shape[1]:
        raise DataError(f"Bloch vectors: {a.shape[1] // 3} and {b.shape[1] // 3} qubits differ")
    sq = (a * a).sum(axis=1)[:, None] + (b * b).sum(axis=1)[None, :] - 2.0 * (a @ b.T)
    np.maximum(sq, 0.0, out=sq)    # rounding can leave -1e-16 where two points coincide
    if bloch_y is None:
        upper = np.triu(sq, 1)
        sq = upper + upper.T        # exactly symmetric, zero distance to itself
    return np.exp(-float(gamma) * 0.5 * sq)


def scale_gamma(bloch_train) -> float:
    """The default bandwidth Bowles et al. 2024 use: 1 / (n_qubits * Var) over all training
    Pauli expectations, for their exponent ``sum_P (<P> - <P>')^2``, which is twice
    ``sum_k ||rho_k - rho_k'||_F^2``: so 2 / (n_qubits * Var) here."""
    a = _flat(bloch_train)
    var = float(np.var(a))
    n = a.shape[1] // 3
    return 2.0 / (n * var) if var > 0 else 1.0


#: The projected model's bandwidth settings by default (``model.params``).
BANDWIDTH_DEFAULTS = {"gamma": "scale", "gamma_factor": 1.0}


def bandwidth(bloch_train, gamma="scale", gamma_factor: float = 1.0,
              field: str = "model.params.gamma") -> float:
    """The bandwidth a projected-kernel model learns from its training Bloch vectors:
    ``gamma`` (a number > 0, or ``"scale"``: :func:`scale_gamma`) times ``gamma_factor``."""
    if isinstance(gamma, str) and gamma == "scale":
        return scale_gamma(bloch_train) * float(gamma_factor)
    try:
        base = check_gamma(gamma, field)
    except SpecError:
        raise SpecError(field, gamma, reason="must be 'scale' or a number > 0 (the kernel's "
                                             "bandwidth)") from None
    return base * float(gamma_factor)


def projected_kernel_matrix(feature_map: QuantumCircuit, X, Y=None, gamma: float = 1.0,
                            evaluator=None) -> np.ndarray:
    """``k(X_i, Y_j)`` of the projected kernel on ``feature_map`` (``Y=None``: X against X)."""
    bx = bloch_vectors(feature_map, X, evaluator)
    by = None if Y is None else bloch_vectors(feature_map, Y, evaluator)
    return projected_matrix(bx, by, gamma)
