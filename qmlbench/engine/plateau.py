"""Barren-plateau studies: how the variance of a cost gradient falls with qubits and depth.

``gradient_variance`` draws ``samples`` random parameter sets per (qubits, layers)
point and takes the exact gradient of the cost for each, batched over samples
(forward-mode differentiation for one parameter, the adjoint method for all of
them), on the engine's batched statevector simulator (:mod:`.statevector_sim`),
whose rotations can take a per-sample axis, which McClean's ensemble needs.  Circuits
whose parameterised gates are not all Pauli rotations (RX, RY, RZ, P, RXX, RYY, RZZ,
each linear in one parameter) go through the :mod:`.execution` evaluator instead, and
the result says so in ``path`` and ``fallback_reason``.

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
from qiskit.circuit import ParameterVector

from . import execution
from . import statevector_sim as sim
from .circuit_key import is_standard
from .errors import SpecError
from .plateau_observables import (  # noqa: F401  (re-exported)
    OBSERVABLES,
    Observable,
    label_of,
    one_sided_reference,
    reference_variance,
    resolve,
)
from .plateau_result import PlateauResult, combine_widths, fit_decay, variance_with_stderr
from .statevector_sim import UnsupportedCircuit

__all__ = [
    "gradient_variance", "cost_landscape", "PlateauResult", "Landscape", "Init", "INITS",
    "OBSERVABLES", "reference_variance", "one_sided_reference", "identity_block_circuit",
    "fit_decay", "combine_widths", "DepthPerQubit",
]

INITS = ("uniform", "small", "identity_block")


@dataclass(frozen=True)
class DepthPerQubit:
    """``layers=DepthPerQubit(12)``: 12 layers per qubit, deep enough for McClean's
    ensemble to reach the 2-design floor (about 50 layers at 4 qubits, 100 at 8)."""

    per_qubit: int = 12

    def __call__(self, num_qubits: int) -> int:
        return self.per_qubit * num_qubits

    @property
    def __name__(self) -> str:
        return f"{self.per_qubit}·n"
#: The McClean ensemble: rotation axes redrawn for every sample.
REDRAW_ANSATZE = ("random_pauli",)
#: Bytes the batched states of one chunk of samples may take.
CHUNK_BYTES = 32 * 2 ** 20


@dataclass(frozen=True)
class Init:
    """An initialisation strategy; ``width`` is the normal's σ for ``"small"``."""

    name: str = "uniform"
    width: float = 0.1

    def to_dict(self) -> dict:
        return {"name": self.name, "width": self.width} if self.name == "small" else {"name": self.name}


def parse_init(init) -> Init:
    if isinstance(init, Init):
        spec = init
    elif isinstance(init, str):
        spec = Init(init)
    elif isinstance(init, (tuple, list)) and len(init) == 2:
        spec = Init(init[0], init[1])
    elif isinstance(init, dict) and set(init) <= {"name", "width"} and "name" in init:
        spec = Init(init["name"], init.get("width", 0.1))
    else:
        raise SpecError("init", init, INITS, reason="is not an initialisation strategy")
    if spec.name not in INITS:
        raise SpecError("init", spec.name, INITS, reason="is not an initialisation strategy")
    w = spec.width
    if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w) or w <= 0:
        raise SpecError("init.width", w, reason="must be a positive number (the normal's σ)")
    return Init(spec.name, float(w))


# --- building and checking circuits ---------------------------------------------------------

def _ansatz_label(ansatz) -> str:
    return ansatz if isinstance(ansatz, str) else getattr(ansatz, "__name__", type(ansatz).__name__)


def _build(ansatz, num_qubits: int, layers: int, options: dict) -> QuantumCircuit:
    if isinstance(ansatz, str):
        from . import circuits

        if ansatz not in circuits.ANSATZE:
            raise SpecError("ansatz", ansatz, sorted(circuits.ANSATZE) + ["a callable"],
                            reason="is not a known ansatz")
        opts = dict(options)
        entanglement = opts.pop("entanglement", "linear")
        circuit = circuits.ansatz(ansatz, num_qubits, layers, entanglement, **opts)
    elif callable(ansatz):
        circuit = ansatz(num_qubits, layers)
        name = _ansatz_label(ansatz)
        if not isinstance(circuit, QuantumCircuit):
            raise SpecError("ansatz", name, reason=f"returned {type(circuit).__name__}; it must "
                            "return a QuantumCircuit for (num_qubits, layers)")
        if circuit.num_qubits != num_qubits:
            raise SpecError("ansatz", name,
                            reason=f"returned a circuit of {circuit.num_qubits} qubits when asked "
                                   f"for {num_qubits} (layers={layers}); it must build exactly "
                                   "num_qubits qubits")
    else:
        raise SpecError("ansatz", ansatz, reason="must be a registry name or a callable "
                        "(num_qubits, layers) -> QuantumCircuit")
    if circuit.num_parameters == 0:
        raise SpecError("ansatz", _ansatz_label(ansatz),
                        reason=f"has no trainable parameters at {num_qubits} qubits, {layers} layers")
    return circuit


