"""Optimizers by name: a registry over ``qiskit_machine_learning.optimizers``, and the
optimization loop every trained model runs (:class:`ObjectiveTracker`, :func:`minimize`).

Every optimizer is used through the same call, ``opt.minimize(fun, x0, jac=None)``,
so a model can wrap ``fun`` (live loss, stop) without depending on the
optimizer's own callback, which qiskit-ml 0.9 calls with different arguments
per optimizer (FIELD-NOTES).

``OPTIMIZERS[name]`` is an :class:`OptimizerEntry` that says whether the
optimizer uses gradients, whether a learning rate applies, and which extra
options it accepts (an :class:`~qmlbench.engine.options.Schema`: type and range of each);
:func:`build_optimizer` turns an :class:`~qmlbench.engine.spec.OptimizerSpec`
(or plain values) into a ready qiskit-ml optimizer, refusing options that do
not apply or values they cannot take.  Names are case-insensitive and
qiskit-ml's class names are accepted too (``COBYLA``, ``GradientDescent``,
``L_BFGS_B``, ...): :func:`canonical_name`.

COBYLA needs at least ``num_weights + 2`` evaluations to build its first
linear model; SciPy silently raises a smaller ``maxiter`` to that.  Here a
smaller ``maxiter`` is refused when the minimisation starts, naming the
minimum, so a run never does more evaluations than it was asked for.
"""

from __future__ import annotations

import inspect
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .errors import QmlbenchError, SpecError
from .options import Option, Schema

#: The old kind words of optimizer options, still read by :func:`check_value` and listed by
#: ``OptimizerEntry.option_kinds``: "positive" / "nonneg" (finite numbers), "fraction"
#: (strictly between 0 and 1), "int>=1", "bool"; a trailing "?" also allows null.
KINDS = ("positive", "nonneg", "fraction", "int>=1", "bool")

_KIND_OPTIONS = {
    "positive": dict(kind="float", low=0.0, low_open=True),
    "nonneg": dict(kind="float", low=0.0),
    "fraction": dict(kind="float", low=0.0, high=1.0, low_open=True, high_open=True),
    "int>=1": dict(kind="int", low=1),
    "bool": dict(kind="bool"),
}


def option_of(name: str, kind: str, default=None, help: str = "") -> Option:
    """The :class:`~qmlbench.engine.options.Option` for an old kind word (see KINDS)."""
    null = kind.endswith("?")
    return Option(name, default=default, help=help, allow_none=null,
                  **_KIND_OPTIONS[kind.rstrip("?")])


def check_value(fld: str, value, kind: str) -> None:
    """Raise :class:`SpecError` naming ``fld`` when ``value`` is not of ``kind`` (see KINDS)."""
    option_of(fld, kind).check(value, fld)


def _kind_word(opt: Option) -> str:
    word = {"int": "int>=1", "bool": "bool"}.get(opt.kind)
    if word is None:
        word = ("fraction" if opt.high is not None else
                "positive" if opt.low_open else "nonneg")
    return word + ("?" if opt.allow_none else "")


#: The settings every optimizer has (``optimizer.maxiter``, ``optimizer.learning_rate``).
MAXITER = Option("maxiter", "int", 100, low=1, ui_range=(1, 500), label="iterations",
                 help="iterations (COBYLA and Nelder-Mead: objective evaluations)")
LEARNING_RATE = Option("learning_rate", "float", None, low=0.0, low_open=True, allow_none=True,
                       scale="log", ui_range=(1e-3, 1.0), label="learning rate",
                       help="step size of spsa, adam and gradient_descent; null: their default")


@dataclass(frozen=True)
class OptimizerEntry:
    name: str
    label: str
    #: True when the optimizer needs ``jac``; models then pass an analytic gradient.
    uses_gradient: bool
    #: keyword of the qiskit-ml constructor that takes ``learning_rate``; None: does not apply.
    learning_rate_arg: str | None
    #: the extra keyword options accepted from ``OptimizerSpec.options``
    schema: Schema
    #: ``(maxiter, learning_rate, options) -> qiskit-ml optimizer``
    factory: Callable[..., Any] = field(repr=False, compare=False)
    description: str = ""

    @property
    def options(self) -> tuple[str, ...]:
        """The names of the extra options."""
        return tuple(self.schema.names)

    @property
    def option_kinds(self) -> dict:
        """option name -> old kind word (see KINDS)."""
        return {o.name: _kind_word(o) for o in self.schema}


class _EvaluationBudget(Exception):
    """Internal: COBYLA used the evaluations it was given."""


def cobyla_minimum(num_weights: int) -> int:
    """Evaluations COBYLA needs before its first step (SciPy raises a smaller maxiter to it)."""
    return int(num_weights) + 2


