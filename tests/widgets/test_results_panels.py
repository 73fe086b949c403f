"""Kernel view, Compare, the regression view and the live boundary."""

import numpy as np
import pytest

from qmlbench.widgets import ComparePanel, KernelView, Session, TrainingMonitor, Workbench
from qmlbench.widgets.boundary import DecisionBoundary

SMALL = {"dataset": {"name": "moons", "n_samples": 40}, "model": {"name": "qsvc"}}


@pytest.mark.timeout(60)
def test_kernel_view_after_a_kernel_model_trains():
    session = Session(SMALL)
    view = KernelView(session)
    TrainingMonitor(session).train_button.click()
    assert session.wait(60) and session.status == "done"
    K = view.matrix
    n = len(session.dataset.X_train)
    assert K.shape == (n, n)
    np.testing.assert_allclose(np.diag(K), 1.0, atol=1e-9)
    np.testing.assert_allclose(K, K.T, atol=1e-12)
    np.testing.assert_allclose(K, session.model.kernel_matrix_, atol=1e-12)  # the trained one
    z = np.asarray(view.figure.data[0].z)
    y = session.dataset.y_train
    order = np.argsort(y, kind="stable")
    np.testing.assert_allclose(z, K[np.ix_(order, order)])
    n0 = int((y == y[order[0]]).sum())
    assert len(view.figure.data[1].x) == n0 * (n0 - 1) + (n - n0) * (n - n0 - 1)
    # the spread: same-class and different-class off-diagonal values of this matrix
    same = (y[:, None] == y[None, :]) & ~np.eye(n, dtype=bool)
    np.testing.assert_allclose(np.sort(view.figure.data[1].x), np.sort(K[same]))
    np.testing.assert_allclose(np.sort(view.figure.data[2].x), np.sort(K[y[:, None] != y[None, :]]))


def test_kernel_view_before_compute_shows_a_hint_and_no_nan():
    view = KernelView(spec=SMALL)
    assert "Compute kernel" in view.note.value and "Gram matrix" in view.note.value
    fig = view.figure
    assert "nan" not in (fig.layout.title.text or "").lower()
    assert fig.layout.xaxis.visible is False  # no empty axes on the screen
    assert len(fig.data) == 3  # every trace there from the start (Voila)


@pytest.mark.timeout(60)
def test_kernel_view_measures_concentration_of_the_composers_feature_map():
    from qmlbench.engine import kernels
    from qmlbench.widgets.kernel import CONCENTRATION_QUBITS, CONCENTRATION_SAMPLES

    spec = {**SMALL, "circuit": {"feature_map": {"name": "zz", "reps": 2}}, "seed": 5}
    view = KernelView(spec=spec)
    fig = view.concentration_figure
    assert len(fig.data) == 2 and len(fig.data[0].y or ()) == 0  # traces exist, empty
    res = view.compute_concentration()
    low, high = view.session.get_dataset().feature_range
    expected = kernels.concentration("zz", qubits=CONCENTRATION_QUBITS, reps=2,
                                     samples=CONCENTRATION_SAMPLES, data_range=(low, high),
                                     seed=5)
    assert res.variances == expected.variances
    np.testing.assert_allclose(fig.data[0].y, expected.variances)
    np.testing.assert_allclose(fig.data[1].y, expected.haar_variances)
    assert list(fig.data[0].x) == list(CONCENTRATION_QUBITS)
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis.visible is not False
    assert "per added qubit" in view.concentration_note.value


@pytest.mark.timeout(60)
def test_kernel_view_reports_a_failure(monkeypatch):
    from qmlbench.engine import kernels
    from qmlbench.engine.errors import CapacityError, SpecError

    # a bad option is refused when the spec is made, naming the field and the value
    with pytest.raises(SpecError, match="circuit.feature_map.options.alpha: 'x'"):
        KernelView(spec={"circuit": {"feature_map": {"name": "zz", "options": {"alpha": "x"}}}})
    view = KernelView(spec={"dataset": {"name": "moons", "n_samples": 20}})

    def too_big(*args, **kwargs):
        raise CapacityError("num_qubits: 30 is too many for exact simulation here")

    monkeypatch.setattr(kernels.matrix, "kernel_matrix", too_big)  # where the view calls it
    assert view.compute() is None
    assert "kernel:" in view.note.value and "30 is too many" in view.note.value
    assert view.matrix is None and len(np.asarray(view.figure.data[0].z)) == 0


