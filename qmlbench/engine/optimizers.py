"""Optimizers by name: a registry over ``qiskit_machine_learning.optimizers``.

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

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .errors import SpecError
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
