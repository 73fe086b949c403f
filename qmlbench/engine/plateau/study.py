"""Barren-plateau studies: how the variance of a cost gradient falls with qubits and depth.

``gradient_variance`` draws ``samples`` random parameter sets per (qubits, layers)
point and takes the exact gradient of the cost for each, batched over samples, through
the execution seam like every other evaluation (forward mode for one parameter, the
adjoint method for all of them).  On the exact path rotations can take a per-sample
axis, which McClean's ensemble needs; the result's ``path`` names the path that ran and
``fallback_reason`` why it was not the batched one.

Initialisations (``init``):

* ``"uniform"``: every angle uniform on [0, 2π) (the default; McClean et al. 2018).
* ``"small"`` or ``("small", width)`` or ``{"name": "small", "width": w}``: angles
  drawn from a normal distribution of standard deviation ``width`` (default 0.1).
* ``"identity_block"``: Grant et al. 2019 (Quantum 3, 214).  The circuit becomes
  ``ceil(layers / 2)`` blocks, each one layer of the ansatz followed by its inverse
  (with its own, fresh parameters); the first half of each block is uniform and the
  inverse half starts equal to it, so the whole circuit starts as the identity.  A
  parameter early in a block then sees only a shallow circuit and its gradient does
  not vanish.  The first parameter's gradient is fixed by the layer before it, so
  compare strategies with ``param_index="all"``.

Rotations are exp(-iθP/2); papers that write exp(-iθP) quote variances 4× larger.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import FIRST_COMPLETED, Executor, wait
from dataclasses import dataclass

import numpy as np
from qiskit import QuantumCircuit

from .. import distributed, execution
from .. import limits
from .checks import check_param_index, check_samples, check_seed, int_list
from .circuits import (
    REDRAW_ANSATZE,
    Init,
    ansatz_label,
    build_ansatz,
    identity_block_circuit,
    identity_slot_map,
    parse_init,
)
from .observables import Observable, label_of, resolve
from .result import PlateauResult, fit_decay, variance_with_stderr

@dataclass
class _Point:
    """Everything one (qubits, layers) point needs; picklable for process pools (the
    circuit travels, and each process compiles it once, cached)."""

    row: int
    col: int
    num_qubits: int
    layers: int
    num_params: int
    observable: Observable
    circuit: QuantumCircuit | None = None
    redraw: bool = False  # every sample draws its own rotation axes
    num_slots: int = 0  # axes drawn per sample
    slot_map: np.ndarray | None = None  # compiled slot -> drawn axis column (identity blocks)
    blocks: int = 0  # identity-block count (0: not identity-block)
    block_params: int = 0
    path: str | None = None  # the execution path that ran
    fallback_reason: str | None = None
    noise: dict | None = None  # checked execution.noise setting (None: noiseless)


def _prepare(ansatz, options, n, L, observable, init: Init, row, col, noise=None) -> _Point:
    redraw = isinstance(ansatz, str) and ansatz in REDRAW_ANSATZE and options.get("axes") is None
    obs = resolve(observable, n)
    if init.name == "identity_block":
        blocks = max(1, math.ceil(L / 2))
        block = build_ansatz(ansatz, n, 1, options)
        pb = block.num_parameters
        point = _Point(row, col, n, L, 2 * pb * blocks, obs, blocks=blocks, block_params=pb,
                       circuit=identity_block_circuit(block, blocks))
    else:
        circuit = build_ansatz(ansatz, n, L, options)
        point = _Point(row, col, n, L, circuit.num_parameters, obs, circuit=circuit)
    point.noise = noise
    if redraw:
        try:
            slots = execution.redraw_slots(point.circuit, noise=noise)
            if point.blocks:
                per_block = execution.redraw_slots(block, noise=noise)
                if slots != 2 * per_block * point.blocks:
                    raise execution.UnsupportedCircuit(
                        "identity blocks with redrawn axes need every rotation in the block "
                        "to be parameterised")
                point.slot_map = identity_slot_map(per_block, point.blocks)
                slots = per_block * point.blocks
            point.redraw, point.num_slots = True, slots
        except execution.UnsupportedCircuit as exc:
            point.fallback_reason = f"rotation axes not redrawn per sample: {exc}"
    return point


def _draw(point: _Point, samples: int, init: Init, rng: np.random.Generator):
    p = point.num_params
    if init.name == "small":
        values = rng.normal(0.0, init.width, size=(samples, p))
    else:
        values = rng.uniform(0.0, 2 * np.pi, size=(samples, p))
    if point.blocks:
        pb = point.block_params
        for m in range(point.blocks):
            values[:, 2 * m * pb + pb: 2 * m * pb + 2 * pb] = values[:, 2 * m * pb: 2 * m * pb + pb]
    axes = None
    if point.redraw and point.num_slots:
        axes = rng.integers(0, 3, size=(samples, point.num_slots))
        if point.slot_map is not None:
            axes = axes[:, point.slot_map]
    return values, axes


def point_seed(seed: int, n: int, L: int) -> np.random.SeedSequence:
    # Each point owns its stream, so serial, threaded and distributed runs agree exactly.
    return np.random.SeedSequence([seed, n, L])


def _run_point(point: _Point, samples: int, param_index, init: Init, seed: int,
               stop_event=None, on_chunk=None):
    """``(gradients (samples, k) or None when stopped, path, fallback reason)`` for one
    point, through the execution seam in chunks (so a Stop lands between chunks)."""
    rng = np.random.default_rng(point_seed(seed, point.num_qubits, point.layers))
    values, axes = _draw(point, samples, init, rng)
    cols = list(range(point.num_params)) if param_index == "all" else [int(param_index)]
    evaluator = execution.evaluator_for({"noise": point.noise})
    # Chunks of the seam's size: a Stop lands between them.  Forward mode carries 2
    # states, the adjoint 2 plus temporaries (density matrices with noise).
    per = (limits.bytes_per_state(point.num_qubits) if point.noise is None
           else limits.bytes_per_density(point.num_qubits))
    size = max(1, int(limits.MEMORY_BUDGET_BYTES // (4 * per)))
    out = np.empty((samples, len(cols)))
    for start in range(0, samples, size):
        if stop_event is not None and stop_event.is_set():
            return None, evaluator.path, point.fallback_reason
        sl = slice(start, min(samples, start + size))
        out[sl] = evaluator.gradients(point.circuit, point.observable, values[sl], wrt=cols,
                                      axes=None if axes is None else axes[sl])
        if on_chunk is not None:
            on_chunk(sl.stop - sl.start)
    return out, evaluator.path, point.fallback_reason or evaluator.fallback_reason


def _stats_task(point, samples, param_index, init, seed):
    grads, path, reason = _run_point(point, samples, param_index, init, seed)
    return variance_with_stderr(grads), path, reason


# --- the study --------------------------------------------------------------------------------

def gradient_variance(ansatz, qubits, layers, samples: int = 200, observable="global",
                      param_index=0, seed: int | None = 0, init="uniform",
                      executor: Executor | None = None, progress=None, stop_event=None,
                      ansatz_options: dict | None = None, noise=None):
    """Variance of ∂cost/∂θ over random parameters, per number of qubits (and layers).

    ``ansatz``: registry name (``qb.circuits.ANSATZE``; ``"random_pauli"`` redraws its
    axes for every sample) or a callable ``(num_qubits, layers) -> QuantumCircuit``.
    ``qubits``: int or list; ``layers``: int, a list to sweep depth too, or a callable
    ``num_qubits -> layers`` for a depth that grows with width (``res.layers`` then lists
    the depth used at each width; McClean's plateau needs about 12 layers per qubit).
    ``observable``: ``"global"``, ``"local"``, ``"zz"``, a ``SparsePauliOp`` or a callable
    ``num_qubits -> SparsePauliOp``.  ``param_index``: index into ``circuit.parameters``
    or ``"all"`` (the variance averaged over all parameters).  ``init``: see the module
    docstring.  ``executor``: a ``concurrent.futures.Executor``, a ``dask.distributed.Client``
    or a scheduler address ``"tcp://HOST:PORT"`` to spread the points (each owns its seed,
    so the result equals the serial one; ``qmlbench.engine.distributed.as_executor``).
    ``progress(done, total)`` is called in samples; setting ``stop_event`` (a
    ``threading.Event``) stops early and the unfinished points come back as NaN.
    ``ansatz_options`` go to the registry builder (``entanglement`` included).
    ``noise``: an ``execution.noise`` setting (``{"model": "depolarizing", "p1": 0.01,
    "p2": 0.02}``): the gradients are those of the noisy cost, exact on batched density
    matrices (Wang et al. 2021's noise-induced plateaus: with local noise the variance
    decays exponentially in depth); ``res.noise`` holds the checked setting.  A list of
    settings is a sweep axis: one :class:`PlateauResult` per setting, in a list, every
    setting drawing the same parameters (same seed).
    """
    if isinstance(noise, (list, tuple)):
        settings = [execution.check_noise(s, f"noise[{i}]") for i, s in enumerate(noise)]
        return [gradient_variance(ansatz, qubits, layers, samples=samples, observable=observable,
                                  param_index=param_index, seed=seed, init=init,
                                  executor=executor, progress=progress, stop_event=stop_event,
                                  ansatz_options=ansatz_options, noise=s) for s in settings]
    noise = execution.check_noise(noise, "noise")
    started = time.perf_counter()
    samples = check_samples(samples)
    qubit_list = int_list("qubits", qubits, 1)
    for n in qubit_list:
        execution.check_width(n)
        if noise is not None:
            execution.NoisePlan(noise).check_circuit(n)
    swept = isinstance(layers, (list, tuple, range, np.ndarray))
    per_width = callable(layers)
    if per_width:
        depth = [layers(n) for n in qubit_list]
        layer_list = [int_list("layers", [L], 1)[0] for L in depth]
    else:
        layer_list = int_list("layers", layers, 1)
    init_spec = parse_init(init)
    seed = check_seed(seed)
    options = dict(ansatz_options or {})
    executor = distributed.as_executor(executor)

    if per_width:
        points = [_prepare(ansatz, options, n, L, observable, init_spec, i, 0, noise)
                  for i, (n, L) in enumerate(zip(qubit_list, layer_list))]
    else:
        points = [_prepare(ansatz, options, n, L, observable, init_spec, i, j, noise)
                  for i, n in enumerate(qubit_list) for j, L in enumerate(layer_list)]
    for point in points:
        check_param_index(param_index, point)

    shape = (len(qubit_list), 1 if per_width else len(layer_list))
    var = np.full(shape, np.nan)
    mean = np.full(shape, np.nan)
    se = np.full(shape, np.nan)
    total = samples * len(points)
    done = 0
    stopped = False

    def report(k):
        nonlocal done
        done += k
        if progress is not None:
            progress(done, total)

    if executor is None:
        for point in points:
            grads, point.path, point.fallback_reason = _run_point(
                point, samples, param_index, init_spec, seed, stop_event, report)
            if grads is None:
                stopped = True
                break
            mean[point.row, point.col], var[point.row, point.col], se[point.row, point.col] = \
                variance_with_stderr(grads)
    else:
        futures = {executor.submit(_stats_task, point, samples, param_index, init_spec, seed): point
                   for point in points}
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
            for fut in finished:
                point = futures[fut]
                stats, point.path, point.fallback_reason = fut.result()
                mean[point.row, point.col], var[point.row, point.col], se[point.row, point.col] = stats
                report(samples)
            if stop_event is not None and stop_event.is_set() and pending:
                for fut in pending:
                    fut.cancel()
                stopped = True
                break

    fallback = [p.fallback_reason for p in points if p.fallback_reason]
    paths = [p.path for p in points if p.path]
    rates, rate_errs = zip(*(fit_decay(qubit_list, var[:, j], se[:, j]) for j in range(shape[1])))
    reference = np.array([resolve(observable, n).reference() for n in qubit_list])
    squeeze = (lambda a: a) if swept else (lambda a: a[:, 0])
    exact_path = execution.PATH_EXACT if noise is None else execution.PATH_DENSITY
    result = PlateauResult(
        qubits=qubit_list, layers=layer_list if (swept or per_width) else layer_list[0],
        variances=squeeze(var), means=squeeze(mean), stderr=squeeze(se), samples=samples,
        decay_rate=np.array(rates) if swept else rates[0],
        decay_rate_stderr=np.array(rate_errs) if swept else rate_errs[0],
        reference=reference, ansatz=ansatz_label(ansatz), observable=label_of(observable),
        param_index=param_index if param_index == "all" else int(param_index),
        init=init_spec.to_dict(), seed=seed, stopped=stopped,
        seconds=time.perf_counter() - started,
        path=next((p for p in paths if p != exact_path), exact_path),
        fallback_reason=fallback[0] if fallback else None,
    )
    result.noise = noise
    return result
