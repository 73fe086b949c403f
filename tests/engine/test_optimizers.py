"""Optimizer registry: names, gradients, settings that apply and settings that do not."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit_machine_learning.optimizers import Optimizer

import qmlbench as qb
from qmlbench.engine import optimizers
from qmlbench.engine.errors import SpecError
from qmlbench.engine.spec import OptimizerSpec

REQUIRED = ["cobyla", "l_bfgs_b", "spsa", "adam", "gradient_descent"]
TARGET = np.array([0.7, -0.4, 0.2])


def quadratic():
    calls = []

    def fun(x):
        calls.append(np.array(x))
        return float(np.sum((np.asarray(x) - TARGET) ** 2))

    def jac(x):
        return 2 * (np.asarray(x) - TARGET)

    return fun, jac, calls


def test_registry_names_and_gradient_use():
    assert set(REQUIRED + ["nelder_mead", "slsqp"]) <= set(optimizers.OPTIMIZERS)
    uses = {n: optimizers.uses_gradient(n) for n in optimizers.OPTIMIZERS}
    assert uses["l_bfgs_b"] and uses["adam"] and uses["gradient_descent"] and uses["slsqp"]
    assert not uses["cobyla"] and not uses["spsa"] and not uses["nelder_mead"]


@pytest.mark.parametrize("name", sorted(optimizers.OPTIMIZERS))
def test_every_optimizer_minimises_a_quadratic(name):
    from qmlbench.engine.models._base import seeded_spsa

    opt = optimizers.build_optimizer(OptimizerSpec(name=name, maxiter=150))
    assert isinstance(opt, Optimizer)
    fun, jac, calls = quadratic()
    x0 = np.zeros(3)
    with seeded_spsa(0):            # SPSA's random directions
        res = opt.minimize(fun, x0, jac=jac if optimizers.uses_gradient(name) else None)
    # f(x0) = 0.69; every optimizer gets within 1% of it from the minimum
    assert fun(res.x) < 0.01 * fun(x0), (name, res.x)


def test_maxiter_bounds_the_run():
    fun, _, calls = quadratic()
    optimizers.build_optimizer(name="cobyla", maxiter=7).minimize(fun, np.zeros(3))
    assert len(calls) <= 7
    fun, jac, calls = quadratic()
    res = optimizers.build_optimizer(name="gradient_descent", maxiter=3,
                                     learning_rate=0.1).minimize(fun, np.zeros(3), jac=jac)
    # x_{k+1} = x_k - 0.1 * 2 (x_k - c)  =>  x_3 = c (1 - 0.8**3)
    np.testing.assert_allclose(res.x, TARGET * (1 - 0.8 ** 3), atol=1e-12)


def test_learning_rate_reaches_the_optimizer():
    fun, jac, _ = quadratic()
    res = optimizers.build_optimizer(name="adam", maxiter=1, learning_rate=0.05).minimize(
        fun, np.zeros(3), jac=jac)
    # Adam's first bias-corrected step has size lr in each coordinate, against the gradient
    np.testing.assert_allclose(res.x, 0.05 * np.sign(TARGET), atol=1e-6)
    spsa = optimizers.build_optimizer(name="spsa", maxiter=5, learning_rate=0.02)
    assert spsa.learning_rate == 0.02 and spsa.perturbation == 0.1


def test_settings_that_do_not_apply_are_refused_by_name():
    with pytest.raises(SpecError) as err:
        optimizers.build_optimizer(name="cobyla", learning_rate=0.1)
    assert err.value.field == "optimizer.learning_rate"
    assert "does not apply to cobyla" in str(err.value) and "adam" in str(err.value)
    with pytest.raises(SpecError) as err:
        optimizers.build_optimizer(name="adam", options={"rhobeg": 0.5})
    assert err.value.field == "optimizer.options.rhobeg"
    assert "beta_1" in str(err.value)
    with pytest.raises(SpecError, match=r"optimizer.name: 'bfgs' is not a known optimizer; "
                                        r"choose one of adam, cobyla"):
        optimizers.build_optimizer(name="bfgs")
    # the same checks run when a spec is built
    with pytest.raises(SpecError, match=r"optimizer.learning_rate: 0.3 does not apply to l_bfgs_b"):
        qb.ExperimentSpec.from_dict({"optimizer": {"name": "l_bfgs_b", "learning_rate": 0.3}})
    with pytest.raises(SpecError, match=r"optimizer.options.beta_1.*does not apply to spsa"):
        qb.ExperimentSpec.from_dict({"optimizer": {"name": "spsa", "options": {"beta_1": 0.9}}})
    spec = qb.ExperimentSpec.from_dict(
        {"optimizer": {"name": "adam", "learning_rate": 0.2, "options": {"amsgrad": True}}})
    adam = optimizers.build_optimizer(spec.optimizer)
    assert adam._lr == 0.2 and adam._amsgrad is True
