"""The Inside tab and the composer's badges: the engine's numbers for the circuit on
screen, never an older circuit's; per-qubit views drawn live while training."""

import time

import numpy as np
import pytest

from qmlbench.engine import insight
from qmlbench.widgets import Workbench
from qmlbench.widgets.inside import badges_html

pytestmark = pytest.mark.timeout(180)


def _settled(wb, timeout=60):
    assert wb.circuit.badges_done.wait(timeout)
    time.sleep(0.05)  # the insight event follows the badge line
    return wb.circuit.last_badges


def test_badges_are_the_engines_numbers_for_the_circuit_on_screen():
    wb = Workbench()
    got = _settled(wb)
    want = insight.spec_badges(wb.spec)
    assert got.expressibility.value == want.expressibility.value
    assert got.entanglement.value == want.entanglement.value
    assert got.expressibility.haar == want.expressibility.haar
    for where in (wb.circuit.badges.value, wb.inside.badges.value):
        assert f"{want.expressibility.value:.3g}" in where
        assert f"{want.entanglement.value:.3g}" in where
    # the fidelity histogram on the Inside tab is this circuit's
    np.testing.assert_allclose(wb.inside.fidelity_figure.data[0].y,
                               want.expressibility.histogram)


def test_changing_reps_changes_the_badges_and_only_the_last_circuit_is_shown():
    wb = Workbench()
    first = _settled(wb)
    # three quick changes: the debounce measures only the last one
    for reps in (1, 2, 4):
        wb.circuit.an_reps.value = reps
    last = _settled(wb)
    assert wb.spec.circuit.ansatz.reps == 4
    want = insight.spec_badges(wb.spec)
    assert last.expressibility.value == want.expressibility.value
    assert last.expressibility.value != first.expressibility.value
    assert f"{want.expressibility.value:.3g}" in wb.inside.badges.value


def test_a_result_for_an_older_circuit_is_dropped():
    wb = Workbench()
    _settled(wb)
    old_spec = wb.spec
    wb.circuit.an_reps.value = 1
    newest = _settled(wb)
    # a measurement of the earlier settings arriving late must not replace the newest
    wb.circuit._measure_badges(0, old_spec)
    assert wb.circuit.last_badges is newest
    wb.session.emit("insight", spec=old_spec, badges=insight.spec_badges(old_spec))
    assert f"{newest.expressibility.value:.3g}" in wb.inside.badges.value


def test_a_classical_model_has_no_badges_and_a_wide_circuit_says_why():
    wb = Workbench(spec={"model": {"name": "svc"}})
    assert wb.circuit.badges_done.wait(30)
    assert wb.circuit.badges.value == ""
    assert insight.live_samples(insight.LIVE_MAX_QUBITS) is not None
    assert insight.live_samples(insight.LIVE_MAX_QUBITS + 1) is None
    wide = insight.live.LiveBadges("circuit", 12, None, reason="12 qubits: not live")
    assert "12 qubits" in badges_html(wide)


def test_training_draws_the_per_qubit_views_live_then_at_the_end(monkeypatch, helpers):
    from qmlbench.widgets import inside as inside_mod

    monkeypatch.setattr(inside_mod, "LIVE_MIN_INTERVAL_S", 0.0)
    wb = Workbench(spec={"optimizer": {"name": "spsa", "maxiter": 5000}})
    panel = wb.inside
    drawn = []
    real = panel.draw_layers

    def recording(model, dataset, resolution=inside_mod.FINAL_RESOLUTION, live=False):
        ok = real(model, dataset, resolution, live)
        drawn.append((live, resolution, ok))
        return ok

    monkeypatch.setattr(panel, "draw_layers", recording)
    wb.training.train_button.click()
    assert helpers.wait_until(lambda: any(live for live, _, _ in drawn), 60)
    assert "live, at the latest weights" in panel.note.value
    wb.training.stop_button.click()
    assert wb.wait(30)
    assert drawn[-1] == (False, inside_mod.FINAL_RESOLUTION, True)
    views = panel.views
    reps = wb.spec.circuit.ansatz.reps
    assert views.bloch.shape == (1 + reps, 2, 3, inside_mod.FINAL_RESOLUTION,
                                 inside_mod.FINAL_RESOLUTION)
    # the views are the trained model's: the engine at the model's weights gives the same
    again = insight.layer_views(wb.session.model, wb.session.dataset,
                                resolution=inside_mod.FINAL_RESOLUTION)
    np.testing.assert_allclose(views.bloch, again.bloch, atol=1e-12)
    z = np.array(panel.layers_figure.data[0].z, dtype=float)
    tile = views.bloch[0, 0, 2]
    assert np.isfinite(z).sum() == (1 + reps) * 2 * tile.size
    panel.component.value = "purity"
    z = np.array(panel.layers_figure.data[0].z, dtype=float)
    assert np.nanmin(z) >= 0.5 - 1e-9 and np.nanmax(z) <= 1 + 1e-9
    assert len(panel.fourier_figure.data[0].x) > 0
    # a changed circuit marks them stale; Reset clears them
    wb.circuit.an_reps.value = reps + 1
    assert "qb-stale" in panel.layers_figure._dom_classes
    wb.training.reset_button.click()
    assert helpers.wait_until(lambda: panel.views is None, 10)


