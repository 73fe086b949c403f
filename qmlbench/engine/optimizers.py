"""Optimizers by name: a registry over ``qiskit_machine_learning.optimizers``.

Every optimizer is used through the same call, ``opt.minimize(fun, x0, jac=None)``,
so a model can wrap ``fun`` (live loss, stop) without depending on the
optimizer's own callback, which qiskit-ml 0.9 calls with different arguments
per optimizer (FIELD-NOTES).

``OPTIMIZERS[name]`` is an :class:`OptimizerEntry` that says whether the
optimizer uses gradients, whether a learning rate applies, and which extra
options it accepts; :func:`build_optimizer` turns an
:class:`~qmlbench.engine.spec.OptimizerSpec` (or plain values) into a ready
qiskit-ml optimizer, refusing options that do not apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from .errors import SpecError


@dataclass(frozen=True)
class OptimizerEntry:
    name: str
    label: str
    #: True when the optimizer needs ``jac``; models then pass an analytic gradient.
    uses_gradient: bool
    #: keyword of the qiskit-ml constructor that takes ``learning_rate``; None: does not apply.
    learning_rate_arg: str | None
    #: extra keyword options accepted from ``OptimizerSpec.options``
    options: tuple[str, ...]
    #: ``(maxiter, learning_rate, options) -> qiskit-ml optimizer``
    factory: Callable[..., Any] = field(repr=False, compare=False)
    description: str = ""


def _cobyla(maxiter, learning_rate, options):
    from qiskit_machine_learning.optimizers import COBYLA

    return COBYLA(maxiter=maxiter, **options)


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


OPTIMIZERS: dict[str, OptimizerEntry] = {
    e.name: e
    for e in [
        OptimizerEntry("cobyla", "COBYLA", False, None, ("rhobeg", "tol"), _cobyla,
                       "gradient-free linear approximations; maxiter counts evaluations"),
        OptimizerEntry("l_bfgs_b", "L-BFGS-B", True, None, ("maxfun", "ftol", "eps"), _l_bfgs_b,
                       "quasi-Newton with analytic gradients"),
        OptimizerEntry("spsa", "SPSA", False, "learning_rate",
                       ("perturbation", "resamplings", "blocking", "allowed_increase",
                        "last_avg", "second_order", "regularization", "trust_region"), _spsa,
                       "two evaluations per step along a random direction; robust to shot noise"),
        OptimizerEntry("adam", "ADAM", True, "lr",
                       ("beta_1", "beta_2", "tol", "eps", "noise_factor", "amsgrad"), _adam,
                       "adaptive-moment gradient descent (default learning rate 0.1)"),
        OptimizerEntry("gradient_descent", "Gradient descent", True, "learning_rate",
                       ("tol", "perturbation"), _gradient_descent,
                       "plain gradient steps (default learning rate 0.1)"),
        OptimizerEntry("nelder_mead", "Nelder-Mead", False, None,
                       ("maxfev", "xatol", "tol", "adaptive"), _nelder_mead,
                       "gradient-free simplex search"),
        OptimizerEntry("slsqp", "SLSQP", True, None, ("ftol", "eps", "tol"), _slsqp,
                       "sequential least squares with analytic gradients"),
    ]
}


def get(name: str) -> OptimizerEntry:
    if name not in OPTIMIZERS:
        raise SpecError("optimizer.name", name, sorted(OPTIMIZERS),
                        reason="is not a known optimizer")
    return OPTIMIZERS[name]


def uses_gradient(name: str) -> bool:
    """Whether the named optimizer calls ``jac`` (models then supply exact gradients)."""
    return get(name).uses_gradient


def check_options(name: str, learning_rate=None, options=None, maxiter=None) -> None:
    """Raise :class:`SpecError` naming the first setting that does not apply to ``name``."""
    entry = get(name)
    if maxiter is not None and (isinstance(maxiter, bool) or not isinstance(maxiter, int)
                                or maxiter < 1):
        raise SpecError("optimizer.maxiter", maxiter, reason="must be an integer >= 1")
    if learning_rate is not None:
        if entry.learning_rate_arg is None:
            takers = sorted(n for n, e in OPTIMIZERS.items() if e.learning_rate_arg)
            raise SpecError("optimizer.learning_rate", learning_rate,
                            reason=(f"does not apply to {name}; leave it empty, or pick an "
                                    f"optimizer that takes one: {', '.join(takers)}"))
        if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float)) \
                or not learning_rate > 0:
            raise SpecError("optimizer.learning_rate", learning_rate,
                            reason="must be a number > 0")
    options = options or {}
    if not isinstance(options, dict):
        raise SpecError("optimizer.options", options,
                        reason="must be a mapping of option names to values")
    for key in options:
        if key not in entry.options:
            raise SpecError(f"optimizer.options.{key}", options[key], list(entry.options),
                            reason=f"does not apply to {name}")


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
