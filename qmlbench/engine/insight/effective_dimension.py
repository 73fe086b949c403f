"""Effective dimension (Abbas et al. 2021, Nat. Comput. Sci. 1, 403), exactly as
qiskit-machine-learning 0.9's ``EffectiveDimension`` defines it, from batched exact
gradients through the execution seam.

For weight samples ``θ_i`` (M of them) and inputs ``x_j`` (N), the per-sample Fisher
information is ``F_ij = sum_k ∇p_k ∇p_k^T / p_k`` over the model's output
probabilities ``p_k`` (an EstimatorQNN's output ``f`` is read, as qiskit-ml does, as
``p = ((1 + f)/2, (1 - f)/2)`` with gradients ``(∇f/2, -∇f/2)``; zero probabilities
are left out).  The normalised Fisher is ``F̂_i = d · mean_j F_ij / tr(mean_ij F_ij)``
and, with ``κ_n = n / (2π ln n)``,

    d_eff(n) = 2 [logsumexp_i( ½ ln det(I + κ_n F̂_i) ) - ln M] / ln κ_n.

Defaults draw the samples as qiskit-ml does (weights uniform on [0, 1), then inputs
standard normal, from one ``numpy.random.default_rng(seed)``), so the same seed gives
the same samples as qiskit-ml with ``algorithm_globals.random_seed = seed``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from .. import execution
from ..errors import DataError, SpecError
from .common import InsightResult, check_count, check_seed, states_per_chunk
from .network import Network, network_of

__all__ = ["EffectiveDimensionResult", "effective_dimension", "fisher_information",
           "effective_dimension_from_fisher", "network_outputs"]


@dataclass
class EffectiveDimensionResult(InsightResult):
    """``values[i]``: the effective dimension at ``dataset_sizes[i]``; ``normalized``:
    ``values / num_weights``; ``eigenvalues``: the normalised Fisher's spectrum per weight
    sample ``(weight_samples, num_weights)``."""

    dataset_sizes: np.ndarray
    values: np.ndarray
    normalized: np.ndarray
    num_weights: int
    weight_samples: int
    input_samples: int
    fisher_trace: float
    eigenvalues: np.ndarray
    network: str = ""
    seed: int | None = 0
    seconds: float = float("nan")
    path: str = ""


def _samples(value, name, shape_cols, draw):
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return draw(check_count(name, value, 1))
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"{name}: must be an integer or an array of numbers") from None
    if arr.ndim != 2 or arr.shape[1] != shape_cols or arr.shape[0] == 0:
        raise DataError(f"{name}: expected an integer or an array of shape (rows, {shape_cols}); "
                        f"got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise DataError(f"{name}: contains NaN or infinite entries")
    return arr


def network_outputs(net: Network, values: np.ndarray, evaluator=None):
    """``(probabilities (B, K'), their weight gradients (B, K', d))`` of the network at
    ``values`` rows, in chunks of the memory budget (an estimator's outputs mapped to two
    probabilities each, as qiskit-ml does)."""
    ev = evaluator if evaluator is not None else execution.evaluator_for()
    k = len(net.observables)
    size = states_per_chunk(net.circuit.num_qubits, copies=4 + k)
    outs, grads = [], []
    for start in range(0, values.shape[0], size):
        rows = values[start:start + size]
        outs.append(ev.expectation_values(net.circuit, net.observables, rows))
        grads.append(ev.gradients(net.circuit, net.observables, rows, wrt=net.weight_cols))
    f, g = np.concatenate(outs), np.concatenate(grads)
    if net.kind == "estimator":
        return np.concatenate([(1 + f) / 2, (1 - f) / 2], 1), np.concatenate([g / 2, -g / 2], 1)
    return f, g


def fisher_information(probs: np.ndarray, grads: np.ndarray) -> np.ndarray:
    """``sum_k ∇p_k ∇p_k^T / p_k`` per row -> ``(B, d, d)`` (p clipped at 0, zeros left out)."""
    p = np.clip(probs, 0.0, None)[:, :, None]
    v = np.divide(grads, np.sqrt(p), out=np.zeros_like(grads), where=p > 0)
    return np.einsum("bki,bkj->bij", v, v)


def effective_dimension_from_fisher(fisher: np.ndarray, weight_samples: int, dataset_sizes):
    """``(values, normalised Fisher (M, d, d), trace)`` from per-row Fisher matrices laid
    out weight sample by weight sample (rows ``i*N .. (i+1)*N - 1`` share weight sample i)."""
    d = fisher.shape[-1]
    trace = float(np.trace(fisher.mean(axis=0)))
    avg = fisher.reshape(weight_samples, -1, d, d).mean(axis=1)
    normalized = d * avg / trace
    n = np.asarray(dataset_sizes, dtype=float)
    kappa = n / (2 * np.pi * np.log(n))
    dets = np.linalg.slogdet(np.eye(d)[None, None] + kappa[:, None, None, None]
                             * normalized[None])[1]           # (sizes, M)
    values = 2 * (logsumexp(dets / 2, axis=1) - np.log(weight_samples)) / np.log(kappa)
    return values, normalized, trace


def effective_dimension(model, dataset_sizes=(5000,), weight_samples=10, input_samples=10,
                        seed: int | None = 0, evaluator=None) -> EffectiveDimensionResult:
    """Global effective dimension of ``model`` (a qmlbench variational model or a qiskit-ml
    EstimatorQNN/SamplerQNN) at each of ``dataset_sizes``.

    ``weight_samples``/``input_samples``: counts (drawn as qiskit-ml does: weights uniform
    on [0, 1), inputs standard normal) or arrays ``(M, num_weights)``/``(N, num_inputs)``.
    """
    started = time.perf_counter()
    seed = check_seed(seed)
    sizes = np.atleast_1d(np.asarray(dataset_sizes))
    if sizes.ndim != 1 or sizes.size == 0 or not np.issubdtype(sizes.dtype, np.number) \
            or np.any(sizes != np.round(sizes)) or np.any(sizes < 3):
        raise SpecError("dataset_sizes", dataset_sizes,
                        reason="must be integers >= 3 (a size n needs n > 2π ln n, i.e. "
                               "n >= 20, for κ_n > 1)")
    if np.any(sizes / (2 * np.pi * np.log(sizes)) <= 1):
        raise SpecError("dataset_sizes", sizes.tolist(),
                        reason="must be large enough that n / (2π ln n) > 1 (n >= 20)")
    num_features = None
    if not isinstance(input_samples, (int, np.integer)):
        num_features = np.shape(input_samples)[-1] if np.ndim(input_samples) == 2 else None
    net = network_of(model, num_features)
    if net.num_weights == 0:
        raise SpecError("model", net.label, reason="has no trainable weights")
    rng = np.random.default_rng(seed)
    weights = _samples(weight_samples, "weight_samples", net.num_weights,
                       lambda m: rng.uniform(0, 1, size=(m, net.num_weights)))
    inputs = _samples(input_samples, "input_samples", net.num_inputs,
                      lambda m: rng.normal(0, 1, size=(m, net.num_inputs)))
    m, n_in = weights.shape[0], inputs.shape[0]
    values = np.vstack([net.values(inputs, w) for w in weights])
    ev = evaluator if evaluator is not None else execution.evaluator_for()
    probs, grads = network_outputs(net, values, ev)
    fisher = fisher_information(probs, grads)
    eff, normalized, trace = effective_dimension_from_fisher(fisher, m, sizes)
    eig = np.linalg.eigvalsh(0.5 * (normalized + normalized.transpose(0, 2, 1)))
    return EffectiveDimensionResult(
        dataset_sizes=sizes.astype(int), values=eff, normalized=eff / net.num_weights,
        num_weights=net.num_weights, weight_samples=m, input_samples=n_in, fisher_trace=trace,
        eigenvalues=eig, network=net.label, seed=seed, seconds=time.perf_counter() - started,
        path=getattr(ev, "path", ""))
