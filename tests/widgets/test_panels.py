"""Headless: set control values and check the spec, the figures and the messages."""


import numpy as np
import pytest

import qmlbench as qb
from qmlbench.engine.spec import ExperimentSpec
from qmlbench.widgets import (CircuitComposer, DataPanel, ModelPanel, Session, Workbench,
                              circuit_warnings)


@pytest.mark.timeout(60)
def test_every_css_hook_exists_once_in_the_workbench(helpers):
    wb = qb.Workbench()
    for hook in helpers.HOOKS:
        found = helpers.by_class(wb, hook)
        assert len(found) == 1, f"{hook}: found {len(found)}"
    loss = helpers.by_class(wb, "qb-loss")[0]
    assert loss is wb.training.loss_figure and loss.data[0].name == "train loss"


@pytest.mark.timeout(60)
def test_data_controls_change_the_spec_and_redraw_the_scatter():
    panel = DataPanel()
    n_train0 = len(panel.figure.data[0].x)
    assert n_train0 == len(panel.session.dataset.X_train)
    panel.n_samples.value = 40
    assert panel.spec.dataset.n_samples == 40
    assert len(panel.figure.data[0].x) + len(panel.figure.data[1].x) == 40
    panel.noise.value = 0.3
    panel.seed.value = "7"
    assert panel.spec.dataset.noise == 0.3 and panel.spec.seed == 7
    ds = panel.session.dataset
    np.testing.assert_allclose(panel.figure.data[0].x, ds.X_train[:, 0])
    # the dataset drawn is the one the settings describe (noise and seed reach the engine)
    ref = qb.datasets.load("moons", n_samples=40, noise=0.3, test_size=panel.spec.dataset.test_size,
                           seed=7)
    np.testing.assert_array_equal(ds.X_train, ref.X_train)
    panel.test_size.value = 0.5
    assert panel.spec.dataset.test_size == 0.5
    assert len(panel.figure.data[1].x) == len(panel.session.dataset.X_test) == 20
    panel.dataset_picker.value = "circles"
    assert panel.spec.dataset.name == "circles"
    np.testing.assert_allclose(panel.figure.data[1].y, panel.session.dataset.X_test[:, 1])


@pytest.mark.timeout(60)
def test_regression_dataset_swaps_the_model_for_its_twin():
    panel = DataPanel(spec={"model": {"name": "vqc"}})
    panel.dataset_picker.value = "sine"
    assert panel.spec.model.name == "vqr"
    assert panel.session.dataset.task == "regression"
    np.testing.assert_allclose(panel.figure.data[0].y, panel.session.dataset.y_train)


@pytest.mark.timeout(60)
def test_circuit_composer_updates_spec_diagram_and_facts():
    comp = CircuitComposer()
    assert "q_0" in comp.diagram.value and "q_1" in comp.diagram.value
    depth_before = comp.circuit.depth()
    comp.an_reps.value = 5
    assert comp.spec.circuit.ansatz.reps == 5
    assert comp.circuit.depth() > depth_before
    assert f"<b>{comp.circuit.num_parameters}</b>" in comp.facts.value
    comp.feature_map.value = "angle"
    assert comp.spec.circuit.feature_map.name == "angle"
    assert comp.fm_entanglement.disabled  # angle has no entanglers
    comp.num_qubits.value = 3
    assert comp.spec.circuit.num_qubits == 3 and comp.circuit.num_qubits == 3
    assert "q_2" in comp.diagram.value


@pytest.mark.timeout(60)
def test_bad_circuit_options_show_a_message_and_keep_the_spec():
    comp = CircuitComposer()
    before = comp.spec.to_dict()
    comp.fm_options.widgets["alpha"].value = float("nan")
    assert "circuit.feature_map.options.alpha" in comp.error.value
    assert "finite number" in comp.error.value
    assert comp.spec.to_dict() == before


@pytest.mark.timeout(60)
def test_warnings_for_hard_choices():
    spec = ExperimentSpec.from_dict({"circuit": {"num_qubits": 6, "ansatz": {"reps": 8}},
                                     "model": {"name": "vqc"}})
    warnings = circuit_warnings(spec, {"num_qubits": 6, "depth": 40})
    assert any("barren plateau" in w for w in warnings)
    assert circuit_warnings(spec.replace(circuit={"ansatz": {"name": "real_amplitudes", "reps": 2}}),
                            {"num_qubits": 6, "depth": 20}) == []
    many = circuit_warnings(ExperimentSpec.from_dict({"circuit": {"num_qubits": 12}}),
                            {"num_qubits": 12, "depth": 30})
    assert any("12 qubits" in w for w in many)
    comp = CircuitComposer(spec={"circuit": {"num_qubits": 5, "ansatz": {"reps": 6}}})
    assert "barren plateau" in comp.warning.value


