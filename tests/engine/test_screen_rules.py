"""Engine homes of rules the screen used to keep: model/task twins, circuit warnings, the
kernel view's subsample, the Compare runs, a run's live snapshot and the plateau sweep."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import qmlbench as qb
from qmlbench.engine import circuits, kernels, training
from qmlbench.engine.models import compat
from qmlbench.engine.plateau import DepthPerQubit, gradient_variance, sweep


# --- models/compat ---------------------------------------------------------------------
def test_twins_and_task_checks():
    assert compat.dataset_task("sine") == "regression"
    assert compat.dataset_task("moons") == "classification"
    assert compat.dataset_task("nope") is None
    assert compat.model_for_task("vqc", "regression") == "vqr"
    assert compat.model_for_task("svr", "classification") == "svc"
    assert compat.model_for_task("qsvc", "classification") == "qsvc"
    assert compat.model_for_task("qsvc", None) == "qsvc"
    for (name, task), twin in compat.TWINS.items():
        assert task not in qb.models.MODELS[name].tasks
        assert task in qb.models.MODELS[twin].tasks
    assert compat.baselines_for("regression") == ["svr", "mlp"]
    assert "logistic" in compat.baselines_for("classification")
    assert compat.baseline_for("regression", "logistic") == "svr"
    assert compat.baseline_for("classification", "mlp") == "mlp"


# --- circuits.circuit_warnings ------------------------------------------------------------
def test_circuit_warnings():
    spec = qb.ExperimentSpec.from_dict({"circuit": {"ansatz": {"name": "real_amplitudes",
                                                               "reps": 6}}})
    facts = {"num_qubits": 6, "depth": 40}
    assert any("barren plateau" in w for w in
               circuits.circuit_warnings(spec, facts, model_kind="variational", global_cost=True))
    assert circuits.circuit_warnings(spec, facts, model_kind="variational",
                                     global_cost=False) == []
    assert any("barren plateau" in w for w in compat.circuit_warnings(spec, facts))  # vqc
    local = spec.replace(model={"name": "vqr", "params": {"observable": "Z0"}})
    assert compat.circuit_warnings(local, facts) == []
    assert any("2^12" in w for w in circuits.circuit_warnings(spec, {"num_qubits": 12}))
    assert any("concentrate" in w for w in
               circuits.circuit_warnings(spec, {"num_qubits": 8}, model_kind="kernel"))
    assert any("Depth 201" in w for w in circuits.circuit_warnings(spec, {"depth": 201}))


# --- kernels/view ---------------------------------------------------------------------------
def test_kernel_subsample_is_seeded_ordered_and_bounded():
    X = np.arange(600, dtype=float).reshape(300, 2)
    y = np.arange(300) % 2
    Xs, ys = kernels.subsample(X, y, max_points=50, seed=3)
    assert Xs.shape == (50, 2) and np.all(np.diff(Xs[:, 0]) > 0)
    np.testing.assert_array_equal(ys, (Xs[:, 0] / 2).astype(int) % 2)
    again, _ = kernels.subsample(X, y, max_points=50, seed=3)
    np.testing.assert_array_equal(Xs, again)
    small, _ = kernels.subsample(X[:10], y[:10], max_points=50)
    assert len(small) == 10


def test_kernel_view_of_the_feature_map():
    spec = qb.ExperimentSpec.from_dict({"dataset": {"name": "moons", "n_samples": 40}})
    ds = qb.datasets.from_spec(spec.dataset, seed=spec.seed)
    view = kernels.kernel_view(spec, ds, max_points=12)
    assert view.matrix.shape == (12, 12) and view.n_points == 12 and not view.trained
    np.testing.assert_allclose(np.diag(view.matrix), 1.0, atol=1e-9)
    fm = kernels.view.feature_map_for(spec, 2)
    np.testing.assert_allclose(view.matrix, kernels.kernel_matrix(fm, view.X))
    assert view.labels is not None and view.alignment is None


# --- training: snapshot and compare -------------------------------------------------------
def test_snapshot_gives_a_model_at_the_latest_weights_without_touching_the_run():
    gate = threading.Event()
    seen = []

    def on_step(step, loss, elapsed, weights):
        if step == 3:
            gate.wait(30)

    run = training.train({"dataset": {"name": "moons", "n_samples": 30},
                          "optimizer": {"maxiter": 8}}, on_step=on_step)
    while run.steps < 3 and not run.done:
        pass
    snap = run.snapshot()
    assert snap is not None and snap is not run.model
    np.testing.assert_allclose(snap.weights_, run.history[-1]["weights"])
    seen.append(snap.predict(run.dataset.X_test[:3]))
    gate.set()
    run.wait(60)
    assert run.snapshot() is run.model
    kernel_run = training.train({"dataset": {"name": "moons", "n_samples": 30},
                                 "model": {"name": "qsvc"}}, block=True)
    assert kernel_run.snapshot() is kernel_run.model


def test_add_done_callback_runs_once_even_after_the_end():
    calls = []
    run = training.train({"dataset": {"name": "moons", "n_samples": 30}, "model": {"name": "svc"}})
    run.add_done_callback(calls.append)
    run.wait(30)
    run.add_done_callback(calls.append)
    assert calls == [run, run]


def test_compare_trains_the_model_then_the_baseline_on_the_same_data():
    spec = qb.ExperimentSpec.from_dict({"dataset": {"name": "moons", "n_samples": 40},
                                        "model": {"name": "qsvc"}})
    ended = []
    comp = training.compare(spec, "logistic", params={"C": 0.5}, on_end=ended.append)
    comp.wait(60)
    assert comp.done and ended == [comp] and set(comp.results) == {"qsvc", "logistic"}
    assert comp.runs["logistic"].dataset is comp.runs["qsvc"].dataset
    assert comp.runs["logistic"].spec.model.params == {"C": 0.5}
    alone = training.train(spec.replace(model={"name": "logistic", "params": {"C": 0.5}}),
                           dataset=comp.dataset, block=True)
    assert comp.results["logistic"]["test"] == pytest.approx(alone.scores["test"])
    assert set(comp.times) == {"qsvc", "logistic"}
    same = training.compare(spec, "qsvc", dataset=comp.dataset).wait(60)
    assert list(same.runs) == ["qsvc"]


def test_compare_reports_an_error():
    spec = qb.ExperimentSpec.from_dict({"dataset": {"name": "sine", "n_samples": 30},
                                        "model": {"name": "svr"}})
    comp = training.compare(spec, "logistic")   # a classifier cannot fit a regression
    with pytest.raises(Exception):
        comp.wait(60)
    assert comp.done and comp.error is not None


# --- plateau sweep --------------------------------------------------------------------------
def test_sweep_width_by_width_equals_one_call_and_stops_between_widths():
    kwargs = dict(ansatz="random_pauli", qubits=[2, 3, 4], layers=DepthPerQubit(2), samples=30,
                  observable="zz", param_index=0, seed=1)
    partials, progress = [], []
    res = sweep(kwargs, on_width=lambda r: partials.append(list(r.qubits)),
                progress=lambda d, t: progress.append((d, t)))
    whole = gradient_variance(**kwargs)
    np.testing.assert_array_equal(res.variances, whole.variances)
    assert res.decay_rate == pytest.approx(whole.decay_rate) and not res.stopped
    assert partials == [[2], [2, 3], [2, 3, 4]]
    assert progress[-1] == (90, 90)
    stop = threading.Event()
    first = sweep(kwargs, stop_event=stop, on_width=lambda r: stop.set())
    assert first.qubits == [2] and first.stopped
    np.testing.assert_array_equal(first.variances, whole.variances[:1])
    stop.set()
    assert sweep(kwargs, stop_event=stop) is None


def test_a_background_sweep_run():
    from qmlbench.engine.plateau import PlateauSettings

    s = PlateauSettings(qubits=[2, 3], layers=2, samples=20)
    ends = []
    job = s.start(on_width=None)
    job.on_end = ends.append
    assert job.wait(60) and job.status == "done" and job.done_widths == 2
    np.testing.assert_array_equal(job.result.variances, s.run().variances)