def _is_parametrised(operation) -> bool:
    return any(getattr(p, "parameters", None) for p in operation.params)


def identity_block_circuit(block: QuantumCircuit, blocks: int) -> QuantumCircuit:
    """``blocks`` copies of ``block`` each followed by its inverse, all with fresh weights.

    Leading gates without parameters (random_pauli's RY(π/4) layer) are input
    preparation and stay in front, once.  The identity point is stationary whenever the
    state entering the blocks is an eigenstate of the cost (|0…0> with the global, local
    or zz cost and no preparation): every gradient there is zero.

    Weights are ``θ[0..]``: block m's forward half uses ``θ[2mP .. 2mP+P-1]`` and its
    inverse half ``θ[2mP+P .. 2mP+2P-1]`` (``P = block.num_parameters``), so setting the
    two halves equal makes the circuit the identity.
    """
    p = block.num_parameters
    theta = ParameterVector("θ", 2 * p * blocks)
    params = list(block.parameters)
    out = QuantumCircuit(block.num_qubits, name=f"identity_block({block.name})")
    block = block.copy()
    while block.data and not _is_parametrised(block.data[0].operation):
        out.append(block.data[0])
        block.data.pop(0)
    for m in range(blocks):
        fwd = block.assign_parameters(dict(zip(params, theta[2 * m * p: 2 * m * p + p])))
        inv = block.inverse().assign_parameters(
            dict(zip(params, theta[2 * m * p + p: 2 * m * p + 2 * p])))
        out.compose(fwd, inplace=True)
        out.compose(inv, inplace=True)
    return out


#: Parameterised gates the lab runs itself: Pauli rotations, linear in one parameter.
_LAB_ROTATIONS = ("rx", "ry", "rz", "p", "rxx", "ryy", "rzz")


def _check_lab_gates(circuit: QuantumCircuit, depth: int = 0) -> None:
    """Raise :class:`UnsupportedCircuit` unless every parameterised gate (inside custom
    gates too) is a Pauli rotation whose angle is linear in one parameter."""
    from qiskit.circuit import ParameterExpression

    for inst in circuit.data:
        op = inst.operation
        if op.name in ("measure", "reset") or inst.clbits:
            raise UnsupportedCircuit(f"'{op.name}' is not a unitary gate")
        symbolic = [p for p in op.params if isinstance(p, ParameterExpression) and p.parameters]
        if not symbolic:
            continue
        if op.name in _LAB_ROTATIONS and len(op.params) == 1 and is_standard(op):
            expr = op.params[0]
            if len(expr.parameters) != 1:
                raise UnsupportedCircuit(f"'{op.name}' angle {expr} depends on several parameters")
            (param,) = expr.parameters
            grad = expr.gradient(param)
            if isinstance(grad, ParameterExpression) and grad.parameters:
                raise UnsupportedCircuit(f"'{op.name}' angle {expr} is not linear in {param}")
            continue
        if is_standard(op) or op.definition is None or depth > 10:
            raise UnsupportedCircuit(f"parametrised gate '{op.name}'")
        _check_lab_gates(op.definition, depth + 1)


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
    fast: bool = False  # run here on the batched simulator (else: the execution evaluator)
    redraw: bool = False
    num_slots: int = 0  # axes drawn per sample
    slot_map: np.ndarray | None = None  # compiled slot -> drawn axis column (identity blocks)
    blocks: int = 0  # identity-block count (0: not identity-block)
    block_params: int = 0
    fallback_reason: str | None = None

    def compiled(self):
        return sim.compiled(self.circuit, redraw_axes=self.redraw)


