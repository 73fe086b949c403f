"""Save and load: identical predictions, everything round-trips, and no failure loses a saved experiment."""

import json
import os
import threading

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

import qmlbench as qb
from qmlbench.engine import store
from qmlbench.engine.errors import QmlbenchError, SpecError


@pytest.fixture(scope="module")
def moons():
    return qb.datasets.load("moons", n_samples=60, seed=0)


@pytest.fixture(scope="module")
def fitted(moons):
    return LogisticRegression().fit(moons.X_train, moons.y_train)


SPEC = qb.ExperimentSpec.from_dict({"dataset": {"name": "moons", "n_samples": 60}, "model": {"name": "logistic"}})
HISTORY = [{"step": 1, "loss": 0.7, "elapsed": 0.01, "weights": np.array([0.1, 0.2])},
           {"step": 2, "loss": np.float64(0.5), "elapsed": 0.02, "weights": np.array([0.3, 0.4])}]


def test_round_trip_of_everything(tmp_path, moons, fitted):
    path = store.save(tmp_path / "exp", SPEC, model=fitted, history=HISTORY,
                      scores={"train": 0.9, "test": np.float32(0.85)}, extra={"note": "hello"})
    assert sorted(os.listdir(path)) == ["extra.json", "history.json", "manifest.json", "model.pkl",
                                        "scores.json", "spec.json"]
    exp = store.load(path)
    assert exp.spec == SPEC
    assert np.array_equal(exp.model.predict_proba(moons.X_test), fitted.predict_proba(moons.X_test))
    assert exp.history == [{"step": 1, "loss": 0.7, "elapsed": 0.01, "weights": [0.1, 0.2]},
                           {"step": 2, "loss": 0.5, "elapsed": 0.02, "weights": [0.3, 0.4]}]
    assert exp.scores == {"train": 0.9, "test": pytest.approx(0.85)}
    assert exp.extra == {"note": "hello"} and exp.status == "done"
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["model_class"].endswith("LogisticRegression")
    assert manifest["versions"]["qiskit"].startswith("2.")


def test_quantum_model_predicts_identically_after_load(tmp_path):
    from qmlbench.engine import models

    spec = qb.ExperimentSpec.from_dict({
        "dataset": {"name": "ad_hoc", "n_samples": 24},
        "circuit": {"feature_map": {"name": "zz", "reps": 2}},
        "model": {"name": "qsvc"},
    })
    data = qb.datasets.from_spec(spec.dataset, seed=spec.seed)
    model = models.build(spec, data).fit(data.X_train, data.y_train)
    store.save(tmp_path / "q", spec, model=model)
    back = store.load(tmp_path / "q").model
    assert np.array_equal(back.predict(data.X_test), model.predict(data.X_test))
    np.testing.assert_array_equal(back.decision_function(data.X_test),
                                  model.decision_function(data.X_test))  # identical, not close


def test_a_stopped_run_saves_with_its_status(tmp_path, moons, fitted):
    class StoppedRun:  # the attributes a training Run exposes
        spec = SPEC
        model = fitted
        history = HISTORY[:1]
        scores = {"train": 0.6}
        status = "stopped"
        path = "exact"
        error = None

    store.save_run(tmp_path / "stopped", StoppedRun())
    exp = store.load(tmp_path / "stopped")
    assert exp.status == "stopped" and len(exp.history) == 1
    assert exp.extra["execution_path"] == "exact"
    assert np.array_equal(exp.model.predict(moons.X_test), fitted.predict(moons.X_test))


def _assert_intact(path, moons, fitted):
    exp = store.load(path)
    assert exp.history[0]["step"] == 1
    assert np.array_equal(exp.model.predict(moons.X_test), fitted.predict(moons.X_test))
    leftovers = [p for p in os.listdir(path.parent) if p.startswith(".")]
    assert leftovers == [], leftovers


def test_unpicklable_model_leaves_previous_save_intact(tmp_path, moons, fitted):
    path = store.save(tmp_path / "exp", SPEC, model=fitted, history=HISTORY)
    bad = LogisticRegression()
    bad.lock_ = threading.Lock()
    with pytest.raises(QmlbenchError, match="model: LogisticRegression cannot be saved .*nothing was written"):
        store.save(path, SPEC, model=bad, history=[{"step": 99}])
    _assert_intact(path, moons, fitted)


def test_crash_while_writing_leaves_previous_save_intact(tmp_path, moons, fitted, monkeypatch):
    path = store.save(tmp_path / "exp", SPEC, model=fitted, history=HISTORY)
    real_write, calls = store._write, []

    def failing_write(p, data):
        calls.append(p)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real_write(p, data)

    monkeypatch.setattr(store, "_write", failing_write)
    with pytest.raises(OSError, match="No space left"):
        store.save(path, SPEC, model=fitted, history=[{"step": 99}])
    assert len(calls) == 3
    monkeypatch.undo()
    _assert_intact(path, moons, fitted)


def test_crash_while_swapping_puts_previous_back(tmp_path, moons, fitted, monkeypatch):
    path = store.save(tmp_path / "exp", SPEC, model=fitted, history=HISTORY)
    monkeypatch.setattr(store, "_exchange", lambda a, b: False)  # force the two-rename fallback
    real_rename = os.rename

    def rename(src, dst):
        if ".tmp-" in str(src):
            raise OSError("simulated crash while moving the new experiment into place")
        return real_rename(src, dst)

    monkeypatch.setattr(store.os, "rename", rename)
    with pytest.raises(OSError, match="simulated crash"):
        store.save(path, SPEC, model=fitted, history=[{"step": 99}])
    monkeypatch.undo()
    _assert_intact(path, moons, fitted)