def cobyla_note(maxiter: int, num_weights: int) -> str | None:
    """What to tell a person whose COBYLA ``maxiter`` is below the minimum; None if it is not."""
    need = cobyla_minimum(num_weights)
    if maxiter >= need:
        return None
    return (f"COBYLA needs {need} evaluations (weights + 2) for {num_weights} weights before its "
            f"first step; maxiter {maxiter} was kept, so it stopped after {maxiter} evaluations "
            f"with the best of its first probes. Set maxiter >= {need} to let it optimise")


def _cobyla(maxiter, learning_rate, options):
    from qiskit_machine_learning.optimizers import COBYLA
    from qiskit_machine_learning.optimizers.optimizer import OptimizerResult

    class CheckedCOBYLA(COBYLA):
        """COBYLA that keeps ``maxiter`` as a hard cap on evaluations and says so when it is
        below COBYLA's minimum, where SciPy would silently raise it (5 became 42)."""

        def minimize(self, fun, x0, jac=None, bounds=None):
            import warnings

            note = cobyla_note(maxiter, len(x0))
            if note is None:
                return super().minimize(fun, x0, jac=jac, bounds=bounds)
            warnings.warn(note, UserWarning, stacklevel=2)
            best = {"x": np.array(x0, dtype=float), "fun": np.inf, "n": 0}

            def capped(x):
                if best["n"] >= maxiter:
                    raise _EvaluationBudget
                best["n"] += 1
                value = fun(x)
                if value < best["fun"]:
                    best["x"], best["fun"] = np.array(x, dtype=float, copy=True), float(value)
                return value

            saved = self._options.get("maxiter")
            self._options["maxiter"] = cobyla_minimum(len(x0))   # no raw SciPy warning
            try:
                return super().minimize(capped, x0, jac=jac, bounds=bounds)
            except _EvaluationBudget:
                result = OptimizerResult()
                result.x, result.fun, result.nfev = best["x"], best["fun"], best["n"]
                return result
            finally:
                self._options["maxiter"] = saved

    return CheckedCOBYLA(maxiter=maxiter, **options)


def _l_bfgs_b(maxiter, learning_rate, options):
    from qiskit_machine_learning.optimizers import L_BFGS_B

    # maxfun also caps objective evaluations so `maxiter` bounds the run's length
    opts = {"maxfun": max(maxiter * 4, 15), **options}
    return L_BFGS_B(maxiter=maxiter, **opts)


def _spsa(maxiter, learning_rate, options):
    from qiskit_machine_learning.optimizers import SPSA

    opts = dict(options)
    if learning_rate is not None:
        # SPSA needs both or neither; without them it calibrates (50 extra evaluations)
        opts.setdefault("perturbation", 0.1)
        opts["learning_rate"] = learning_rate
    elif "perturbation" in opts:
        opts["learning_rate"] = 0.1
    return SPSA(maxiter=maxiter, **opts)


def _adam(maxiter, learning_rate, options):
    from qiskit_machine_learning.optimizers import ADAM

    return ADAM(maxiter=maxiter, lr=0.1 if learning_rate is None else learning_rate, **options)


def _gradient_descent(maxiter, learning_rate, options):
    from qiskit_machine_learning.optimizers import GradientDescent

    return GradientDescent(maxiter=maxiter,
                           learning_rate=0.1 if learning_rate is None else learning_rate,
                           **options)


def _nelder_mead(maxiter, learning_rate, options):
    from qiskit_machine_learning.optimizers import NELDER_MEAD

    opts = {"maxfev": max(maxiter * 2, 10), **options}
    return NELDER_MEAD(maxiter=maxiter, **opts)


def _slsqp(maxiter, learning_rate, options):
    from qiskit_machine_learning.optimizers import SLSQP

    return SLSQP(maxiter=maxiter, **options)


def _entry(name, label, uses_gradient, learning_rate_arg, kinds: dict, factory, description):
    schema = Schema(option_of(k, kind) for k, kind in kinds.items())
    return OptimizerEntry(name, label, uses_gradient, learning_rate_arg, schema, factory,
                          description)


