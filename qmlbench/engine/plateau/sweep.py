"""A plateau study as data, and its sweep: width by width, drawable as it goes, stoppable.

:class:`PlateauSettings` is what the Plateau panel shows (and what a shared link or an
exported workbench state carries); ``settings.kwargs()`` are the arguments of
:func:`~qmlbench.engine.plateau.gradient_variance`, ``settings.run()`` runs it here.

:func:`sweep` runs the widths in order, one :func:`gradient_variance` call each, and
hands the result so far to ``on_width`` after every width; each (qubits, layers) point
owns its seed stream, so the merged result equals one call over all widths.
:func:`start` does the same in a background thread (:class:`SweepRun`: ``stop()``,
``wait()``, ``result``, ``error``), for a screen that must stay responsive.

    s = PlateauSettings(ansatz="random_pauli", qubits=[2, 6], layers=12, samples=200)
    res = s.run()                                  # or qb.plateau.gradient_variance(**s.kwargs())
"""

from __future__ import annotations

import copy
import json
import threading
import time
from dataclasses import asdict, dataclass, field, fields

import numpy as np

from .. import circuits, jsonable, limits
from ..execution import noise as noise_settings
from ..errors import SpecError
from ..options import Option, Schema
from .circuits import INITS, DepthPerQubit
from .observables import OBSERVABLES
from .result import combine_widths
from .study import gradient_variance

DEPTH_MODES = ("per_qubit", "fixed", "sweep")
#: A depth sweep measures at most this many depths, spread evenly from 1 to ``layers``.
DEPTH_POINTS = 8
#: Noise models a plateau study sweeps by one strength (``execution.noise.STRENGTHS``).
NOISE_SWEEP_MODELS = ("none",) + tuple(noise_settings.STRENGTHS)
#: The most samples per point a settings object accepts (a shared link cannot ask for more).
MAX_SAMPLES = 100_000
#: The deepest circuit (layers, or layers per qubit) a settings object accepts.
MAX_LAYERS = 1000


def _qubit_range(value, fld):
    if len(value) != 2:
        raise SpecError(fld, value, reason=f"must be [lowest, highest], two integers from 1 to "
                                           f"{limits.MAX_EXACT_QUBITS}")
    if value[0] > value[1]:
        raise SpecError(fld, value, reason="must be [lowest, highest] with lowest <= highest")
    return value


def _mapping(value, fld):
    if not isinstance(value, dict):
        raise SpecError(fld, value, reason="must be a mapping of option names to values")
    return value


