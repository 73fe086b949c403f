"""The hybrid model: classical layers around a quantum layer, trained by PyTorch through
the same qb.train Run as every model (live loss per minibatch step, Stop within a step,
save/load, decision surface)."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import qmlbench as qb  # noqa: E402
from qmlbench.engine import store  # noqa: E402


def spec_for(dataset="moons", n=80, **params):
    return qb.ExperimentSpec.from_dict({
        "dataset": {"name": dataset, "n_samples": n, "noise": 0.1},
        "circuit": {"feature_map": {"name": "angle"},
                    "ansatz": {"name": "real_amplitudes", "reps": 1}},
        "model": {"name": "hybrid", "params": {"post_layers": [4], "epochs": 15,
                                               "learning_rate": 0.05, **params}},
    })


def test_classifier_trains_live_and_learns_moons(tmp_path):
    steps = []
    run = qb.train(spec_for(pre_layers=[4]), block=True,
                   on_step=lambda step, loss, elapsed, weights: steps.append((step, loss)))
    m = run.model
    n_train = len(run.dataset.X_train)
    per_epoch = -(-n_train // 16)
    # one live step per minibatch, the loss of that batch
    assert [s for s, _ in steps] == list(range(1, 15 * per_epoch + 1))
    assert len(m.loss_history_) == len(steps) and m.path_.startswith("exact")
    first, last = np.mean(m.loss_history_[:per_epoch]), np.mean(m.loss_history_[-per_epoch:])
    assert last < 0.7 * first
    # better than chance by 3 standard errors of an accuracy on n training points
    # (0.5 + 3 * sqrt(0.25 / n) = 0.69 for n = 60; it reaches 0.8 here, 1.0 on the test part)
    assert run.scores["train"] > 0.5 + 3 * np.sqrt(0.25 / n_train)
    kinds = [layer[0] for layer in m.layers_]
    assert kinds == ["linear", "linear", "quantum", "linear", "linear"]
    assert m.weights_.shape == (m.num_weights_,)

    # decision surface: the whole grid in one call, probabilities of the second class
    surface = qb.boundary.decision_surface(m, run.dataset, resolution=12)
    assert surface.kind == "proba" and surface.values.shape == (12, 12)
    assert np.all((surface.values >= 0) & (surface.values <= 1))

    # saved and loaded: identical predictions, no torch objects in the pickle
    path = store.save_run(tmp_path / "exp", run)
    back = store.load(path)
    X = run.dataset.X_test
    np.testing.assert_array_equal(back.model.predict_proba(X), m.predict_proba(X))
    np.testing.assert_array_equal(back.model.predict(X), m.predict(X))
    assert back.spec.model.params["pre_layers"] == [4]


def test_regressor_on_sine_fits_better_than_the_mean():
    run = qb.train(spec_for("sine", n=80, epochs=40), block=True)
    assert run.model.__class__.__name__ == "HybridRegressor"
    # R² > 0 beats predicting the mean; it reaches 0.98 (test 0.95)
    assert run.scores["train"] > 0.5


@pytest.mark.timeout(60)
def test_stop_within_a_step_keeps_the_best_weights_of_the_history():
    started = threading.Event()

    def on_step(step, loss, elapsed, weights):
        if step >= 5:
            started.set()

    run = qb.train(spec_for(epochs=10_000, batch_size=4), on_step=on_step)
    while not started.wait(0.05):
        assert not run.done, run
    t = time.perf_counter()
    run.stop()
    run.wait(timeout=10)
    assert time.perf_counter() - t < 2.0
    assert run.status == "stopped" and run.model.stopped_
    best = min((h for h in run.history if h["loss"] is not None), key=lambda h: h["loss"])
    np.testing.assert_array_equal(run.model.weights_, best["weights"])
    assert run.model.predict(run.dataset.X_test).shape == run.dataset.y_test.shape


def test_snapshot_mid_fit_does_not_touch_the_training_weights():
    run = qb.train(spec_for(epochs=3), block=True)
    m = run.model
    before = m.predict_proba(run.dataset.X_test)
    # the Run scores mid-fit by setting weights_: the forward pass reads only weights_
    saved = m.weights_.copy()
    m.weights_ = np.asarray(run.history[0]["weights"])
    assert not np.array_equal(m.predict_proba(run.dataset.X_test), before)
    m.weights_ = saved
    np.testing.assert_array_equal(m.predict_proba(run.dataset.X_test), before)


def test_settings_are_checked_by_the_schema_and_by_fit():
    with pytest.raises(qb.SpecError, match="model.params.torch_optimizer"):
        spec_for(torch_optimizer="lbfgs")
    with pytest.raises(qb.SpecError, match="model.params.pre_layers"):
        spec_for(pre_layers=[0])
    from qmlbench.engine.models.hybrid import HybridClassifier

    X, y = np.random.default_rng(0).normal(size=(10, 2)), np.arange(10) % 2
    with pytest.raises(qb.SpecError, match="model.params.batch_size"):
        HybridClassifier(batch_size=0).fit(X, y)


def test_reuploading_and_global_observable_reach_the_circuit():
    spec = spec_for(observables="global").replace(
        circuit={"reuploading": {"layers": 2}})
    run = qb.train(spec, block=True)
    m = run.model
    assert m.circuit_.metadata["reuploading"]["layers"] == 2
    assert m.circuit_map_.num_outputs == 1
    assert m.circuit_map_.num_weights == 2 * m.ansatz_.num_parameters


def test_noise_reaches_the_quantum_layer_of_copies_and_reloaded_models():
    """with_noise and pickling rebuild the evaluator from shots/seed/noise; the quantum layer
    must compute on that one, not on the evaluator it was built with."""
    import pickle

    from qmlbench.engine.models.hybrid import HybridClassifier

    ds = qb.datasets.load("moons", n_samples=40, seed=0)
    X, y = ds.X_train, ds.y_train
    noise = {"model": "depolarizing", "p1": 0.3, "p2": 0.3}
    ideal = HybridClassifier(epochs=2, batch_size=20, seed=0).fit(X, y)
    before = ideal.predict_proba(X[:5])
    noisy_copy = ideal.with_noise(noise)
    # the same weights under the exact noisy channel: what a direct noisy model computes
    direct = HybridClassifier(epochs=2, batch_size=20, seed=0, noise=noise)
    direct.__dict__.update({k: v for k, v in ideal.__dict__.items() if k.endswith("_")
                            and not k.startswith("_")})
    np.testing.assert_allclose(noisy_copy.predict_proba(X[:5]), direct.predict_proba(X[:5]),
                               atol=1e-12)
    assert np.abs(noisy_copy.predict_proba(X[:5]) - before).max() > 1e-3
    np.testing.assert_array_equal(ideal.predict_proba(X[:5]), before)   # the original kept
    trained_noisy = HybridClassifier(epochs=2, batch_size=20, seed=0, noise=noise).fit(X, y)
    reloaded = pickle.loads(pickle.dumps(trained_noisy))
    np.testing.assert_allclose(reloaded.predict_proba(X[:5]), trained_noisy.predict_proba(X[:5]),
                               atol=1e-12)
