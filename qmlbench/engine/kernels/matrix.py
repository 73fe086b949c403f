"""Fidelity kernel matrices and their diagnostics.

A fidelity kernel ``K[i, j] = |<psi(x_i)|psi(y_j)>|^2`` needs one statevector
per data point and one matrix product, not one circuit per pair: that is the
whole speed story here.  :class:`FastKernel` puts the same computation behind
qiskit-machine-learning's kernel interface, so ``QSVC``, ``QSVR``,
``PegasosQSVC`` and ``QuantumKernelTrainer`` run on the fast path.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Sequence

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit_machine_learning.kernels import TrainableKernel

from .. import execution
from ..errors import DataError
from ..execution import circuit_digest

_CACHE_SIZE = 16

#: Statevectors one kernel matrix may hold at once (and cache); past it the matrix is
#: computed block by block.  400 points at 20 qubits would otherwise be 6.25 GiB.
KERNEL_MEMORY_BYTES = 2 ** 30
_cache: OrderedDict = OrderedDict()
_cache_lock = threading.Lock()


def _as_points(name, X, num_features) -> np.ndarray:
    try:
        arr = np.asarray(X, dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"{name}: must be a numeric array of shape (n_points, {num_features})") from None
    if arr.ndim == 1:
        arr = arr.reshape(1, -1) if num_features != 1 or arr.size == 1 else arr.reshape(-1, 1)
    if arr.ndim != 2 or arr.shape[1] != num_features:
        raise DataError(f"{name}: expected shape (n_points, {num_features}) to match the feature "
                        f"map's {num_features} parameters, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise DataError(f"{name}: contains NaN or infinite values")
    return arr


def feature_statevectors(feature_map: QuantumCircuit, X, evaluator=None) -> np.ndarray:
    """Statevectors ``(n_points, 2**n)`` of the feature map at each row of ``X``, cached by
    (circuit structure, data bytes) so train/test blocks and repeated calls reuse them."""
    X = _as_points("X", X, feature_map.num_parameters)
    ev = evaluator if evaluator is not None else execution.evaluator_for()
    digest = circuit_digest(feature_map)
    if digest is None:
        return ev.statevectors(feature_map, X)  # nothing that identifies it: never cache
    key = (digest, X.shape, hashlib.sha1(X.tobytes()).hexdigest(), ev.path)
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    sv = ev.statevectors(feature_map, X)
    sv.setflags(write=False)
    with _cache_lock:
        _cache[key] = sv
        # bounded in entries and in bytes: statevectors of wide circuits are large
        while len(_cache) > _CACHE_SIZE or (
                len(_cache) > 1 and sum(v.nbytes for v in _cache.values()) > KERNEL_MEMORY_BYTES):
            _cache.popitem(last=False)
    return sv


def fidelity_matrix(sv_x: np.ndarray, sv_y: np.ndarray | None = None) -> np.ndarray:
    """``|<a_i|b_j>|^2`` from two stacks of statevectors (one matrix product)."""
    symmetric = sv_y is None
    overlap = sv_x.conj() @ (sv_x if symmetric else sv_y).T
    K = overlap.real ** 2 + overlap.imag ** 2
    if symmetric:
        # a normalised state has fidelity exactly 1 with itself; keep it so for the SVM and stats
        np.fill_diagonal(K, 1.0)
    return K


_EVALUATOR_SEED = object()


def mixed_state_matrix(rho_x: np.ndarray, rho_y: np.ndarray | None = None) -> np.ndarray:
    """``Tr(rho_i sigma_j)`` from two stacks of density matrices ``(n, d, d)``: one matrix
    product of the flattened matrices (``Tr(rho sigma) = sum_ab rho_ab conj(sigma_ab)`` for
    Hermitian ``sigma``)."""
    fx = rho_x.reshape(rho_x.shape[0], -1)
    fy = fx if rho_y is None else rho_y.reshape(rho_y.shape[0], -1)
    return np.real(fx @ fy.conj().T)


def _noisy_kernel(feature_map, X, Y, ev):
    """``Tr(rho_i sigma_j)`` in blocks of density matrices kept within ``KERNEL_MEMORY_BYTES``."""
    return _blocks(X, Y, 16 * 4 ** feature_map.num_qubits,
                   lambda rows: ev.density_matrices(feature_map, rows), mixed_state_matrix)


def kernel_matrix(feature_map: QuantumCircuit, X, Y=None, evaluator=None,
                  seed=_EVALUATOR_SEED) -> np.ndarray:
    """Gram matrix of fidelities ``K[i, j] = |<psi(X_i)|psi(Y_j)>|^2``; ``Y=None`` means X vs X.

    Columns of ``X`` follow ``feature_map.parameters``.  For a train/test split call
    it twice (``kernel_matrix(fm, X_train)`` and ``kernel_matrix(fm, X_test, X_train)``):
    the training statevectors come from the cache the second time.  With an evaluator
    that has ``shots``, each entry is a compute-uncompute estimate; its noise is drawn
    with ``seed`` (by default the evaluator's seed).

    With a noisy evaluator (``evaluator_for({"noise": ...})``) the feature map prepares
    mixed states ``rho(x)`` and ``K[i, j] = Tr(rho(X_i) rho(Y_j))``, the Hilbert-Schmidt
    inner product: for pure states it is exactly the fidelity kernel above (``Tr(|a><a|
    |b><b|) = |<a|b>|^2``), it is a Gram matrix of the vectorised ``rho``'s and so stays
    positive semi-definite (what an SVM needs; the Uhlmann fidelity of mixed states is not
    an inner product), and it is what the SWAP test estimates.  Its diagonal is the purity
    ``Tr(rho**2) <= 1``, which noise lowers (so it is not set to 1).  Readout errors do
    not enter: they act on measurements, not on the states compared.
    """
    X = _as_points("X", X, feature_map.num_parameters)
    Y = None if Y is None else _as_points("Y", Y, feature_map.num_parameters)
    if getattr(evaluator, "noise", None) is not None:
        K = _noisy_kernel(feature_map, X, Y, evaluator)
        shots = getattr(evaluator, "shots", None)
        if shots:
            if seed is _EVALUATOR_SEED:
                seed = getattr(evaluator, "seed", None)
            K = _sampled_overlaps(K, shots, seed, symmetric=Y is None)
        return K
    per_state = 16 * 2 ** feature_map.num_qubits
    points = X.shape[0] + (0 if Y is None else Y.shape[0])
    if points * per_state > KERNEL_MEMORY_BYTES:
        K = _blocked_kernel(feature_map, X, Y, evaluator, per_state)
    elif Y is None:
        K = fidelity_matrix(feature_statevectors(feature_map, X, evaluator))
    else:
        K = fidelity_matrix(feature_statevectors(feature_map, X, evaluator),
                            feature_statevectors(feature_map, Y, evaluator))
    shots = getattr(evaluator, "shots", None)
    if shots:
        if seed is _EVALUATOR_SEED:
            seed = getattr(evaluator, "seed", None)
        K = sampled_fidelities(K, shots, seed, symmetric=Y is None)
    return K


def _blocked_kernel(feature_map, X, Y, evaluator, per_state):
    """The Gram matrix block by block, so that the statevectors held at once stay within
    ``KERNEL_MEMORY_BYTES`` (each block's states are simulated again for every block
    they meet: slower, never a giant array)."""
    ev = evaluator if evaluator is not None else execution.evaluator_for()
    K = _blocks(X, Y, per_state, lambda rows: ev.statevectors(feature_map, rows), fidelity_matrix)
    if Y is None:
        np.fill_diagonal(K, 1.0)
    return K


def _blocks(X, Y, per_state: int, states, pairs) -> np.ndarray:
    """``pairs(states(X block), states(Y block))`` over blocks holding at most
    ``KERNEL_MEMORY_BYTES`` of states; ``Y=None`` fills the upper blocks and mirrors them."""
    step = max(1, KERNEL_MEMORY_BYTES // (2 * per_state))
    other = X if Y is None else Y
    K = np.empty((X.shape[0], other.shape[0]))
    for i in range(0, X.shape[0], step):
        si = states(X[i:i + step])
        for j in range(i if Y is None else 0, other.shape[0], step):
            sj = si if (Y is None and j == i) else states(other[j:j + step])
            block = pairs(si, sj)
            K[i:i + step, j:j + step] = block
            if Y is None:
                K[j:j + step, i:i + step] = block.T
    return K


def sampled_fidelities(K, shots: int, seed=None, symmetric=False) -> np.ndarray:
    """Shot noise of a compute-uncompute estimate: the all-zeros count out of ``shots`` is
    Binomial(shots, fidelity), so sampling it from the exact fidelity is the same experiment."""
    rng = np.random.default_rng(seed)
    noisy = rng.binomial(shots, np.clip(K, 0.0, 1.0)) / shots
    if symmetric:
        upper = np.triu(noisy, 1)
        noisy = upper + upper.T
        np.fill_diagonal(noisy, 1.0)
    return noisy


def _sampled_overlaps(K, shots, seed, symmetric):
    """SWAP-test shot noise: P(ancilla 0) = (1 + Tr(rho sigma)) / 2, Binomial in shots."""
    rng = np.random.default_rng(seed)
    p0 = np.clip((1.0 + K) / 2.0, 0.0, 1.0)
    noisy = 2.0 * rng.binomial(shots, p0) / shots - 1.0
    if symmetric:
        diag = np.diag(noisy).copy()
        upper = np.triu(noisy, 1)
        noisy = upper + upper.T
        np.fill_diagonal(noisy, diag)
    return noisy


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def kernel_stats(K, y=None) -> dict:
    """Diagnostics of a kernel matrix for the kernel view and kernel-concentration studies.

    Off-diagonal statistics (for a square Gram matrix the diagonal is excluded;
    concentration shows as the off-diagonal mean and variance shrinking towards
    ``1/2**n`` and 0), the spectrum, and the kernel-target alignment when labels
    ``y`` are given.
    """
    K = np.asarray(K, dtype=float)
    if K.ndim != 2:
        raise DataError(f"K: expected a 2-D kernel matrix, got shape {K.shape}")
    square = K.shape[0] == K.shape[1]
    if square and K.shape[0] > 1:
        off = K[~np.eye(K.shape[0], dtype=bool)]
    else:
        off = K.ravel()
    stats = {
        "shape": list(K.shape),
        "offdiag_mean": float(off.mean()) if off.size else float("nan"),
        "offdiag_var": float(off.var()) if off.size else float("nan"),
        "offdiag_std": float(off.std()) if off.size else float("nan"),
        "offdiag_min": float(off.min()) if off.size else float("nan"),
        "offdiag_max": float(off.max()) if off.size else float("nan"),
    }
    if square:
        sym = 0.5 * (K + K.T)
        eig = np.linalg.eigvalsh(sym)[::-1]
        stats["diag_mean"] = float(np.diag(K).mean())
        stats["eigenvalues"] = eig.tolist()
        stats["min_eigenvalue"] = float(eig[-1])
        total = eig.clip(min=0).sum()
        # participation ratio: how many directions the kernel effectively spans
        stats["effective_rank"] = float(total ** 2 / np.sum(eig.clip(min=0) ** 2)) if total > 0 else 0.0
        stats["is_psd"] = bool(eig[-1] >= -1e-10 * max(1.0, abs(eig[0])))
        if y is not None:
            stats["target_alignment"] = kernel_target_alignment(K, y)
    return stats


def kernel_target_alignment(K, y) -> float:
    """<K, yy^T>_F / (|K|_F |yy^T|_F) with labels mapped to +-1 (two classes) or used as is."""
    K = np.asarray(K, dtype=float)
    y = np.asarray(y).ravel()
    if y.shape[0] != K.shape[0]:
        raise DataError(f"y: has {y.shape[0]} labels but K has {K.shape[0]} rows")
    classes = np.unique(y)
    if classes.size == 2:
        t = np.where(y == classes[1], 1.0, -1.0)
    else:
        t = y.astype(float)
    T = np.outer(t, t)
    denom = np.linalg.norm(K) * np.linalg.norm(T)
    return float(np.sum(K * T) / denom) if denom > 0 else 0.0


class FastKernel(TrainableKernel):
    """qiskit-machine-learning kernel on qmlbench's exact batched path.

    ``FastKernel(feature_map)`` is a drop-in for ``FidelityStatevectorKernel`` (exact
    fidelities); with ``training_parameters`` it is a trainable kernel for
    ``QuantumKernelTrainer`` (bind them with ``assign_training_parameters``).
    """

    def __init__(self, feature_map: QuantumCircuit | None = None, *,
                 training_parameters: Sequence[Parameter] | None = None,
                 enforce_psd: bool = True, evaluator=None) -> None:
        super().__init__(feature_map=feature_map, training_parameters=training_parameters,
                         enforce_psd=enforce_psd)
        self.evaluator = evaluator
        params = list(self.feature_map.parameters)
        train = {p.name for p in (training_parameters or [])}
        unknown = train - {p.name for p in params}
        if unknown:
            raise DataError(f"training_parameters: {sorted(unknown)} are not parameters of the "
                            f"feature map")
        self._feature_parameters = [p for p in params if p.name not in train]
        self._num_features = len(self._feature_parameters)
        self._feature_columns = [i for i, p in enumerate(params) if p.name not in train]
        self._training_columns = {p.name: i for i, p in enumerate(params) if p.name in train}
        self._parameter_dict = {p: None for p in params}

    def _full_values(self, X: np.ndarray) -> np.ndarray:
        if not self._num_training_parameters:
            return X
        self._check_trainable_parameters()
        full = np.empty((X.shape[0], self.feature_map.num_parameters))
        full[:, self._feature_columns] = X
        for p in self._training_parameters:
            full[:, self._training_columns[p.name]] = float(self._parameter_dict[p])
        return full

    def evaluate(self, x_vec: np.ndarray, y_vec: np.ndarray | None = None) -> np.ndarray:
        x = _as_points("x_vec", x_vec, self._num_features)
        y = None if y_vec is None else _as_points("y_vec", y_vec, self._num_features)
        if y is not None and y.shape == x.shape and np.array_equal(x, y):
            y = None
        K = kernel_matrix(self.feature_map, self._full_values(x),
                          None if y is None else self._full_values(y), self.evaluator)
        if y is None and self._enforce_psd and getattr(self.evaluator, "shots", None):
            # shot noise can make a Gram matrix indefinite; exact fidelities are PSD already
            K = self._make_psd(K)
        return K