@pytest.mark.timeout(60)
def test_model_panel_shows_only_settings_that_apply():
    panel = ModelPanel()
    shown = lambda name: panel.controls[name].layout.display != "none"  # noqa: E731
    assert panel.spec.model.name == "vqc"
    assert shown("optimizer") and shown("maxiter") and shown("shots")
    assert not shown("learning_rate")  # COBYLA takes none
    panel.optimizer.value = "adam"
    assert panel.spec.optimizer.name == "adam" and shown("learning_rate")
    panel.learning_rate.value = 0.05
    assert panel.spec.optimizer.learning_rate == pytest.approx(0.05)
    panel.model.value = "qsvc"
    assert panel.spec.model.name == "qsvc"
    assert not shown("optimizer") and not shown("learning_rate") and shown("shots")
    panel.model.value = "svc"
    assert not shown("shots")
    panel.model_params.widgets["C"].value = 3.0
    assert panel.spec.model.params == {"C": 3.0}
    panel.model_params.widgets["gamma"].value = "2"
    assert panel.spec.model.params == {"C": 3.0, "gamma": 2}
    panel.model_params.widgets["gamma"].value = "-2"  # gamma must be > 0: refused, kept
    assert panel.spec.model.params == {"C": 3.0, "gamma": 2}
    panel.model.value = "vqc"
    panel.shots.value = 1024
    assert panel.spec.execution.shots == 1024


@pytest.mark.timeout(60)
def test_panels_sharing_a_session_follow_each_other():
    session = Session()
    comp, model = CircuitComposer(session), ModelPanel(session)
    model.model.value = "qsvc"
    assert comp.ansatz.disabled and "kernel model" in comp.note.value
    comp.feature_map.value = "z"
    assert model.spec.circuit.feature_map.name == "z"


@pytest.mark.timeout(60)
def test_hide_controls_and_panels():
    wb = Workbench(hide=["noise", "shots", "compare"])
    assert wb.data.noise.layout.display == "none"
    assert wb.model.shots.layout.display == "none"
    wb.model.model.value = "qsvc"  # visibility is recomputed; shots stays hidden
    assert wb.model.shots.layout.display == "none"
    assert wb.compare not in wb.results.children
    assert "hide=noise%2Cshots%2Ccompare" in wb.experiment.link_text.value
    with pytest.raises(qb.SpecError, match="hide: 'wings'"):
        wb.hide(["wings"])


def test_workbench_main_row_fits_three_columns_in_1400px():
    from qmlbench.widgets import Workbench
    from qmlbench.widgets.workbench import COLUMN_MARGIN, PLOT_COLUMN_WIDTH, SETTINGS_WIDTH

    wb = Workbench()
    row = wb.children[2]  # under the title and the link notice
    assert row.layout.flex_flow == "row wrap"  # narrower screens wrap column by column
    assert list(row.children) == [wb.settings, wb.training, wb.boundary]
    px = lambda v: int(v.rstrip("px"))  # noqa: E731
    margin = px(COLUMN_MARGIN.split()[1])
    total = px(SETTINGS_WIDTH) + 2 * px(PLOT_COLUMN_WIDTH) + 3 * margin
    assert total <= 1400 - 2 * 24  # Voila's page padding
    # each plot fits its column
    assert wb.training.loss_figure.layout.width <= px(PLOT_COLUMN_WIDTH)
    assert wb.boundary.figure.layout.width <= px(PLOT_COLUMN_WIDTH)
    assert wb.data.figure.layout.width < px(SETTINGS_WIDTH)


def test_the_composer_draws_the_circuit_as_a_picture_with_the_text_drawing_folded():
    import xml.etree.ElementTree as ET

    from qmlbench.widgets.circuit import CircuitComposer

    comp = CircuitComposer()
    value = comp.diagram.value
    assert "qb-circuit-svg" in value and "<details" in value
    svg = value[value.index("<svg"):value.index("</svg>") + len("</svg>")]
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert int(root.get("data-columns")) > 0