OPTIMIZERS: dict[str, OptimizerEntry] = {
    e.name: e
    for e in [
        _entry("cobyla", "COBYLA", False, None, {"rhobeg": "positive", "tol": "positive?"},
               _cobyla, "gradient-free linear approximations; maxiter counts evaluations "
                        "(at least weights + 2)"),
        _entry("l_bfgs_b", "L-BFGS-B", True, None,
               {"maxfun": "int>=1", "ftol": "positive", "eps": "positive"}, _l_bfgs_b,
               "quasi-Newton with analytic gradients"),
        _entry("spsa", "SPSA", False, "learning_rate",
               {"perturbation": "positive", "resamplings": "int>=1", "blocking": "bool",
                "allowed_increase": "nonneg?", "last_avg": "int>=1", "second_order": "bool",
                "regularization": "nonneg?", "trust_region": "bool"}, _spsa,
               "two evaluations per step along a random direction; robust to shot noise"),
        _entry("adam", "ADAM", True, "lr",
               {"beta_1": "fraction", "beta_2": "fraction", "tol": "positive", "eps": "positive",
                "noise_factor": "positive", "amsgrad": "bool"}, _adam,
               "adaptive-moment gradient descent (default learning rate 0.1)"),
        _entry("gradient_descent", "Gradient descent", True, "learning_rate",
               {"tol": "positive", "perturbation": "positive?"}, _gradient_descent,
               "plain gradient steps (default learning rate 0.1)"),
        _entry("nelder_mead", "Nelder-Mead", False, None,
               {"maxfev": "int>=1", "xatol": "positive", "tol": "positive?", "adaptive": "bool"},
               _nelder_mead, "gradient-free simplex search"),
        _entry("slsqp", "SLSQP", True, None,
               {"ftol": "positive", "eps": "positive", "tol": "positive?"}, _slsqp,
               "sequential least squares with analytic gradients"),
    ]
}

#: Other spellings of the registry names (after lower-casing, "-" and " " as "_"):
#: qiskit-ml's class names ``COBYLA``, ``SPSA``, ``ADAM``, ``GradientDescent``,
#: ``L_BFGS_B``, ``NELDER_MEAD``, ``SLSQP`` and their SciPy forms.
ALIASES = {"gradientdescent": "gradient_descent", "lbfgsb": "l_bfgs_b",
           "neldermead": "nelder_mead"}


def canonical_name(name):
    """The registry name for ``name`` in any case or qiskit-ml/SciPy spelling; None if unknown."""
    if not isinstance(name, str):
        return None
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    key = ALIASES.get(key, key)
    return key if key in OPTIMIZERS else None


def get(name: str) -> OptimizerEntry:
    key = canonical_name(name)
    if key is None:
        raise SpecError("optimizer.name", name, sorted(OPTIMIZERS),
                        reason="is not a known optimizer")
    return OPTIMIZERS[key]


def uses_gradient(name: str) -> bool:
    """Whether the named optimizer calls ``jac`` (models then supply exact gradients)."""
    return get(name).uses_gradient


def check_options(name: str, learning_rate=None, options=None, maxiter=None) -> dict:
    """Raise :class:`SpecError` naming the first setting that does not apply to ``name``;
    returns ``options`` normalised."""
    entry = get(name)
    if maxiter is not None:
        MAXITER.check(maxiter, "optimizer.maxiter")
    if learning_rate is not None:
        if entry.learning_rate_arg is None:
            takers = sorted(n for n, e in OPTIMIZERS.items() if e.learning_rate_arg)
            raise SpecError("optimizer.learning_rate", learning_rate,
                            reason=(f"does not apply to {entry.name}; leave it empty, or pick an "
                                    f"optimizer that takes one: {', '.join(takers)}"))
        LEARNING_RATE.check(learning_rate, "optimizer.learning_rate")
    options = options or {}
    if not isinstance(options, dict):
        raise SpecError("optimizer.options", options,
                        reason="must be a mapping of option names to values")
    for key, value in options.items():
        if key not in entry.schema:
            raise SpecError(f"optimizer.options.{key}", value, list(entry.options),
                            reason=f"does not apply to {entry.name}")
    return entry.schema.validate(options, "optimizer.options", owner=entry.name)


def build_optimizer(spec=None, *, name: str | None = None, maxiter: int | None = None,
                    learning_rate: float | None = None, options: dict | None = None):
    """A qiskit-ml optimizer from an ``OptimizerSpec`` (or the same fields as keywords).

    Keywords override the spec's fields. ``maxiter`` bounds iterations (COBYLA and
    Nelder-Mead count evaluations); ``learning_rate`` applies to spsa, adam and
    gradient_descent only.
    """
    if spec is not None:
        name = spec.name if name is None else name
        maxiter = spec.maxiter if maxiter is None else maxiter
        learning_rate = spec.learning_rate if learning_rate is None else learning_rate
        options = spec.options if options is None else options
    name = name or "cobyla"
    maxiter = 100 if maxiter is None else maxiter
    options = dict(options or {})
    check_options(name, learning_rate, options, maxiter)
    return get(name).factory(maxiter, learning_rate, options)


# ---------------------------------------------------------------------------
# the optimization loop: every objective evaluation is a step; Stop ends within one
#
# Models train through this loop alone (variational models on their loss, the
# trainable kernel on its SVC loss), so live loss, Stop and seeding work the same
# for all of them.  It sits here, below the models, because it needs only the
# registry above; models import it, it imports no model.


class StopTraining(QmlbenchError):
    """Raised by a monitor (or ``Run.stop``) to end ``fit`` early; the model keeps its weights."""


