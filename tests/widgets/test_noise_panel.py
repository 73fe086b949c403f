"""Noise on screen, headless: the Model panel's noise controls write ``execution.noise``
(sliders from the engine's schemas), refused values show the engine's message and keep
the spec; after training, the boundary and the Kernel view show the same weights with
and without noise, and moving a noise control redraws the noisy surface without a new
run; the plateau lab sweeps noise strength against depth."""

from __future__ import annotations

import numpy as np
import pytest

from qmlbench.engine import boundary, execution, kernels
from qmlbench.engine.execution.noise import NOISE_MODELS
from qmlbench.engine.plateau import gradient_variance
from qmlbench.engine.state import WorkbenchState
from qmlbench.widgets import Workbench
from qmlbench.widgets.link import parse_query, share_query
from qmlbench.widgets.model import ModelPanel
from qmlbench.widgets.noise import NONE
from qmlbench.widgets.plateau import PlateauExplorer

SMALL = {"dataset": {"name": "moons", "n_samples": 40, "noise": 0.1},
         "circuit": {"feature_map": {"name": "zz", "reps": 1},
                     "ansatz": {"name": "real_amplitudes", "reps": 1}},
         "model": {"name": "vqc"}, "optimizer": {"name": "cobyla", "maxiter": 8}, "seed": 1}
DEP = {"model": "depolarizing", "p1": 0.02, "p2": 0.05}


def test_the_controls_come_from_the_engine_schema_and_write_the_spec():
    panel = ModelPanel(spec=SMALL)
    nc = panel.noise_model
    assert [v for _, v in nc.model.options] == [NONE] + list(NOISE_MODELS)
    assert nc.form.layout.display == "none" and panel.spec.execution.noise is None
    nc.model.value = "depolarizing"
    assert panel.spec.execution.noise == {"model": "depolarizing", "p1": 0.001, "p2": 0.01,
                                          "p01": 0.0, "p10": 0.0}
    schema = NOISE_MODELS["depolarizing"]
    assert list(nc.form.widgets) == schema.names
    p1 = nc.form.widgets["p1"]
    assert (p1.min, p1.max, p1.step) == (*schema["p1"].ui_range, schema["p1"].step)
    p1.value = 0.04
    assert panel.spec.execution.noise["p1"] == 0.04
    nc.model.value = "thermal_relaxation"
    assert set(nc.form.widgets) == {"t1", "t2", "time1", "time2", "p01", "p10"}
    assert all(type(w).__name__ == "FloatSlider" for w in nc.form.widgets.values())
    nc.model.value = NONE
    assert panel.spec.execution.noise is None and nc.form.layout.display == "none"


def test_shown_only_for_quantum_models_and_hideable():
    panel = ModelPanel(spec=SMALL)
    assert panel.noise_model.layout.display is None
    panel.model.value = "svc"
    assert panel.noise_model.layout.display == "none"
    panel.model.value = "qsvc"
    assert panel.noise_model.layout.display is None
    wb = Workbench(spec=SMALL)
    wb.hide(["noise_model"])
    assert wb.model.noise_model.layout.display == "none"
    assert "noise_model" in Workbench.hideable_names()


def test_the_setting_travels_in_the_state_json_and_a_link():
    wb = Workbench(spec=SMALL)
    wb.model.noise_model.set_noise(DEP)
    state = WorkbenchState.from_json(wb.state.to_json())
    assert state.spec.execution.noise == wb.spec.execution.noise
    again = Workbench.from_query(share_query(wb.state))
    assert again.spec.execution.noise["p2"] == 0.05
    assert again.model.noise_model.model.value == "depolarizing"
    assert again.model.noise_model.form.widgets["p2"].value == 0.05
    assert parse_query(share_query(wb.state))["state"].spec.execution.noise == \
        wb.spec.execution.noise


@pytest.mark.parametrize("setting,words", [
    ({"model": "depolarizing", "p1": 1.5}, "execution.noise.p1: 1.5 must be a number from 0 to 1"),
    ({"model": "thermal_relaxation", "t1": 100.0, "t2": 300.0}, "at most 2 T1 = 200"),
])
def test_refused_values_show_the_engine_message_and_keep_the_spec(setting, words):
    panel = ModelPanel(spec={**SMALL, "execution": {"noise": DEP}})
    before = panel.spec.to_dict()
    assert not panel.noise_model.set_noise(setting)
    assert words in panel.error.value
    assert panel.spec.to_dict() == before
    assert panel.noise_model.model.value == "depolarizing"
    assert panel.noise_model.form.widgets["p2"].value == 0.05


def test_a_slider_past_two_t1_is_refused_in_the_error_line():
    panel = ModelPanel(spec={**SMALL, "execution": {"noise": {"model": "thermal_relaxation"}}})
    panel.noise_model.form.widgets["t2"].value = 250.0
    assert "execution.noise.t2" in panel.error.value and "at most 2 T1" in panel.error.value
    assert panel.spec.execution.noise["t2"] == 80.0
    assert panel.noise_model.form.widgets["t2"].value == 80.0
    panel.noise_model.form.widgets["t2"].value = 150.0     # within 2 T1: taken, line cleared
    assert panel.spec.execution.noise["t2"] == 150.0 and panel.error.value == ""