def _param_index(value, fld):
    if value == "all" or (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
        return value
    raise SpecError(fld, value, ["an integer >= 0", "all"], reason="is not a parameter index")


#: What each plateau setting may be; a study from a link or a file is checked against it.
SCHEMA = Schema([
    Option("ansatz", "choice", "random_pauli", choices=tuple(sorted(circuits.ANSATZE)),
           invalid="is not a known ansatz"),
    Option("ansatz_options", "any", None, validator=_mapping),
    Option("follow_composer", "bool", False),
    Option("qubits", "list", [2, 8],
           noun=f"[lowest, highest], two integers from 1 to {limits.MAX_EXACT_QUBITS}",
           item=Option("qubits", "int", 2, low=1, high=limits.MAX_EXACT_QUBITS),
           validator=_qubit_range),
    Option("depth_mode", "choice", "per_qubit", choices=DEPTH_MODES, invalid="is not a depth rule"),
    Option("layers", "int", 12, low=1, high=MAX_LAYERS),
    Option("samples", "int", 200, low=2, high=MAX_SAMPLES),
    Option("observable", "choice", "zz", choices=OBSERVABLES, invalid="is not a plateau cost"),
    Option("init", "choice", "uniform", choices=INITS, invalid="is not an initialisation strategy"),
    Option("init_width", "float", 0.1, low=0, low_open=True, help="the normal's σ"),
    Option("param_index", "any", 0, validator=_param_index),
    Option("seed", "int", 0, low=0),
    Option("noise_model", "choice", "none", choices=NOISE_SWEEP_MODELS,
           invalid="is not a noise model a plateau study can sweep",
           help="noise after every gate; each strength below is one line"),
    Option("noise_strengths", "list", [0.0, 0.01, 0.05],
           noun="a non-empty list of noise strengths, numbers from 0 to 1",
           item=Option("noise_strengths", "float", 0.0, low=0.0, high=1.0),
           help="the model's gate-error probabilities, all set to each value in turn "
                "(0: noiseless, on the statevector path)"),
])


@dataclass
class PlateauSettings:
    """One gradient-variance study as plain data.

    ``qubits`` is the inclusive range ``[lowest, highest]`` of widths; ``depth_mode``
    ``"per_qubit"`` gives ``layers × qubits`` layers at each width (McClean's plateau
    needs about 12 per qubit), ``"fixed"`` gives ``layers`` everywhere.  ``init`` is
    ``"uniform"``, ``"small"`` (normal of σ ``init_width``) or ``"identity_block"``;
    ``param_index`` an index into the circuit's parameters or ``"all"``.
    ``follow_composer``: the ansatz is the experiment's (a workbench keeps ``ansatz``
    and ``ansatz_options`` equal to its spec's ansatz)."""

    ansatz: str = "random_pauli"
    ansatz_options: dict = field(default_factory=dict)
    follow_composer: bool = False
    qubits: list = field(default_factory=lambda: [2, 8])
    depth_mode: str = "per_qubit"
    layers: int = 12
    samples: int = 200
    observable: str = "zz"
    init: str = "uniform"
    init_width: float = 0.1
    param_index: int | str = 0
    seed: int = 0
    noise_model: str = "none"
    noise_strengths: list = field(default_factory=lambda: [0.0, 0.01, 0.05])

    def __post_init__(self):
        if isinstance(self.qubits, tuple):
            self.qubits = list(self.qubits)
        self.validate()

    # --- checks ------------------------------------------------------------------
    def validate(self, prefix: str = "plateau") -> None:
        checked = SCHEMA.validate({f.name: getattr(self, f.name) for f in fields(self)}, prefix)
        for key, value in checked.items():
            setattr(self, key, value)
        if self.noise_model != "none":
            widest = self.qubits[0] if self.depth_mode == "sweep" else self.qubits[1]
            if widest > limits.MAX_NOISY_QUBITS:
                raise SpecError(f"{prefix}.qubits", self.qubits, reason=(
                    f"reaches {widest} qubits, past the {limits.MAX_NOISY_QUBITS}-qubit limit "
                    f"of noisy studies (exact density matrices); lower the width or set "
                    f"{prefix}.noise_model to none"))

    # --- the study ----------------------------------------------------------------
    @property
    def widths(self) -> list[int]:
        return list(range(self.qubits[0], self.qubits[1] + 1))

    @property
    def depths(self) -> list[int]:
        """The depths of a depth sweep: up to :data:`DEPTH_POINTS`, evenly from 1 to ``layers``."""
        return sorted({int(round(v)) for v in
                       np.linspace(1, self.layers, min(self.layers, DEPTH_POINTS))})

    @property
    def noise(self) -> list | None:
        """The noise settings swept (None: noiseless only); strength 0 is the noiseless line."""
        if self.noise_model == "none":
            return None
        return [noise_settings.at_strength(self.noise_model, p, "plateau.noise_strengths")
                for p in self.noise_strengths]

    def kwargs(self) -> dict:
        """The keyword arguments of ``gradient_variance`` for this study.  A depth sweep
        (``depth_mode="sweep"``) measures the depths :attr:`depths` at the lowest width alone
        (variance against depth at fixed width); ``noise`` is a list of settings (a sweep
        axis) when a noise model is chosen."""
        if self.depth_mode == "sweep":
            layers, widths = self.depths, self.widths[:1]
        else:
            layers = DepthPerQubit(self.layers) if self.depth_mode == "per_qubit" else self.layers
            widths = self.widths
        init = ("small", float(self.init_width)) if self.init == "small" else self.init
        out = dict(ansatz=self.ansatz, ansatz_options=copy.deepcopy(self.ansatz_options),
                   qubits=widths, layers=layers, samples=self.samples,
                   observable=self.observable, init=init, param_index=self.param_index,
                   seed=self.seed)
        if self.noise is not None:
            out["noise"] = self.noise
        return out

    @property
    def total_samples(self) -> int:
        """Gradient samples over the whole study (every width, depth and noise setting)."""
        k = self.kwargs()
        depths = len(k["layers"]) if isinstance(k["layers"], list) else 1
        return self.samples * len(k["qubits"]) * depths * len(k.get("noise") or [None])

    def run(self, progress=None, stop_event=None, on_width=None):
        """Run the study here (width by width, see :func:`sweep`); a ``PlateauResult``."""
        return sweep(self.kwargs(), progress=progress, stop_event=stop_event, on_width=on_width)

    def start(self, progress=None, on_width=None) -> "SweepRun":
        """Run the study in a background thread; see :class:`SweepRun`."""
        return start(self.kwargs(), progress=progress, on_width=on_width)

    # --- round trip ------------------------------------------------------------------
    def to_dict(self) -> dict:
        return copy.deepcopy(asdict(self))

    @classmethod
    def from_dict(cls, data: dict, prefix: str = "plateau") -> "PlateauSettings":
        if isinstance(data, PlateauSettings):
            return cls(**data.to_dict())
        if not isinstance(data, dict):
            raise SpecError(prefix, data, reason="must be a mapping of plateau settings")
        allowed = [f.name for f in fields(cls)]
        for key in data:
            if key not in allowed:
                raise SpecError(f"{prefix}.{key}", data[key], allowed, reason="is not a known field")
        return cls(**copy.deepcopy(data))

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_json(cls, text: str) -> "PlateauSettings":
        data = jsonable.parse(text, "plateau")
        return cls.from_dict(data)

    def replace(self, **changes) -> "PlateauSettings":
        return PlateauSettings.from_dict({**self.to_dict(), **changes})


def sweep(kwargs: dict, progress=None, stop_event=None, on_width=None):
    """``gradient_variance(**kwargs)`` run width by width.

    ``on_width(result_so_far)`` after each width; ``progress(done, total)`` in samples
    over the whole sweep; a set ``stop_event`` ends it within a chunk of samples, and
    the widths that finished come back (``result.stopped`` is then True).  None when
    stopped before the first width finished."""
    kwargs = dict(kwargs)
    if isinstance(kwargs.get("noise"), (list, tuple)):
        return _noise_sweep(kwargs, progress, stop_event, on_width)
    widths = list(kwargs.pop("qubits"))
    samples = kwargs["samples"]
    layers = kwargs["layers"]
    per_width = samples * (len(layers) if isinstance(layers, (list, tuple)) else 1)
    total = per_width * len(widths)
    parts = []
    for k, n in enumerate(widths):
        if stop_event is not None and stop_event.is_set():
            break

        def report(done, _total, base=k * per_width):
            if progress is not None:
                progress(base + done, total)

        one = gradient_variance(qubits=[n], progress=report, stop_event=stop_event, **kwargs)
        if one.stopped:
            break
        parts.append(one)
        if on_width is not None:
            on_width(parts[0] if one.depth_swept and len(widths) == 1 else combine_widths(parts))
    if not parts:
        return None
    if len(parts) == 1 and parts[0].depth_swept:   # a depth sweep at one width
        return parts[0]
    result = combine_widths(parts)
    result.stopped = len(parts) < len(widths)
    return result


def _noise_sweep(kwargs, progress, stop_event, on_width):
    """A study per noise setting (each the width-by-width :func:`sweep`); a list of results,
    one per setting, handed to ``on_width`` as it grows.  None when stopped before any."""
    settings = list(kwargs.pop("noise"))
    widths = kwargs["qubits"]
    layers = kwargs["layers"]
    per_setting = kwargs["samples"] * len(widths) * (
        len(layers) if isinstance(layers, (list, tuple)) else 1)
    total = per_setting * len(settings)
    done: list = []
    for k, setting in enumerate(settings):
        if stop_event is not None and stop_event.is_set():
            break

        def report(n, _total, base=k * per_setting):
            if progress is not None:
                progress(base + n, total)

        def partial(res, _done=list(done), _setting=setting):
            res.noise = _setting
            if on_width is not None:
                on_width(_done + [res])

        one = sweep({**kwargs, "noise": setting}, progress=report, stop_event=stop_event,
                    on_width=partial)
        if one is None:
            break
        one.noise = setting
        done.append(one)
        if one.stopped:
            break
    return done or None


class SweepRun:
    """A :func:`sweep` in a background thread. ``status`` is "running", "done",
    "stopped" or "error"; ``result`` the ``PlateauResult`` (None until a width is done),
    ``error`` what went wrong, ``widths`` the widths asked for, ``elapsed`` seconds."""

    def __init__(self, kwargs: dict, progress=None, on_width=None, on_end=None):
        self.kwargs = dict(kwargs)
        self.widths = list(kwargs["qubits"])
        self.progress = progress
        self.on_width = on_width
        self.on_end = on_end
        self.result = None
        self.error: BaseException | None = None
        self.status = "pending"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._t0 = self._t1 = None

    def start(self) -> "SweepRun":
        self.status = "running"
        self._t0 = time.perf_counter()
        self._thread = threading.Thread(target=self._target, daemon=True, name="qmlbench-plateau")
        self._thread.start()
        return self

    def _width_done(self, partial):
        self.result = partial
        if self.on_width is not None:
            self.on_width(partial)

    def _target(self):
        try:
            self.result = sweep(self.kwargs, progress=self.progress, stop_event=self._stop,
                                on_width=self._width_done)
            res = self.result
            stopped = res is None or (
                any(r.stopped for r in res) or len(res) < len(self.kwargs["noise"])
                if isinstance(res, list) else res.stopped)
            self.status = "stopped" if stopped else "done"
        except BaseException as exc:  # kept for the caller, never lost in the thread
            self.error = exc
            self.status = "error"
        finally:
            self._t1 = time.perf_counter()
            if self.on_end is not None:
                self.on_end(self)

    def stop(self) -> "SweepRun":
        self._stop.set()
        return self

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def done_widths(self) -> int:
        """Widths finished (of the last noise setting reached, in a noise sweep)."""
        res = self.result
        if isinstance(res, list):
            res = res[-1] if res else None
        return 0 if res is None else len(res.qubits)

    @property
    def elapsed(self) -> float:
        if self._t0 is None:
            return 0.0
        return (self._t1 if self._t1 is not None else time.perf_counter()) - self._t0

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the sweep ends (or ``timeout``); True when it has."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running


def start(kwargs: dict, progress=None, on_width=None, on_end=None) -> SweepRun:
    """:func:`sweep` in a background thread: a started :class:`SweepRun`."""
    return SweepRun(kwargs, progress=progress, on_width=on_width, on_end=on_end).start()


__all__ = ["PlateauSettings", "SweepRun", "sweep", "start", "DEPTH_MODES"]