def _identity_slot_map(slots: int, blocks: int) -> np.ndarray:
    """Slots of the identity-block circuit in order (block m forward, then its inverse,
    reversed) mapped to the ``slots`` axes drawn per block: the inverse half reuses
    its forward half's axes, so a redrawn axis is undone too."""
    out = []
    for m in range(blocks):
        out += [m * slots + k for k in range(slots)]
        out += [m * slots + slots - 1 - k for k in range(slots)]
    return np.array(out, dtype=np.int64)


def _prepare(ansatz, options, n, L, observable, init: Init, row, col) -> _Point:
    redraw = isinstance(ansatz, str) and ansatz in REDRAW_ANSATZE and options.get("axes") is None
    obs = resolve(observable, n)
    if init.name == "identity_block":
        blocks = max(1, math.ceil(L / 2))
        block = _build(ansatz, n, 1, options)
        pb = block.num_parameters
        point = _Point(row, col, n, L, 2 * pb * blocks, obs, redraw=redraw, blocks=blocks,
                       block_params=pb)
        point.circuit = identity_block_circuit(block, blocks)
        try:
            _check_lab_gates(block)
            if redraw:
                slots = sim.compiled(block, redraw_axes=True).num_slots
                comp = point.compiled()
                if comp.num_slots != 2 * slots * blocks:
                    raise UnsupportedCircuit("identity blocks with redrawn axes need every "
                                             "rotation in the block to be parameterised")
                point.num_slots = slots * blocks
                point.slot_map = _identity_slot_map(slots, blocks)
            else:
                point.compiled()
            point.fast = True
        except UnsupportedCircuit as exc:
            point.redraw = False
            point.fallback_reason = str(exc)
        return point
    circuit = _build(ansatz, n, L, options)
    point = _Point(row, col, n, L, circuit.num_parameters, obs, circuit=circuit, redraw=redraw)
    try:
        _check_lab_gates(circuit)
        point.num_slots = point.compiled().num_slots
        point.fast = True
    except UnsupportedCircuit as exc:
        point.redraw = False
        point.fallback_reason = str(exc)
    return point


class _AmplitudesFirst:
    """A lab observable applied to the simulator's amplitudes-first ``(N, ...)`` arrays."""

    def __init__(self, obs: Observable):
        self.obs = obs

    def apply(self, psi: np.ndarray) -> np.ndarray:
        if self.obs.diag is not None:
            return psi * self.obs.diag.reshape((-1,) + (1,) * (psi.ndim - 1))
        return np.asarray(self.obs.matrix @ psi.reshape(psi.shape[0], -1)).reshape(psi.shape)


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


def _point_seed(seed: int, n: int, L: int) -> np.random.SeedSequence:
    # Each point owns its stream, so serial, threaded and distributed runs agree exactly.
    return np.random.SeedSequence([seed, n, L])


def _run_point(point: _Point, samples: int, param_index, init: Init, seed: int,
               stop_event=None, on_chunk=None):
    """Gradients ``(samples, k)`` for one point, or None when stopped."""
    rng = np.random.default_rng(_point_seed(seed, point.num_qubits, point.layers))
    values, axes = _draw(point, samples, init, rng)
    cols = list(range(point.num_params)) if param_index == "all" else [int(param_index)]
    if not point.fast:
        evaluator = execution.evaluator_for()
        op = point.observable.to_sparse_pauli_op()
        return np.asarray(evaluator.gradients(point.circuit, op, values, wrt=cols)).reshape(samples, -1)
    comp = point.compiled()
    obs = [_AmplitudesFirst(point.observable)]
    # Forward mode carries 2 states, the adjoint 2 states plus temporaries.
    size = sim.chunk_rows(point.num_qubits, 4, CHUNK_BYTES)
    out = np.empty((samples, len(cols)))
    for start in range(0, samples, size):
        if stop_event is not None and stop_event.is_set():
            return None
        sl = slice(start, min(samples, start + size))
        ax = None if axes is None else axes[sl]
        if len(cols) == 1:
            out[sl, 0] = sim.forward_gradient(comp, obs, values[sl], cols[0], ax)[1][:, 0, 0]
        else:
            out[sl] = sim.adjoint_gradients(comp, obs, values[sl], cols, ax)[1][:, 0, :]
        if on_chunk is not None:
            on_chunk(sl.stop - sl.start)
    return out


def _stats_task(point, samples, param_index, init, seed):
    grads = _run_point(point, samples, param_index, init, seed)
    return variance_with_stderr(grads)


