"""Expressibility (Sim, Johnson & Aspuru-Guzik 2019, Adv. Quantum Technol. 2, 1900070).

Draw ``samples`` independent pairs of parameter sets, take the fidelities
``F = |<psi(θ)|psi(φ)>|^2``, histogram them on ``bins`` equal bins of [0, 1] and report
the Kullback-Leibler divergence (natural log) ``KL(P_circuit || P_Haar)`` from the
Haar distribution ``P_Haar(F) = (N - 1)(1 - F)^(N - 2)``, ``N = 2**n``.  Lower is more
expressive; an idle circuit (every fidelity 1) scores the largest value possible,
``(N - 1) ln(bins)``.

Haar bin masses ``(1 - a)^(N-1) - (1 - b)^(N-1)`` are computed in log space as
``(N-1) log1p(-a) + log(-expm1((N-1)(log1p(-b) - log1p(-a))))``: the plain difference
underflows to 0 from N >= 16 on (bins past the first hold less than 1e-308 of the mass),
which would make the divergence infinite.

Uncertainty (``stderr``): the estimator is a function of the multinomial bin counts.
The delta method gives ``Var ≈ Var_p[ln(p/q)] / S`` (``p`` the histogram, ``q`` the Haar
masses, ``S`` pairs); near the Haar distribution that first-order term vanishes and the
second-order one, ``2 S · KL ≈ χ²_{K-1}`` (K occupied bins), adds ``(K - 1) / (2 S²)``.
``stderr`` is the square root of the sum.  ``haar`` is what Haar-random states would
score with the same ``S`` and ``bins``: the exact expectation of the estimator under
``q`` (a sum over bins of binomial expectations; about ``(K - 1) / (2 S)``), the finite
sample floor under which no circuit can be told from Haar (the S -> ∞ value is 0).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import binom

from .. import execution
from .common import (InsightResult, check_circuit, check_count, check_seed, draw_values,
                     map_states)

__all__ = ["ExpressibilityResult", "expressibility", "haar_bin_log_masses", "haar_bin_masses",
           "haar_density", "kl_divergence", "kl_stderr", "expected_kl", "idle_value",
           "fidelity_histogram", "pair_fidelities"]


def _log_survival(num_states: int, a: np.ndarray) -> np.ndarray:
    """ln (1 - a)^(N-1), -inf at a = 1."""
    with np.errstate(divide="ignore"):
        return (num_states - 1) * np.log1p(-np.asarray(a, dtype=float))


def haar_bin_log_masses(num_qubits: int, bins: int) -> np.ndarray:
    """ln of the Haar probability of each fidelity bin ``[j/bins, (j+1)/bins)``."""
    n_states = 2 ** int(num_qubits)
    edges = np.linspace(0.0, 1.0, bins + 1)
    la, lb = _log_survival(n_states, edges[:-1]), _log_survival(n_states, edges[1:])
    if n_states == 1:  # one state: every fidelity is 1, all Haar mass in the last bin
        out = np.full(bins, -np.inf)
        out[-1] = 0.0
        return out
    with np.errstate(invalid="ignore", over="ignore"):
        return la + np.log(-np.expm1(lb - la))


def haar_bin_masses(num_qubits: int, bins: int) -> np.ndarray:
    return np.exp(haar_bin_log_masses(num_qubits, bins))


def haar_density(num_qubits: int, fidelity) -> np.ndarray:
    """``(N - 1)(1 - F)^(N - 2)``, the density of Haar fidelities (for plotting)."""
    n_states = 2 ** int(num_qubits)
    f = np.asarray(fidelity, dtype=float)
    return (n_states - 1) * np.exp((n_states - 2) * np.log1p(-np.clip(f, 0.0, 1.0 - 1e-300)))


def idle_value(num_qubits: int, bins: int) -> float:
    """The divergence when every fidelity is 1 (an idle circuit): ``(N - 1) ln(bins)``,
    the largest any circuit can score."""
    return float((2 ** int(num_qubits) - 1) * math.log(bins))


def fidelity_histogram(fidelities, bins: int) -> np.ndarray:
    """Counts per bin of [0, 1]; F = 1 falls in the last bin."""
    f = np.clip(np.asarray(fidelities, dtype=float), 0.0, 1.0)
    idx = np.minimum((f * bins).astype(int), bins - 1)
    return np.bincount(idx, minlength=bins)


def kl_divergence(p: np.ndarray, log_q: np.ndarray) -> float:
    """``sum_j p_j (ln p_j - ln q_j)`` over the bins where ``p_j > 0``."""
    p = np.asarray(p, dtype=float)
    on = p > 0
    return float(np.sum(p[on] * (np.log(p[on]) - log_q[on])))


def kl_stderr(p: np.ndarray, log_q: np.ndarray, samples: int) -> float:
    """Delta method on the multinomial bin counts, with the second-order term (module
    docstring): ``sqrt(Var_p[ln(p/q)] / S + (K - 1) / (2 S^2))``."""
    p = np.asarray(p, dtype=float)
    on = p > 0
    g = np.log(p[on]) - log_q[on]
    first = float(np.sum(p[on] * g ** 2) - np.sum(p[on] * g) ** 2) / samples
    second = (int(on.sum()) - 1) / (2.0 * samples ** 2)
    return math.sqrt(max(first, 0.0) + max(second, 0.0))


def expected_kl(p_true: np.ndarray, log_q: np.ndarray, samples: int) -> float:
    """Exact expectation of the estimated divergence from ``samples`` fidelities drawn from
    bin probabilities ``p_true``: each bin's count is Binomial(S, p_j) and the estimator is
    a sum of per-bin terms, so the expectation is a sum of binomial sums."""
    total = 0.0
    for pj, lq in zip(np.asarray(p_true, dtype=float), log_q):
        if pj <= 0:
            continue
        sd = math.sqrt(samples * pj * (1 - pj))
        lo = max(1, int(samples * pj - 12 * sd - 12))
        hi = min(samples, int(samples * pj + 12 * sd + 12))
        c = np.arange(lo, hi + 1)
        phat = c / samples
        total += float(np.sum(binom.pmf(c, samples, pj) * phat * (np.log(phat) - lq)))
    return total


@dataclass
class ExpressibilityResult(InsightResult):
    """``value`` ± ``stderr`` (nats); ``haar``: what Haar-random states score at this sample
    count; ``idle``: the largest value, ``(N-1) ln(bins)``; ``histogram``/``haar_histogram``:
    the circuit's and Haar's probability per bin on ``bin_edges``."""

    value: float
    stderr: float
    haar: float
    idle: float
    num_qubits: int
    samples: int
    bins: int
    bin_edges: np.ndarray
    histogram: np.ndarray
    haar_histogram: np.ndarray
    mean_fidelity: float
    inputs: str = "uniform"
    seed: int | None = 0
    seconds: float = float("nan")
    path: str = ""
    circuit: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def relative(self) -> float:
        """``value / idle``: 0 for Haar, 1 for an idle circuit (a badge's scale)."""
        return float(self.value / self.idle) if self.idle > 0 else float("nan")


def pair_fidelities(evaluator, circuit, values_a: np.ndarray, values_b: np.ndarray) -> np.ndarray:
    """``|<psi(a_i)|psi(b_i)>|^2`` per row pair, in chunks that fit the memory budget."""
    def reduce(sv):
        m = sv.shape[0] // 2
        overlap = np.einsum("bi,bi->b", sv[:m].conj(), sv[m:])
        return overlap.real ** 2 + overlap.imag ** 2

    return map_states(evaluator, circuit, np.vstack([values_a, values_b]), reduce, group=2)


def expressibility(circuit, samples: int = 5000, bins: int = 75, seed: int | None = 0,
                   inputs=None, evaluator=None) -> ExpressibilityResult:
    """KL divergence of the circuit's fidelity distribution from Haar (module docstring).

    ``circuit``: any ``QuantumCircuit``; its parameters are drawn uniformly from [0, 2π)
    for each state.  ``inputs``: None (all parameters random: the expressibility of an
    ansatz), a vector (the circuit's inputs ``x[i]`` fixed there, the rest random) or a
    data matrix whose rows are drawn for the inputs (the expressibility of a feature map
    over a dataset).  ``evaluator``: from ``execution.evaluator_for`` (default exact).
    """
    started = time.perf_counter()
    check_circuit(circuit)
    samples = check_count("samples", samples, 2)
    bins = check_count("bins", bins, 1)
    seed = check_seed(seed)
    ev = evaluator if evaluator is not None else execution.evaluator_for()
    rng = np.random.default_rng(seed)
    values, how = draw_values(circuit, 2 * samples, rng, inputs)
    fid = pair_fidelities(ev, circuit, values[:samples], values[samples:])
    counts = fidelity_histogram(fid, bins)
    p = counts / samples
    log_q = haar_bin_log_masses(circuit.num_qubits, bins)
    q = np.exp(log_q)
    return ExpressibilityResult(
        value=kl_divergence(p, log_q), stderr=kl_stderr(p, log_q, samples),
        haar=expected_kl(q, log_q, samples), idle=idle_value(circuit.num_qubits, bins),
        num_qubits=circuit.num_qubits, samples=samples, bins=bins,
        bin_edges=np.linspace(0.0, 1.0, bins + 1), histogram=p, haar_histogram=q,
        mean_fidelity=float(fid.mean()), inputs=how, seed=seed,
        seconds=time.perf_counter() - started, path=getattr(ev, "path", ""),
        circuit=circuit.name)