@pytest.mark.timeout(120)
def test_compare_puts_scores_side_by_side():
    panel = ComparePanel(spec={"dataset": {"name": "moons", "n_samples": 40},
                               "model": {"name": "qsvc"}})
    assert panel.baseline.value == "svc"
    panel.compare(wait=True)
    assert set(panel.results) == {"qsvc", "svc"}
    bars = panel.figure.data
    assert list(bars[0].x) == ["qsvc", "svc"]
    assert list(bars[1].y) == [panel.results["qsvc"]["test"], panel.results["svc"]["test"]]
    assert all(0.0 <= v <= 1.0 for v in bars[1].y)
    assert "done" in panel.status.value and not panel.compare_button.disabled
    # "same data": each score is that model trained on the panel's dataset, and the
    # baseline really is the classical model (not the quantum one twice)
    from qmlbench.engine import training

    ds = panel.session.dataset
    for name in ("qsvc", "svc"):
        spec = panel.spec.replace(model={"name": name, "params": {}})
        run = training.train(spec, dataset=ds, block=True)
        assert panel.results[name]["test"] == pytest.approx(run.scores["test"])
        assert panel.results[name]["train"] == pytest.approx(run.scores["train"])
        assert run.model.__class__.__name__.lower().startswith(name)


@pytest.mark.timeout(120)
def test_regression_boundary_draws_the_fitted_curve():
    session = Session({"dataset": {"name": "sine", "n_samples": 30}, "model": {"name": "svr"}})
    view = DecisionBoundary(session)
    TrainingMonitor(session).train_button.click()
    assert session.wait(60) and session.status == "done"
    fit = view.figure.data[1]
    assert len(fit.x) == 60
    np.testing.assert_allclose(fit.y, session.model.predict(np.asarray(fit.x)[:, None]))
    assert len(view.figure.data[4].x) == 0


@pytest.mark.timeout(120)
def test_boundary_updates_while_training(helpers):
    wb = Workbench(spec={"optimizer": {"name": "spsa", "maxiter": 5000, "learning_rate": 0.05}})
    wb.training.train_button.click()
    try:
        assert helpers.wait_until(lambda: wb.boundary.surface is not None, 30)
        assert wb.session.running
        live = np.asarray(wb.boundary.figure.data[0].z, dtype=float)
        assert live.shape == (25, 25)
        # a real surface of the model being trained: class probabilities, not a placeholder
        assert np.all(np.isfinite(live)) and np.all((live >= 0) & (live <= 1))
        assert live.max() - live.min() > 1e-3
    finally:
        wb.stop()
        assert wb.wait(10)
    assert "stopped" in wb.training.status.value
    assert np.asarray(wb.boundary.figure.data[0].z).shape == (60, 60)


@pytest.mark.timeout(60)
def test_kernel_view_after_state_qsvc_shows_the_states_fidelity():
    # was "num_qubits: 32 is too many": a feature map built over the states' 32 real columns
    session = Session({"dataset": {"name": "phase_of_matter", "n_samples": 40},
                       "model": {"name": "state_qsvc"}})
    view = KernelView(session)
    TrainingMonitor(session).train_button.click()
    assert session.wait(60) and session.status == "done"
    np.testing.assert_allclose(view.matrix, session.model.kernel_matrix_, atol=1e-12)
    assert "fidelity" in view.note.value and "too many" not in view.note.value


@pytest.mark.timeout(120)
def test_compute_kernel_after_the_settings_changed_shows_the_kernel_of_the_settings():
    # A projected_qsvc was trained, then the model set to qsvc: Compute kernel drew the old
    # model's projected kernel under the new settings' name (the fitted model of the last
    # run is no model of the settings on screen once they differ).
    from qmlbench.engine import kernels

    session = Session({"dataset": {"name": "moons", "n_samples": 30},
                       "model": {"name": "projected_qsvc"}})
    view = KernelView(session)
    TrainingMonitor(session).train_button.click()
    assert session.wait(60) and session.status == "done"
    assert view.matrix is not None and "projected" in view.note.value
    session.set_spec(session.spec.replace(model={"name": "qsvc", "params": {}}))
    view.compute()
    expected = kernels.kernel_view(session.spec, session.get_dataset()).matrix
    np.testing.assert_allclose(view.matrix, expected, atol=1e-9)
    assert "projected" not in view.note.value


def test_the_kernel_tab_of_a_classical_model_says_it_is_not_the_models_kernel():
    # after an RBF SVC the heatmap is the composer's quantum feature map kernel: the note
    # named only "feature map zz", which read as the trained model's kernel
    view = KernelView(spec={"dataset": {"name": "moons", "n_samples": 20}, "model": {"name": "svc"}})
    view.compute()
    assert "feature map zz" in view.note.value
    assert "not the kernel of svc" in view.note.value
    qsvc = KernelView(spec={"dataset": {"name": "moons", "n_samples": 20}, "model": {"name": "qsvc"}})
    qsvc.compute()
    assert "not the kernel" not in qsvc.note.value