# --- validation ------------------------------------------------------------------------------

def _int_list(fld: str, value, minimum: int) -> list[int]:
    items = list(value) if isinstance(value, (list, tuple, range, np.ndarray)) else [value]
    if not items:
        raise SpecError(fld, value, reason="must hold at least one value")
    out = []
    for v in items:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or v < minimum:
            raise SpecError(fld, v, reason=f"must be an integer >= {minimum}")
        out.append(int(v))
    if len(set(out)) != len(out):
        raise SpecError(fld, value, reason="must not repeat a value")
    return out


def _check_samples(samples) -> int:
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 2:
        raise SpecError("samples", samples, reason="must be an integer >= 2 (a variance needs at "
                        "least two samples; a few hundred give a 10% error)")
    return int(samples)


def _check_param_index(param_index, point: _Point):
    if isinstance(param_index, str):
        if param_index != "all":
            raise SpecError("param_index", param_index, ["an integer", "all"],
                            reason="is not a parameter index")
        return
    if isinstance(param_index, bool) or not isinstance(param_index, (int, np.integer)):
        raise SpecError("param_index", param_index, ["an integer", "all"],
                        reason="is not a parameter index")
    if not 0 <= param_index < point.num_params:
        raise SpecError("param_index", int(param_index),
                        reason=f"is out of range: the circuit at {point.num_qubits} qubits and "
                               f"{point.layers} layers has {point.num_params} parameters "
                               f"(indices 0..{point.num_params - 1})")


def _check_seed(seed):
    if seed is None:
        return int(np.random.SeedSequence().generate_state(1)[0])
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise SpecError("seed", seed, reason="must be a non-negative integer or None")
    return int(seed)


# --- the study --------------------------------------------------------------------------------

def gradient_variance(ansatz, qubits, layers, samples: int = 200, observable="global",
                      param_index=0, seed: int | None = 0, init="uniform",
                      executor: Executor | None = None, progress=None, stop_event=None,
                      ansatz_options: dict | None = None) -> PlateauResult:
    """Variance of ∂cost/∂θ over random parameters, per number of qubits (and layers).

    ``ansatz``: registry name (``qb.circuits.ANSATZE``; ``"random_pauli"`` redraws its
    axes for every sample) or a callable ``(num_qubits, layers) -> QuantumCircuit``.
    ``qubits``: int or list; ``layers``: int, a list to sweep depth too, or a callable
    ``num_qubits -> layers`` for a depth that grows with width (``res.layers`` then lists
    the depth used at each width; McClean's plateau needs about 12 layers per qubit).
    ``observable``: ``"global"``, ``"local"``, ``"zz"``, a ``SparsePauliOp`` or a callable
    ``num_qubits -> SparsePauliOp``.  ``param_index``: index into ``circuit.parameters``
    or ``"all"`` (the variance averaged over all parameters).  ``init``: see the module
    docstring.  ``executor``: a ``concurrent.futures.Executor`` to spread the points.
    ``progress(done, total)`` is called in samples; setting ``stop_event`` (a
    ``threading.Event``) stops early and the unfinished points come back as NaN.
    ``ansatz_options`` go to the registry builder (``entanglement`` included).
    """
    started = time.perf_counter()
    samples = _check_samples(samples)
    qubit_list = _int_list("qubits", qubits, 1)
    for n in qubit_list:
        execution.check_width(n)
    swept = isinstance(layers, (list, tuple, range, np.ndarray))
    per_width = callable(layers)
    if per_width:
        depth = [layers(n) for n in qubit_list]
        layer_list = [_int_list("layers", [L], 1)[0] for L in depth]
    else:
        layer_list = _int_list("layers", layers, 1)
    init_spec = parse_init(init)
    seed = _check_seed(seed)
    options = dict(ansatz_options or {})

    if per_width:
        points = [_prepare(ansatz, options, n, L, observable, init_spec, i, 0)
                  for i, (n, L) in enumerate(zip(qubit_list, layer_list))]
    else:
        points = [_prepare(ansatz, options, n, L, observable, init_spec, i, j)
                  for i, n in enumerate(qubit_list) for j, L in enumerate(layer_list)]
    for point in points:
        _check_param_index(param_index, point)

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
            grads = _run_point(point, samples, param_index, init_spec, seed, stop_event, report)
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
                mean[point.row, point.col], var[point.row, point.col], se[point.row, point.col] = \
                    fut.result()
                report(samples)
            if stop_event is not None and stop_event.is_set() and pending:
                for fut in pending:
                    fut.cancel()
                stopped = True
                break

    fallback = [p.fallback_reason for p in points if p.fallback_reason]
    rates, rate_errs = zip(*(fit_decay(qubit_list, var[:, j], se[:, j]) for j in range(shape[1])))
    reference = np.array([resolve(observable, n).reference() for n in qubit_list])
    squeeze = (lambda a: a) if swept else (lambda a: a[:, 0])
    return PlateauResult(
        qubits=qubit_list, layers=layer_list if (swept or per_width) else layer_list[0],
        variances=squeeze(var), means=squeeze(mean), stderr=squeeze(se), samples=samples,
        decay_rate=np.array(rates) if swept else rates[0],
        decay_rate_stderr=np.array(rate_errs) if swept else rate_errs[0],
        reference=reference, ansatz=_ansatz_label(ansatz), observable=label_of(observable),
        param_index=param_index if param_index == "all" else int(param_index),
        init=init_spec.to_dict(), seed=seed, stopped=stopped,
        seconds=time.perf_counter() - started,
        path="generic evaluator" if fallback else "batched statevector",
        fallback_reason=fallback[0] if fallback else None,
    )


