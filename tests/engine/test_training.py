"""Live training: a Run in a background thread with per-step events, scores, stop, errors."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import qmlbench as qb
from qmlbench.engine import training
from qmlbench.engine.errors import DataError

HISTORY_KEYS = {"step", "loss", "elapsed", "weights", "train_score", "test_score", "phase"}


def spec_for(model="vqc", optimizer="cobyla", maxiter=30, dataset="gaussians", seed=0,
             learning_rate=None, n_samples=40):
    return qb.ExperimentSpec.from_dict({
        "dataset": {"name": dataset, "n_samples": n_samples},
        "circuit": {"feature_map": {"name": "angle", "reps": 1},
                    "ansatz": {"name": "real_amplitudes", "reps": 1}},
        "model": {"name": model},
        "optimizer": {"name": optimizer, "maxiter": maxiter, "learning_rate": learning_rate},
        "seed": seed})


@pytest.mark.timeout(60)
@pytest.mark.parametrize("optimizer", ["cobyla", "l_bfgs_b", "spsa", "adam", "gradient_descent"])
def test_on_step_sees_a_falling_loss_for_every_optimizer(optimizer):
    calls = []
    run = qb.train(spec_for(optimizer=optimizer, maxiter=25),
                   on_step=lambda step, loss, elapsed, weights:
                   calls.append((step, loss, elapsed, np.array(weights), threading.current_thread())),
                   block=True)
    assert run.status == "done" and run.done and run.error is None
    steps = [c[0] for c in calls]
    assert steps == list(range(1, len(calls) + 1)) and len(calls) >= 5
    assert all(c[4] is not threading.main_thread() for c in calls)   # ran in the background
    elapsed = [c[2] for c in calls]
    assert elapsed == sorted(elapsed) and elapsed[-1] <= run.elapsed
    losses = [c[1] for c in calls]
    # the loss falls: the best late value is clearly below the first
    assert min(losses[len(losses) // 2:]) < losses[0] - 0.05, losses
    assert all(len(c[3]) == run.model.num_weights_ for c in calls)
    # history mirrors the calls and carries scores every few steps and at the end
    assert [h["loss"] for h in run.history] == losses
    assert all(set(h) == HISTORY_KEYS for h in run.history)
    assert run.history[-1]["test_score"] == run.scores["test"]
    assert run.scores["train"] == pytest.approx(
        run.model.score(run.dataset.X_train, run.dataset.y_train))
    assert run.scores["test"] >= 0.8
    assert run.path.startswith("exact")


def test_scores_are_added_every_few_steps():
    run = qb.train(spec_for(maxiter=25), score_every=5, block=True)
    scored = [h["step"] for h in run.history if h["train_score"] is not None]
    assert scored[:4] == [5, 10, 15, 20]
    entry = run.history[9]
    # the score at step 10 is the model's score with that step's weights
    model = run.model
    saved = model.weights_
    model.weights_ = np.array(entry["weights"])
    assert entry["train_score"] == pytest.approx(
        model.score(run.dataset.X_train, run.dataset.y_train))
    model.weights_ = saved


@pytest.mark.timeout(30)
def test_stop_ends_a_long_run_quickly_and_the_model_predicts():
    started = threading.Event()

    def on_step(step, loss, elapsed, weights):
        if step >= 3:
            started.set()

    # SPSA has no convergence test: 100 000 iterations run for minutes unless stopped
    run = qb.train(spec_for(optimizer="spsa", maxiter=100_000, learning_rate=0.05),
                   on_step=on_step)
    while not started.wait(0.05):
        if run.done:
            run.wait()                      # surfaces the error that ended it early
            pytest.fail(f"the run ended by itself: {run!r}")
    t = time.perf_counter()
    run.stop()
    run.wait(timeout=5)
    assert time.perf_counter() - t < 2.0
    assert run.done and run.status == "stopped" and run.error is None
    best = min((h for h in run.history if h["loss"] is not None), key=lambda h: h["loss"])
    np.testing.assert_array_equal(run.model.weights_, best["weights"])
    pred = run.model.predict(run.dataset.X_test)
    assert pred.shape == run.dataset.y_test.shape
    assert run.scores["test"] is not None and len(run.history) < 100_000


@pytest.mark.timeout(30)
def test_an_exception_in_training_reaches_wait():
    def on_step(step, loss, elapsed, weights):
        if step == 3:
            raise ValueError("callback broke")

    run = qb.train(spec_for(), on_step=on_step)
    with pytest.raises(ValueError, match="callback broke"):
        run.wait(timeout=20)
    assert run.status == "error" and isinstance(run.error, ValueError) and run.done
    # a model refusing the data: the DataError reaches wait() as well
    iris = qb.datasets.load("iris", n_samples=60, seed=0, num_features=2)
    run = qb.train(spec_for(model="estimator_qnn"), dataset=iris)
    with pytest.raises(DataError, match="estimator_qnn"):
        run.wait(timeout=20)
    assert run.status == "error"


@pytest.mark.timeout(60)
def test_kernel_models_report_phases_as_steps():
    seen = []
    run = qb.train(spec_for(model="qsvc"), on_step=lambda *a, phase: seen.append((a[0], a[1], phase)),
                   block=True)
    assert seen == [(1, None, "kernel matrix"), (2, None, "fit")]
    assert [h["phase"] for h in run.history] == ["kernel matrix", "fit"]
    assert run.status == "done" and run.scores["test"] >= 0.8


@pytest.mark.timeout(60)
def test_same_spec_and_seed_give_the_same_run():
    a = qb.train(spec_for(optimizer="spsa", maxiter=10, seed=4), block=True)
    b = qb.train(spec_for(optimizer="spsa", maxiter=10, seed=4), block=True)
    assert [h["loss"] for h in a.history] == [h["loss"] for h in b.history]
    assert a.scores == b.scores
    c = qb.train(spec_for(optimizer="spsa", maxiter=10, seed=5), block=True)
    assert [h["loss"] for h in c.history] != [h["loss"] for h in a.history]


def test_run_is_exported_and_reports_its_state():
    assert qb.train is training.train and qb.Run is training.Run
    run = qb.train(spec_for(maxiter=5), block=True)
    assert run.status == "done" and run.elapsed > 0 and run.fallback_reason is None
    assert "done" in repr(run)
    assert run.spec.model.name == "vqc" and run.dataset.task == "classification"
    with pytest.raises(qb.QmlbenchError, match="already been started"):
        run.start()


@pytest.mark.timeout(60)
def test_concurrent_spsa_runs_stay_reproducible_and_stoppable():
    alone = qb.train(spec_for(optimizer="spsa", maxiter=15, seed=2), block=True)
    a = qb.train(spec_for(optimizer="spsa", maxiter=15, seed=2))
    b = qb.train(spec_for(optimizer="spsa", maxiter=15, seed=2))
    long = qb.train(spec_for(optimizer="spsa", maxiter=100_000, seed=9, learning_rate=0.05))
    a.wait(30)
    b.wait(30)
    assert [h["loss"] for h in a.history] == [h["loss"] for h in alone.history]
    assert [h["loss"] for h in b.history] == [h["loss"] for h in alone.history]
    # a long SPSA run next to others still stops at once (no process-wide seed lock)
    t = time.perf_counter()
    long.stop().wait(5)
    assert long.status == "stopped" and time.perf_counter() - t < 2.0


@pytest.mark.timeout(120)
def test_a_users_v2_primitive_trains_the_model_and_the_run_says_so():
    from qiskit.primitives import StatevectorEstimator

    from qmlbench.engine import execution

    spec = {"dataset": {"name": "xor", "n_samples": 24}, "model": {"name": "estimator_qnn"},
            "optimizer": {"name": "cobyla", "maxiter": 6}, "seed": 1}
    user = training.train(spec, evaluator=execution.evaluator_for(estimator=StatevectorEstimator()))
    user.wait(60)
    exact = training.train(spec).wait(60)
    assert user.path != exact.path and "user" in user.path.lower()
    # StatevectorEstimator is exact, so the same spec follows the same loss curve
    np.testing.assert_allclose(user.losses, exact.losses, atol=1e-9)


def _reset_ansatz(num_qubits, reps, entanglement, section=None, **_):
    """RY layers after a reset: valid for Aer, not for the fast exact path."""
    from qiskit import QuantumCircuit
    from qiskit.circuit import ParameterVector

    theta = ParameterVector("θ", num_qubits * reps)
    qc = QuantumCircuit(num_qubits)
    for r in range(reps):
        qc.reset(0)
        for q in range(num_qubits):
            qc.ry(theta[r * num_qubits + q], q)
        for q in range(num_qubits - 1):
            qc.cx(q, q + 1)
    return qc


@pytest.fixture
def reset_ansatz(monkeypatch):
    from qmlbench.engine import circuits

    monkeypatch.setitem(circuits.ANSATZE, "reset_ry",
                        circuits.Block("reset_ry", "ansatz", _reset_ansatz))
    return spec_for(maxiter=4, n_samples=16).replace(
        circuit={"ansatz": {"name": "reset_ry", "reps": 1}})


@pytest.mark.timeout(60)
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_run_that_fell_back_says_which_path_ran_and_why(reset_ansatz):
    """Issue 5: the run results name the path that ran and the reason it fell back.
    The evaluator only learns it must fall back while evaluating, so the run must not
    report the path it was created with."""
    import pickle

    from qmlbench.engine import execution

    run = qb.train(reset_ansatz, block=True)
    assert run.status == "done", run.error
    assert run.path == execution.PATH_AER_MIXED
    assert "reset" in run.fallback_reason
    assert run.model.path_ == run.path and run.model.fallback_reason_ == run.fallback_reason
    saved = pickle.loads(pickle.dumps(run.model))  # what store.save keeps
    assert saved.path_ == run.path and "reset" in saved.fallback_reason_
    exact = qb.train(spec_for(maxiter=4, n_samples=16), block=True)
    assert exact.path == execution.PATH_EXACT and exact.fallback_reason is None


def _slow_model(spec, dataset, slow_from, seconds, began):
    """A vqc whose evaluations from number ``slow_from`` on are slow and score loss 0 (the best)."""
    model = qb.models.build(spec, dataset)
    calls = [0]
    real_forward, real_loss = model._forward, model._loss_value

    def forward(X, w):
        calls[0] += 1
        if calls[0] >= slow_from:
            began.set()
            time.sleep(seconds)
        return real_forward(X, w)

    def loss_value(out, t):
        per, d = real_loss(out, t)
        return (per * 0.0, d) if calls[0] >= slow_from else (per, d)

    model._forward, model._loss_value = forward, loss_value
    return model


@pytest.mark.timeout(60)
def test_stop_during_a_slow_evaluation_keeps_model_history_and_curve_in_agreement():
    """Issue 9: Stop landing during an evaluation left the model with weights (and a loss)
    that were in neither the history nor the loss curve."""
    spec = spec_for(maxiter=200)
    data = qb.datasets.from_spec(spec.dataset, seed=spec.seed)
    began = threading.Event()
    model = _slow_model(spec, data, slow_from=5, seconds=0.6, began=began)
    seen = []
    run = qb.train(spec, dataset=data, model=model,
                   on_step=lambda step, loss, elapsed, weights: seen.append((loss, list(weights))))
    assert began.wait(30), run
    run.stop()                                   # lands while evaluation 5 is running
    t = time.perf_counter()
    run.wait(30)
    assert run.done and run.status == "stopped" and run.error is None
    assert time.perf_counter() - t < 10          # one evaluation (0.6 s) and a little scoring
    last = run.history[-1]
    assert last["loss"] == 0.0 and len(run.history) == 5
    # the model keeps the best weights of its history: here the last, slow evaluation's
    np.testing.assert_array_equal(run.model.weights_, last["weights"])
    best = min(run.history, key=lambda h: h["loss"])
    np.testing.assert_array_equal(run.model.weights_, best["weights"])
    assert run.model.loss_history_ == [h["loss"] for h in run.history]
    assert [s[0] for s in seen] == [h["loss"] for h in run.history]   # the live curve too
    assert seen[-1][1] == last["weights"]


@pytest.mark.timeout(60)
def test_final_scoring_after_stop_is_cut_short_and_says_so(monkeypatch):
    spec = spec_for(maxiter=200)
    data = qb.datasets.from_spec(spec.dataset, seed=spec.seed)
    began = threading.Event()
    model = _slow_model(spec, data, slow_from=4, seconds=0.3, began=began)
    monkeypatch.setattr(training, "STOP_SCORING_BUDGET_S", 0.0)
    run = qb.train(spec, dataset=data, model=model)
    assert began.wait(30)
    run.stop()
    run.wait(30)
    assert run.status == "stopped" and run.scores == {"train": None, "test": None}
    assert any("scoring cut short after Stop" in n for n in run.notes)
    assert run.model.predict(data.X_test).shape == data.y_test.shape  # the model still works

    # within the budget, scores after a stop are the model's own scores
    monkeypatch.setattr(training, "STOP_SCORING_BUDGET_S", 60.0)
    began.clear()
    model = _slow_model(spec, data, slow_from=4, seconds=0.3, began=began)
    run = qb.train(spec, dataset=data, model=model)
    assert began.wait(30)
    run.stop()
    run.wait(30)
    assert run.scores["test"] == pytest.approx(run.model.score(data.X_test, data.y_test))
    assert run.scores["train"] == pytest.approx(run.model.score(data.X_train, data.y_train))
    assert run.notes == []


@pytest.mark.timeout(60)
def test_a_second_stop_skips_the_final_scoring():
    spec = spec_for(maxiter=200)
    data = qb.datasets.from_spec(spec.dataset, seed=spec.seed)
    began = threading.Event()
    model = _slow_model(spec, data, slow_from=4, seconds=0.3, began=began)
    run = qb.train(spec, dataset=data, model=model)
    assert began.wait(30)
    run.stop()
    run.stop()
    run.wait(30)
    assert run.status == "stopped" and run.scores["test"] is None
    assert any("skipped" in n for n in run.notes)


@pytest.mark.parametrize("bad", [None, 3, ["dataset"]])
def test_train_refuses_what_is_not_a_spec_with_a_spec_error(bad):
    with pytest.raises(qb.SpecError, match="spec: .* must be an ExperimentSpec"):
        qb.train(bad)
