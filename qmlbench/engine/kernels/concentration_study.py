"""Exponential concentration of fidelity kernels (Thanasilp et al. 2022).

The kernel counterpart of the barren plateau: as the feature map grows wider,
the fidelity ``|<psi(x)|psi(x')>|^2`` between two random inputs concentrates
around its mean, so every off-diagonal Gram entry looks alike and the kernel
cannot tell points apart (with shots, not at all).  A feature map that forms
a 2-design over the data reaches the Haar values: mean ``1/d`` and variance
``(d - 1) / (d^2 (d + 1))`` with ``d = 2**n``.

Pairs are simulated in batches that keep their statevectors within
``limits.MEMORY_BUDGET_BYTES`` (at 20 qubits, 500 pairs would otherwise be
one 15.6 GiB array); one pair that cannot fit in free memory is refused with a
:class:`~qmlbench.engine.errors.CapacityError` that says how much it needs.

Each sample is a fidelity between two *independent* random inputs, so the
samples are i.i.d. and the variance's standard error follows from the fourth
central moment (the off-diagonal entries of one Gram matrix are not independent).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from .. import circuits, distributed, execution, limits
from ..errors import CapacityError, SpecError
from ..stats import fit_decay, variance_stderr


def haar_moments(num_qubits: int) -> tuple[float, float]:
    """Mean and variance of ``|<a|b>|^2`` for two Haar-random states on ``num_qubits``."""
    d = 2.0 ** num_qubits
    return 1.0 / d, (d - 1.0) / (d * d * (d + 1.0))


@dataclass
class ConcentrationResult:
    """Per width: the mean and variance of the kernel value between random inputs."""

    feature_map: str
    reps: int
    entanglement: str
    qubits: list
    samples: int
    data_range: list
    means: list
    variances: list
    stderr: list
    haar_means: list
    haar_variances: list
    decay_rate: float
    decay_rate_stderr: float
    seed: int | None = 0
    seconds: float = 0.0
    path: str = ""
    options: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    @classmethod
    def from_dict(cls, data: dict) -> "ConcentrationResult":
        return cls(**data)

    def to_rows(self) -> list[dict]:
        return [{"feature_map": self.feature_map, "reps": self.reps, "qubits": q,
                 "samples": self.samples, "mean": m, "variance": v, "stderr": s,
                 "haar_mean": hm, "haar_variance": hv}
                for q, m, v, s, hm, hv in zip(self.qubits, self.means, self.variances,
                                              self.stderr, self.haar_means, self.haar_variances)]


#: Statevector copies alive per simulated state while a batch runs (the batch itself, and
#: the simulator's working arrays); batches are sized so all of them fit the budget.
_COPIES_PER_STATE = 4


def pairs_per_batch(num_qubits: int, budget_bytes: int | None = None) -> int:
    """Input pairs per batch so their states (two per pair) stay within the memory budget."""
    budget = limits.MEMORY_BUDGET_BYTES if budget_bytes is None else budget_bytes
    per_pair = 2 * _COPIES_PER_STATE * 16 * 2 ** num_qubits
    return max(1, int(budget // per_pair))


def _size(nbytes: float) -> str:
    return f"{nbytes / 2**30:.1f} GiB" if nbytes >= 2**30 else f"{nbytes / 2**20:.0f} MiB"


def _pair_fidelities(ev, circuit, xa, xb) -> np.ndarray:
    n = circuit.num_qubits
    need = 2 * _COPIES_PER_STATE * 16 * 2 ** n
    free = limits.available_memory_bytes()
    if free is not None and need > free:
        raise CapacityError(
            f"qubits: {n} needs about {_size(need)} for one pair of states but only "
            f"{_size(free)} of memory is free; use fewer qubits")
    step = pairs_per_batch(n)
    k = np.empty(len(xa))
    for start in range(0, len(xa), step):
        sl = slice(start, start + step)
        sv = ev.statevectors(circuit, np.vstack([xa[sl], xb[sl]]))
        m = len(xa[sl])
        overlap = np.einsum("bi,bi->b", sv[:m].conj(), sv[m:])
        k[sl] = overlap.real ** 2 + overlap.imag ** 2
        del sv
    return k


def _width_stats(circuit, x, samples):
    """Mean, variance and its standard error of the kernel over one width's input pairs (a
    task of its own, so widths can run on a pool or a Dask cluster)."""
    ev = execution.evaluator_for()
    k = _pair_fidelities(ev, circuit, x[:samples], x[samples:])
    return float(k.mean()), float(k.var(ddof=1)), variance_stderr(k), ev.path


def concentration(feature_map: str = "zz", qubits=(2, 4, 6, 8), reps: int = 2,
                  entanglement: str = "linear", samples: int = 500,
                  data_range=(0.0, 2 * math.pi), seed: int | None = 0,
                  options: dict | None = None, executor=None) -> ConcentrationResult:
    """How the fidelity kernel of a registry feature map concentrates with width.

    For each width, ``samples`` pairs of inputs are drawn uniformly from
    ``data_range`` in every feature; the result holds the mean and variance of
    their kernel values, the variance's standard error, the Haar (2-design)
    values for comparison, and the fitted slope of ln(variance) per qubit.

    ``executor`` (a ``concurrent.futures.Executor``, a ``dask.distributed.Client`` or a
    scheduler address) computes the widths in parallel; the inputs are drawn here, in
    order, so the result equals the serial one exactly.
    """
    started = time.perf_counter()
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 4:
        raise SpecError("samples", samples, reason="must be an integer >= 4")
    widths = [qubits] if isinstance(qubits, int) else list(qubits)
    if not widths or any(isinstance(q, bool) or not isinstance(q, int) or q < 1 for q in widths):
        raise SpecError("qubits", qubits, reason="must be positive integers")
    low, high = (float(v) for v in data_range)
    if not high > low:
        raise SpecError("data_range", list(data_range), reason="must be (low, high) with high > low")
    for n in widths:
        execution.check_width(n)
    rng = np.random.default_rng(seed)
    executor = distributed.as_executor(executor)
    tasks = []
    for n in widths:
        circuit = circuits.feature_map(feature_map, n, reps=reps, entanglement=entanglement,
                                       **(options or {}))
        tasks.append((circuit, rng.uniform(low, high, (2 * samples, circuit.num_parameters))))
    if executor is None:
        stats = [_width_stats(circuit, x, samples) for circuit, x in tasks]
    else:
        stats = [f.result() for f in [executor.submit(_width_stats, circuit, x, samples)
                                      for circuit, x in tasks]]
    means, variances, stderr, haar_m, haar_v = [], [], [], [], []
    for n, (m, v, s, path) in zip(widths, stats):
        means.append(m)
        variances.append(v)
        stderr.append(s)
        hm, hv = haar_moments(n)
        haar_m.append(hm)
        haar_v.append(hv)
    rate, rate_err = fit_decay(widths, variances, stderr)
    return ConcentrationResult(
        feature_map=feature_map, reps=reps, entanglement=entanglement, qubits=widths,
        samples=samples, data_range=[low, high], means=means, variances=variances,
        stderr=stderr, haar_means=haar_m, haar_variances=haar_v, decay_rate=rate,
        decay_rate_stderr=rate_err, seed=seed, seconds=time.perf_counter() - started,
        path=stats[0][3],
        options=dict(options or {}))