# --- cost landscape ------------------------------------------------------------------------------

@dataclass
class Landscape:
    """The cost along one direction (``values`` 1-D) or on a 2-D grid (``values[i, j]`` at
    ``offsets[i]`` along ``directions[0]`` and ``offsets[j]`` along ``directions[1]``)."""

    directions: tuple
    offsets: np.ndarray
    values: np.ndarray
    point: np.ndarray
    num_qubits: int
    layers: int
    observable: str
    ansatz: str

    def to_dict(self) -> dict:
        return {"directions": list(self.directions), "offsets": self.offsets.tolist(),
                "values": self.values.tolist(), "point": self.point.tolist(),
                "num_qubits": self.num_qubits, "layers": self.layers,
                "observable": self.observable, "ansatz": self.ansatz}


def cost_landscape(ansatz, num_qubits: int, layers: int, observable="global", directions=(0,),
                   point=None, span: float = np.pi, resolution: int = 41, seed: int = 0,
                   ansatz_options: dict | None = None) -> Landscape:
    """The cost through ``point`` (random uniform from ``seed`` when None) along one or two
    parameter directions (indices into ``circuit.parameters``), offsets in [-span, span].

    A registry ``random_pauli`` keeps the fixed axes its builder draws (``ansatz_options``
    ``seed``): a landscape is one circuit, not an ensemble.
    """
    (n,) = _int_list("num_qubits", num_qubits, 1)
    execution.check_width(n)
    (L,) = _int_list("layers", layers, 1)
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) or resolution < 2:
        raise SpecError("resolution", resolution, reason="must be an integer >= 2")
    if not isinstance(span, (int, float)) or not math.isfinite(span) or span <= 0:
        raise SpecError("span", span, reason="must be a positive number")
    dirs = tuple(directions) if isinstance(directions, (list, tuple)) else (directions,)
    if len(dirs) not in (1, 2):
        raise SpecError("directions", directions, reason="must name one or two parameters")
    circuit = _build(ansatz, n, L, dict(ansatz_options or {}))
    P = circuit.num_parameters
    for d in dirs:
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or not 0 <= d < P:
            raise SpecError("directions", d, reason=f"is out of range: the circuit has {P} "
                            f"parameters (indices 0..{P - 1})")
    seed = _check_seed(seed)
    if point is None:
        point = np.random.default_rng(seed).uniform(0, 2 * np.pi, P)
    point = np.asarray(point, dtype=float)
    if point.shape != (P,):
        raise SpecError("point", f"shape {point.shape}", reason=f"must hold {P} angles")
    offsets = np.linspace(-span, span, resolution)
    grids = np.meshgrid(*([offsets] * len(dirs)), indexing="ij")
    values = np.tile(point, (grids[0].size, 1))
    for d, g in zip(dirs, grids):
        values[:, d] += g.ravel()
    obs = resolve(observable, n)
    costs = execution.evaluator_for().expectation_values(circuit, obs.to_sparse_pauli_op(), values)
    return Landscape(dirs, offsets, costs.reshape(grids[0].shape), point, n, L,
                     label_of(observable), _ansatz_label(ansatz))