def test_too_wide_for_density_matrices_says_the_limit_and_offers_shots():
    n = execution.MAX_NOISY_QUBITS + 1
    panel = ModelPanel(spec={**SMALL, "circuit": {"num_qubits": n}})
    assert not panel.noise_model.set_noise(DEP)
    assert f"limited to {execution.MAX_NOISY_QUBITS} qubits" in panel.error.value
    assert "shots" in panel.error.value and panel.spec.execution.noise is None
    panel.shots.value = 1024                  # with shots: noisy trajectories, accepted
    assert panel.noise_model.set_noise(DEP) and panel.spec.execution.noise["p2"] == 0.05


@pytest.fixture(scope="module")
def trained():
    wb = Workbench(spec={**SMALL, "execution": {"noise": DEP}})
    wb.train()
    assert wb.wait(120) and wb.session.status == "done", wb.session.message
    return wb


def test_after_training_the_boundary_shows_noisy_and_ideal_with_the_same_weights(trained):
    wb = trained
    b = wb.boundary
    model, ds = wb.session.model, wb.session.run.dataset
    expected = boundary.noise_comparison(model, ds, wb.spec.execution.noise,
                                         resolution=b.resolution)
    np.testing.assert_allclose(np.asarray(b.figure.data[0].z, float), expected.noisy.values,
                               atol=1e-12)
    np.testing.assert_allclose(np.asarray(b.ideal_figure.data[0].z, float),
                               expected.ideal.values, atol=1e-12)
    assert b.ideal_box.layout.display is None
    assert "density matrix" in b.note.value and "without noise" in b.note.value
    assert not np.allclose(expected.noisy.values, expected.ideal.values)


def test_moving_the_noise_redraws_without_training_again(trained):
    wb = trained
    b, run = wb.boundary, wb.session.run
    weights = run.model.weights_.copy()
    ideal_z = np.asarray(b.ideal_figure.data[0].z, float).copy()
    noisy_z = np.asarray(b.figure.data[0].z, float).copy()
    wb.model.noise_model.form.widgets["p2"].value = 0.09
    new_z = np.asarray(b.figure.data[0].z, float)
    assert wb.session.run is run and np.array_equal(run.model.weights_, weights)
    expected = boundary.noise_comparison(run.model, run.dataset,
                                         {**DEP, "p2": 0.09}, resolution=b.resolution)
    np.testing.assert_allclose(new_z, expected.noisy.values, atol=1e-12)
    assert not np.allclose(new_z, noisy_z)
    np.testing.assert_array_equal(np.asarray(b.ideal_figure.data[0].z, float), ideal_z)
    assert not b.stale                            # redrawn, not "train again"
    # the kernel view: the noisy kernel beside the ideal one, with each spread
    kv = wb.kernel
    kv.compute()
    views = kernels.noisy_kernel_views(wb.spec, wb.session.get_dataset(),
                                       wb.spec.execution.noise)
    assert kv.noise_box.layout.display is None
    zi, zn = (np.asarray(kv.noise_figure.data[k].z, float) for k in (0, 1))
    np.testing.assert_allclose(np.sort(zi.ravel()), np.sort(views.ideal.matrix.ravel()), atol=1e-12)
    np.testing.assert_allclose(np.sort(zn.ravel()), np.sort(views.noisy.matrix.ravel()), atol=1e-12)
    assert f"{views.ideal_std:.3f}" in kv.noise_note.value
    assert f"{views.noisy_std:.3f}" in kv.noise_note.value
    assert views.noisy_std < views.ideal_std
    # noise set back to none: one ideal boundary, no comparison
    wb.model.noise_model.model.value = NONE
    assert b.ideal_box.layout.display == "none" and kv.noise_box.layout.display == "none"
    np.testing.assert_allclose(np.asarray(b.figure.data[0].z, float), ideal_z, atol=1e-12)
    # another change is a new experiment: stale, not redrawn
    wb.model.noise_model.set_noise(DEP)
    wb.session.update(optimizer={"maxiter": 9})
    assert b.stale
    wb.session.update(optimizer={"maxiter": 8})   # back to what was trained: redrawn again
    assert not b.stale


@pytest.mark.timeout(120)
def test_plateau_lab_sweeps_noise_strength_against_depth():
    panel = PlateauExplorer()
    panel.qubits.value = (3, 6)
    panel.depth_mode.value = "sweep"
    panel.layers.value = 6
    panel.samples.value = 60
    panel.noise_model.value = "depolarizing"
    panel.noise_strengths.value = "0, 0.05"
    assert panel.noise_box.layout.display is None and panel.figure_box.layout.display == "none"
    panel.run_button.click()
    assert panel.wait(100) and "done" in panel.status.value, panel.status.value
    settings = panel.session.state.plateau
    expected = gradient_variance(**settings.kwargs())
    for k, res in enumerate(expected):
        trace = panel.noise_figure.data[k]
        np.testing.assert_allclose(trace.x, res.layers)
        np.testing.assert_allclose(trace.y, res.variances[0])
        rate, err = res.depth_decay()
        assert f"{rate[0]:+.3f}±{err[0]:.3f}/layer" in trace.name
    assert "ideal" in panel.noise_figure.data[0].name
    assert "depolarizing p=0.05" in panel.noise_figure.data[1].name
    # local noise: the noisy variance falls faster with depth (Wang et al. 2021)
    assert expected[1].depth_decay()[0][0] < expected[0].depth_decay()[0][0]
    assert "/layer" in panel.status.value
    panel.noise_strengths.value = "0, 2"
    assert "plateau.noise_strengths" in panel.status.value
    assert panel.session.state.plateau.noise_strengths == [0.0, 0.05]