def accepts_phase(fn) -> bool:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return False
    return any(p.kind is p.VAR_KEYWORD or p.name == "phase" for p in sig.parameters.values())


def call_monitor(monitor, step, loss, weights, phase: str = "train") -> None:
    """Call ``monitor(step, loss, weights)`` (plus ``phase=`` when it takes one).

    A monitor that returns True stops training, as in scikit-learn's
    GradientBoosting; one that raises stops it too (StopTraining keeps the model).
    """
    if monitor is None:
        return
    if accepts_phase(monitor):
        stop = monitor(step, loss, weights, phase=phase)
    else:
        stop = monitor(step, loss, weights)
    if stop is True:
        raise StopTraining(f"stopped by the monitor at step {step}")


class ObjectiveTracker:
    """Wraps ``loss(w)`` and ``loss_and_grad(w)`` so every evaluation at new weights
    is reported to the monitor, recorded, and can be stopped by raising."""

    def __init__(self, loss, loss_and_grad=None, monitor=None, phase="train"):
        self._loss = loss
        self._loss_and_grad = loss_and_grad
        self.monitor = monitor
        self.phase = phase
        self.step = 0
        self.losses: list[float] = []
        self.last_weights = None
        self.best_weights = None
        self.best_loss = np.inf
        self._reported = None

    @property
    def has_gradient(self) -> bool:
        return self._loss_and_grad is not None

    def _report(self, w, loss):
        if self._reported is not None and np.array_equal(w, self._reported):
            return
        self._reported = np.array(w, dtype=float, copy=True)
        self.step += 1
        self.losses.append(float(loss))
        self.last_weights = self._reported
        if loss < self.best_loss:
            self.best_loss = float(loss)
            self.best_weights = self._reported
        call_monitor(self.monitor, self.step, float(loss), self._reported.copy(), self.phase)

    def fun(self, w):
        w = np.asarray(w, dtype=float)
        loss = float(self._loss(w))
        self._report(w, loss)
        return loss

    def jac(self, w):
        w = np.asarray(w, dtype=float)
        loss, grad = self._loss_and_grad(w)
        self._report(w, float(loss))
        return np.asarray(grad, dtype=float)


class _ThreadSeededGlobals:
    """Stands in for ``algorithm_globals`` inside qiskit-ml's SPSA module.

    SPSA draws its random directions from ``algorithm_globals``, one process-wide
    generator.  Seeding that would let concurrent runs disturb each other (and a lock
    around a whole fit would keep a waiting run from seeing Stop).  Here a thread
    inside :func:`seeded_spsa` gets its own seeded generator; every other caller
    sees the real global unchanged.
    """

    def __init__(self, real):
        self._real = real
        self._local = threading.local()

    @property
    def random(self):
        rng = getattr(self._local, "rng", None)
        return rng if rng is not None else self._real.random

    def __getattr__(self, name):
        return getattr(self._real, name)


_INSTALL_LOCK = threading.Lock()


@contextmanager
def seeded_spsa(seed):
    """SPSA's random perturbations in this thread come from ``default_rng(seed)``
    (what ``algorithm_globals.random_seed = seed`` would give, without the global)."""
    # qiskit-ml's optimizers load lazily, as the factories above do (about 0.6 s at import)
    import qiskit_machine_learning.optimizers.spsa as spsa_module

    with _INSTALL_LOCK:
        if not isinstance(spsa_module.algorithm_globals, _ThreadSeededGlobals):
            spsa_module.algorithm_globals = _ThreadSeededGlobals(spsa_module.algorithm_globals)
    proxy = spsa_module.algorithm_globals
    previous = getattr(proxy._local, "rng", None)
    proxy._local.rng = np.random.default_rng(seed)
    try:
        yield
    finally:
        proxy._local.rng = previous


def minimize(tracker: ObjectiveTracker, x0, optimizer, maxiter, learning_rate, options, seed):
    """Run the registry optimizer on the tracked objective. Returns ``(weights, stopped)``.

    Gradient optimizers get ``tracker.jac`` when the tracker has a gradient (otherwise
    qiskit-ml's finite differences).  On StopTraining the best weights seen so far are
    returned; any other error propagates after the tracker has recorded what it saw.
    """
    opt = build_optimizer(name=optimizer, maxiter=maxiter, learning_rate=learning_rate,
                          options=options)
    jac = tracker.jac if uses_gradient(optimizer) and tracker.has_gradient else None
    try:
        with seeded_spsa(seed):
            result = opt.minimize(tracker.fun, np.asarray(x0, dtype=float), jac=jac)
    except StopTraining:
        w = tracker.best_weights if tracker.best_weights is not None else np.asarray(x0, float)
        return np.array(w, dtype=float), True
    return np.asarray(result.x, dtype=float), False