def test_a_kernel_model_says_the_views_need_a_variational_model():
    wb = Workbench(spec={"model": {"name": "qsvc"}})
    wb.training.train_button.click()
    assert wb.wait(60)
    assert "variational model" in wb.inside.note.value
    assert wb.inside.views is None


def test_the_inside_tab_can_be_hidden():
    wb = Workbench(hide=("inside",))
    assert "Inside" not in [wb.results.get_title(i) for i in range(len(wb.results.children))]


def test_a_run_without_per_qubit_views_clears_the_views_of_the_run_before():
    # vqc on moons drew its views; then qsvc trained: the old vqc's views and spectrum stayed
    # on screen, marked "stale — train again" although the user had just trained
    wb = Workbench(spec={"dataset": {"name": "moons", "n_samples": 30},
                         "optimizer": {"name": "cobyla", "maxiter": 5}})
    panel = wb.inside
    wb.training.train_button.click()
    assert wb.wait(60) and panel.views is not None
    wb.session.set_spec(wb.spec.replace(model={"name": "qsvc", "params": {}}))
    wb.training.train_button.click()
    assert wb.wait(60) and wb.session.status == "done"
    assert "variational model" in panel.note.value
    assert panel.views is None and panel.spectrum is None
    assert np.isfinite(np.array(panel.layers_figure.data[0].z, dtype=float)).sum() == 0
    assert len(panel.fourier_figure.data[0].x) == 0
    assert "qb-stale" not in panel.layers_figure._dom_classes


def test_a_one_feature_model_shows_its_fourier_spectrum():
    # per-qubit views need a plane, the spectrum does not: sine's was left empty
    wb = Workbench(spec={"dataset": {"name": "sine", "n_samples": 20}, "model": {"name": "vqr"},
                         "circuit": {"feature_map": {"name": "angle", "reps": 2}},
                         "optimizer": {"name": "cobyla", "maxiter": 5}})
    wb.training.train_button.click()
    assert wb.wait(60) and wb.session.status == "done"
    panel = wb.inside
    assert "2-feature" in panel.note.value
    want = insight.fourier_spectrum(wb.session.model, wb.session.dataset)
    assert panel.spectrum is not None
    np.testing.assert_allclose(panel.fourier_figure.data[1].x, [want.allowed_max[0]] * 2)


def test_with_noise_set_the_views_say_they_are_without_noise():
    # the boundary beside them is drawn under the noise; the per-qubit views are not
    wb = Workbench(spec={"dataset": {"name": "moons", "n_samples": 24},
                         "optimizer": {"name": "cobyla", "maxiter": 4},
                         "execution": {"noise": {"model": "depolarizing", "p1": 0.02,
                                                 "p2": 0.05}}})
    wb.training.train_button.click()
    assert wb.wait(90) and wb.session.status == "done"
    assert wb.inside.views is not None
    assert "without noise" in wb.inside.note.value


def test_a_classical_model_says_it_has_no_circuit_and_drops_the_last_histogram():
    # the Inside tab said "measuring expressibility…" for ever (the composer measures no
    # circuit for svc and announces nothing) above the previous circuit's histogram
    wb = Workbench()
    _settled(wb)
    assert len(wb.inside.fidelity_figure.data[0].y) > 0
    wb.session.set_spec(wb.spec.replace(model={"name": "svc", "params": {}}))
    assert "measuring" not in wb.inside.badges.value
    assert "classical" in wb.inside.badges.value
    assert len(wb.inside.fidelity_figure.data[0].y) == 0
    fresh = Workbench(spec={"model": {"name": "svc"}})
    assert "measuring" not in fresh.inside.badges.value
    # back to a quantum model: measured again
    wb.session.set_spec(wb.spec.replace(model={"name": "vqc", "params": {}}))
    _settled(wb)
    assert "expressibility" in wb.inside.badges.value


def test_badges_that_fail_say_why_on_the_inside_tab_too():
    # the composer's badge line said why; the Inside tab, never told, "measuring
    # expressibility…" for ever
    wb = Workbench(spec={"dataset": {"name": "bars_and_stripes", "n_samples": 20,
                                     "options": {"height": 5}}})
    assert wb.circuit.badges_done.wait(30)
    time.sleep(0.05)  # the insight event follows the badge line
    assert "does not divide" in wb.circuit.badges.value
    assert "measuring" not in wb.inside.badges.value
    assert "does not divide" in wb.inside.badges.value
