"""Entangling capability (Sim et al. 2019): the mean Meyer-Wallach measure
``Q = 2 (1 - (1/n) sum_k Tr rho_k^2)`` over random parameter sets (Meyer & Wallach 2002,
in Brennen's form), 0 for product states, 1 for GHZ.  For Haar-random states
``E[Q] = (2^n - 2) / (2^n + 1)``.

Each sample's Q is computed from its statevector (the single-qubit reduced density
matrices by a reshape and one contraction); samples are independent, so the standard
error is the sample standard deviation over sqrt(samples).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from .. import execution
from .common import (InsightResult, check_circuit, check_count, check_seed, draw_values,
                     map_states)

__all__ = ["EntanglementResult", "entangling_capability", "haar_meyer_wallach",
           "meyer_wallach", "single_qubit_purities"]


def single_qubit_purities(states: np.ndarray) -> np.ndarray:
    """``Tr rho_k^2`` for every qubit ``k`` (qiskit's order) of statevectors ``(B, 2**n)``
    -> ``(B, n)``."""
    sv = np.asarray(states)
    if sv.ndim == 1:
        sv = sv[None, :]
    b, dim = sv.shape
    n = int(round(math.log2(dim)))
    out = np.empty((b, n))
    for k in range(n):
        # index = hi * 2^(k+1) + bit_k * 2^k + lo
        a = sv.reshape(b, 2 ** (n - k - 1), 2, 2 ** k).transpose(0, 2, 1, 3).reshape(b, 2, -1)
        rho = np.einsum("bim,bjm->bij", a, a.conj())
        out[:, k] = np.sum(np.abs(rho) ** 2, axis=(1, 2))
    return out


#: Q below this is round-off of a product state (purities are sums of ~2^n products).
ROUND_OFF = 1e-12


def meyer_wallach(states: np.ndarray) -> np.ndarray:
    """Meyer-Wallach Q of each statevector ``(B, 2**n)`` -> ``(B,)``."""
    pur = single_qubit_purities(states)
    return 2.0 * (1.0 - pur.mean(axis=1))


def haar_meyer_wallach(num_qubits: int) -> float:
    """``E[Q]`` over Haar-random states of ``num_qubits`` qubits."""
    d = 2.0 ** num_qubits
    return float((d - 2.0) / (d + 1.0))


@dataclass
class EntanglementResult(InsightResult):
    """``value`` ± ``stderr``: the mean Q; ``haar``: the Haar mean; ``purities``: the mean
    ``Tr rho_k^2`` per qubit; ``histogram`` of Q on ``bin_edges`` (20 bins of [0, 1])."""

    value: float
    stderr: float
    haar: float
    num_qubits: int
    samples: int
    std: float
    purities: np.ndarray
    bin_edges: np.ndarray
    histogram: np.ndarray
    inputs: str = "uniform"
    seed: int | None = 0
    seconds: float = float("nan")
    path: str = ""
    circuit: str = ""


def entangling_capability(circuit, samples: int = 1000, seed: int | None = 0, inputs=None,
                          evaluator=None) -> EntanglementResult:
    """Mean Meyer-Wallach Q of the circuit's states over random parameters (uniform on
    [0, 2π)); ``inputs`` as in :func:`~.expressibility.expressibility`."""
    started = time.perf_counter()
    check_circuit(circuit)
    samples = check_count("samples", samples, 2)
    seed = check_seed(seed)
    ev = evaluator if evaluator is not None else execution.evaluator_for()
    rng = np.random.default_rng(seed)
    values, how = draw_values(circuit, samples, rng, inputs)
    pur = map_states(ev, circuit, values, single_qubit_purities)
    q = np.clip(2.0 * (1.0 - pur.mean(axis=1)), 0.0, 1.0)
    # a product state's Q is 0 exactly; purities summed in floating point leave ~1e-16,
    # which the badge showed as "Q 1.5e-16 ± 2e-17" for a one-qubit circuit
    q[q < ROUND_OFF] = 0.0
    edges = np.linspace(0.0, 1.0, 21)
    counts = np.bincount(np.minimum((q * 20).astype(int), 19), minlength=20)
    return EntanglementResult(
        value=float(q.mean()), stderr=float(q.std(ddof=1) / math.sqrt(samples)),
        haar=haar_meyer_wallach(circuit.num_qubits), num_qubits=circuit.num_qubits,
        samples=samples, std=float(q.std(ddof=1)), purities=pur.mean(axis=0),
        bin_edges=edges, histogram=counts / samples, inputs=how, seed=seed,
        seconds=time.perf_counter() - started, path=getattr(ev, "path", ""),
        circuit=circuit.name)