def test_overwrite_replaces_a_good_save_with_a_good_one(tmp_path, moons, fitted):
    path = store.save(tmp_path / "exp", SPEC, model=fitted, history=[{"step": 5}])
    store.save(path, SPEC, model=fitted, history=HISTORY)
    _assert_intact(path, moons, fitted)


def test_refuses_to_overwrite_something_that_is_not_an_experiment(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "mine.txt").write_text("precious")
    with pytest.raises(QmlbenchError, match="exists and is not a saved qmlbench experiment; refusing"):
        store.save(tmp_path / "notes", SPEC)
    assert (tmp_path / "notes" / "mine.txt").read_text() == "precious"


def test_bad_spec_is_refused_before_writing(tmp_path):
    with pytest.raises(SpecError, match="model.name: 'qsvm' is not a known model"):
        store.save(tmp_path / "x", {"model": {"name": "qsvm"}})
    assert not (tmp_path / "x").exists() and os.listdir(tmp_path) == []


def test_damaged_or_foreign_folders_are_reported(tmp_path, fitted):
    with pytest.raises(QmlbenchError, match="is not a saved qmlbench experiment \\(no manifest.json\\)"):
        store.load(tmp_path)
    path = store.save(tmp_path / "exp", SPEC, model=fitted)
    (path / "scores.json").write_text('{"train": 1.0}')
    with pytest.raises(QmlbenchError, match="scores.json does not match its checksum"):
        store.load(path)


@pytest.mark.timeout(120)
def test_a_real_run_stopped_half_way_saves_and_predicts_identically(tmp_path):
    spec = qb.ExperimentSpec.from_dict({
        "dataset": {"name": "moons", "n_samples": 40},
        "circuit": {"feature_map": {"name": "zz", "reps": 1}, "ansatz": {"name": "real_amplitudes", "reps": 2}},
        "model": {"name": "vqc"},
        "optimizer": {"name": "cobyla", "maxiter": 100000},
    })
    stop_at, started, holder = 5, threading.Event(), {}

    def on_step(step, loss, elapsed, weights):
        if step >= stop_at:
            started.wait(10)  # the thread may call back before train() has returned the run
            holder["run"].stop()

    run = holder["run"] = qb.train(spec, on_step=on_step)
    started.set()
    run.wait(60)
    assert run.status == "stopped"
    store.save_run(tmp_path / "half", run)
    exp = store.load(tmp_path / "half")
    assert exp.status == "stopped" and exp.spec == spec
    assert len(exp.history) == len(run.history) and stop_at <= len(exp.history) < 100
    X = run.dataset.X_test
    assert np.array_equal(exp.model.predict(X), run.model.predict(X))
    np.testing.assert_array_equal(exp.model.weights_, run.model.weights_)
    np.testing.assert_array_equal(exp.model.predict_proba(X), run.model.predict_proba(X))


def test_an_empty_folder_is_used_and_the_folder_gets_normal_permissions(tmp_path, moons, fitted):
    (tmp_path / "empty").mkdir()
    assert store.check_target(tmp_path / "empty") == "empty"
    old = os.umask(0o022)
    try:
        path = store.save(tmp_path / "empty", SPEC, model=fitted, history=HISTORY)
        other = store.save(tmp_path / "fresh", SPEC, model=fitted)
    finally:
        os.umask(old)
    _assert_intact(path, moons, fitted)
    for p in (path, other):
        assert os.stat(p).st_mode & 0o777 == 0o755        # not mkdtemp's 0700
        assert os.stat(p / "spec.json").st_mode & 0o777 == 0o644


def test_check_target_says_what_a_save_would_do_or_why_it_cannot(tmp_path, fitted):
    assert store.check_target(tmp_path / "a" / "b") == "new"
    store.save(tmp_path / "exp", SPEC, model=fitted)
    assert store.check_target(tmp_path / "exp") == "experiment"
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(QmlbenchError, match="'.*file.txt' is a file, not a folder"):
        store.check_target(tmp_path / "file.txt")
    # a path under a file: a one-line QmlbenchError, not a raw FileExistsError
    with pytest.raises(QmlbenchError, match="cannot be created: '.*file.txt' is a file"):
        store.save(tmp_path / "file.txt" / "exp", SPEC)
    (tmp_path / "ro").mkdir()
    os.chmod(tmp_path / "ro", 0o555)
    try:
        if not os.access(tmp_path / "ro", os.W_OK):   # root writes anywhere
            with pytest.raises(QmlbenchError, match="cannot be written"):
                store.check_target(tmp_path / "ro" / "exp")
    finally:
        os.chmod(tmp_path / "ro", 0o755)


@pytest.mark.parametrize("text", ["[1, 2]", '"a string"', "3"])
def test_a_manifest_that_is_not_an_object_is_reported_as_damage(tmp_path, fitted, text):
    path = store.save(tmp_path / "exp", SPEC, model=fitted)
    (path / "manifest.json").write_text(text)
    with pytest.raises(QmlbenchError, match="manifest.json: is a JSON .*, not the manifest"):
        store.load(path)
