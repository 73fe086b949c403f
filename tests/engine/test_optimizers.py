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
    from qmlbench.engine.optimizers import seeded_spsa

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


@pytest.mark.parametrize("given, name", [
    ("COBYLA", "cobyla"), ("SPSA", "spsa"), ("ADAM", "adam"), ("GradientDescent", "gradient_descent"),
    ("L_BFGS_B", "l_bfgs_b"), ("L-BFGS-B", "l_bfgs_b"), ("NELDER_MEAD", "nelder_mead"),
    ("Nelder-Mead", "nelder_mead"), ("SLSQP", "slsqp"), ("Cobyla", "cobyla")])
def test_qiskit_ml_names_are_the_same_optimizers(given, name):
    spec = qb.ExperimentSpec.from_dict({"optimizer": {"name": given}})
    assert spec.optimizer.name == name
    assert spec == qb.ExperimentSpec.from_dict({"optimizer": {"name": name}})
    assert optimizers.get(given) is optimizers.OPTIMIZERS[name]
    assert optimizers.uses_gradient(given) == optimizers.uses_gradient(name)


@pytest.mark.parametrize("options, fragment", [
    ({"name": "cobyla", "options": {"rhobeg": "big"}}, "optimizer.options.rhobeg: 'big' must be a number > 0"),
    ({"name": "cobyla", "options": {"rhobeg": -1}}, "optimizer.options.rhobeg: -1 must be a number > 0"),
    ({"name": "adam", "options": {"beta_1": 1.5}}, "optimizer.options.beta_1: 1.5 must be a number between 0 and 1"),
    ({"name": "adam", "options": {"amsgrad": "yes"}}, "optimizer.options.amsgrad: 'yes' must be true or false"),
    ({"name": "spsa", "options": {"resamplings": 0.5}}, "optimizer.options.resamplings: 0.5 must be an integer >= 1"),
    ({"name": "l_bfgs_b", "options": {"maxfun": "10"}}, "optimizer.options.maxfun: '10' must be an integer >= 1"),
])
def test_option_values_are_checked_when_the_spec_is_built(options, fragment):
    with pytest.raises(SpecError) as err:
        qb.ExperimentSpec.from_dict({"optimizer": options})
    assert fragment in str(err.value) and "\n" not in str(err.value)


def test_every_option_has_a_kind():
    for e in optimizers.OPTIMIZERS.values():
        assert set(e.option_kinds) == set(e.options), e.name
        assert all(k.rstrip("?") in optimizers.KINDS for k in e.option_kinds.values())
    qb.ExperimentSpec.from_dict({"optimizer": {"name": "cobyla", "options": {"rhobeg": 0.5, "tol": None}}})


def test_cobyla_below_its_minimum_keeps_maxiter_and_says_so(recwarn):
    """SciPy silently raised maxiter 5 to weights + 2 (42 evaluations for 40 weights)."""
    import warnings

    fun, _, calls = quadratic()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        res = optimizers.build_optimizer(name="cobyla", maxiter=4).minimize(fun, np.zeros(3))
    assert len(calls) == 4                     # not 5: maxiter is a hard cap
    losses = [float(np.sum((c - TARGET) ** 2)) for c in calls]
    assert res.nfev == 4 and res.fun == min(losses)
    texts = [str(w.message) for w in seen]
    assert any("COBYLA needs 5 evaluations (weights + 2) for 3 weights" in t for t in texts), texts
    assert not any("Invalid MAXFUN" in t for t in texts), texts   # no raw SciPy warning
    fun, _, calls = quadratic()
    optimizers.build_optimizer(name="cobyla", maxiter=5).minimize(fun, np.zeros(3))
    assert len(calls) == 5
    # through a run: exactly maxiter steps, and a note that says why it stopped so soon
    run = qb.train({"dataset": {"name": "moons", "n_samples": 20}, "model": {"name": "vqc"},
                    "optimizer": {"name": "cobyla", "maxiter": 5}}, block=True)
    assert run.status == "done" and len(run.history) == 5
    assert any("COBYLA needs" in n and "maxiter 5 was kept" in n for n in run.notes), run.notes
    best = min(run.history, key=lambda h: h["loss"])
    np.testing.assert_array_equal(run.model.weights_, best["weights"])
