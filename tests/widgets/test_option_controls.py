"""Typed controls for model hyper-parameters and circuit-block options (no JSON to type)."""

import ipywidgets as W
import pytest

from qmlbench.engine import circuits, models
from qmlbench.engine.spec import ExperimentSpec
from qmlbench.widgets import CircuitComposer, ModelPanel, Session, Workbench


@pytest.mark.timeout(60)
def test_model_float_and_choice_params_are_typed_controls_that_reach_the_engine():
    panel = ModelPanel(spec={"model": {"name": "qsvc"}})
    form = panel.model_params
    assert set(form.widgets) == set(models.MODELS["qsvc"].params)  # only qsvc's options
    assert isinstance(form.widgets["C"], W.FloatLogSlider)
    assert isinstance(form.widgets["probability"], W.Checkbox)
    form.widgets["C"].value = 10.0
    assert panel.spec.model.params == {"C": 10.0} and panel.error.value == ""
    assert models.build(panel.spec).C == 10.0
    form.widgets["probability"].value = True
    assert panel.spec.model.params == {"C": 10.0, "probability": True}
    form.widgets["C"].value = 1.0  # back to the default: not stored
    assert panel.spec.model.params == {"probability": True}

    panel.model.value = "vqc"  # a choice param; qsvc's controls go away
    assert set(form.widgets) == {"interpretation", "loss"}
    assert isinstance(form.widgets["interpretation"], W.Dropdown)
    assert list(form.widgets["interpretation"].options) == ["modulo", "parity"]
    form.widgets["interpretation"].value = "parity"
    assert panel.spec.model.params == {"interpretation": "parity"}
    assert models.build(panel.spec).interpretation == "parity"


@pytest.mark.timeout(60)
def test_model_controls_follow_a_loaded_spec_and_a_bad_value_names_the_option():
    session = Session()
    panel = ModelPanel(session)
    session.set_spec(ExperimentSpec.from_dict(
        {"model": {"name": "svc", "params": {"C": 100.0, "gamma": "auto"}}}))
    form = panel.model_params
    assert form.widgets["C"].value == pytest.approx(100.0)
    assert form.widgets["gamma"].value == "auto"
    session.set_spec(ExperimentSpec.from_dict(
        {"dataset": {"name": "sine"}, "model": {"name": "qsvr", "params": {"epsilon": 0.3}}}))
    assert set(form.widgets) == {"C", "epsilon"}
    assert form.widgets["epsilon"].value == pytest.approx(0.3)
    form.widgets["epsilon"].value = -1.0
    assert "model.params.epsilon" in panel.error.value and "&gt;= 0" in panel.error.value
    assert "Traceback" not in panel.error.value
    assert panel.spec.model.params == {"epsilon": 0.3}
    assert form.widgets["epsilon"].value == pytest.approx(0.3)  # back to the spec's value
    session.set_spec(ExperimentSpec.from_dict({"model": {"name": "mlp"}}))
    form.widgets["hidden_layer_sizes"].value = "8, lots"
    assert "model.params.hidden_layer_sizes" in panel.error.value
    form.widgets["hidden_layer_sizes"].value = "8, 4"
    assert panel.spec.model.params == {"hidden_layer_sizes": [8, 4]} and panel.error.value == ""


@pytest.mark.timeout(60)
def test_angle_rotation_is_a_dropdown_that_changes_spec_and_circuit():
    comp = CircuitComposer()
    comp.feature_map.value = "angle"
    form = comp.fm_options
    assert set(form.widgets) == {"rotation"}  # only angle's options
    rot = form.widgets["rotation"]
    assert isinstance(rot, W.Dropdown) and list(rot.options) == ["x", "y", "z"]
    assert rot.value == "y"
    rot.value = "x"
    assert comp.spec.circuit.feature_map.options == {"rotation": "x"}
    assert comp.circuit.count_ops()["rx"] == comp.circuit.num_qubits  # the diagram's circuit
    fm, _ = circuits.from_spec(comp.spec.circuit, 2)
    assert dict(fm.count_ops()) == {"rx": 2} and fm.metadata["options"] == {"rotation": "x"}
    est = models.build(comp.spec.replace(model={"name": "qsvc", "params": {}}))
    assert est.feature_map == "angle" and est.feature_map_options == {"rotation": "x"}
    rot.value = "y"  # the default again: nothing stored
    assert comp.spec.circuit.feature_map.options == {}


@pytest.mark.timeout(60)
def test_preset_and_import_set_the_option_controls():
    wb = Workbench()
    wb.apply_preset("sine_vqr")
    assert wb.circuit.fm_options.widgets["rotation"].value == "y"
    assert set(wb.model.model_params.widgets) == {"observable", "loss"}
    spec = wb.session.spec.to_dict()
    spec["circuit"]["feature_map"]["options"] = {"rotation": "z"}
    spec["model"]["params"] = {"loss": "absolute_error", "observable": "Z0"}
    spec["circuit"]["ansatz"] = {"name": "two_local", "reps": 1,
                                 "options": {"rotation_blocks": ["rx", "rz"],
                                             "skip_final_rotation_layer": True}}
    import json

    assert wb.experiment.import_json(json.dumps(spec)) is not None
    assert wb.circuit.fm_options.widgets["rotation"].value == "z"
    assert wb.model.model_params.widgets["loss"].value == "absolute_error"
    assert wb.model.model_params.widgets["observable"].value == "Z0"
    an = wb.circuit.an_options.widgets
    assert an["rotation_blocks"].value == "rx, rz" and an["skip_final_rotation_layer"].value
    assert an["entanglement_blocks"].value == "cz"  # shown at its default
    # what is stored (and exported) is exactly what was loaded
    assert wb.session.spec.to_dict()["circuit"]["ansatz"]["options"] == {
        "rotation_blocks": ["rx", "rz"], "skip_final_rotation_layer": True}


@pytest.mark.timeout(60)
def test_bad_circuit_option_values_name_the_option():
    comp = CircuitComposer(spec={"circuit": {"feature_map": {"name": "pauli"},
                                             "ansatz": {"name": "two_local"}}})
    before = comp.spec.to_dict()
    comp.fm_options.widgets["paulis"].value = "Z, QQ"
    assert "circuit.feature_map.options.paulis" in comp.error.value
    assert comp.spec.to_dict() == before
    comp.fm_options.widgets["paulis"].value = "Z, XX"
    assert comp.spec.circuit.feature_map.options == {"paulis": ["Z", "XX"]}
    assert comp.error.value == ""
    comp.an_options.widgets["entanglement_blocks"].value = "nope"
    assert "circuit.ansatz.options.entanglement_blocks" in comp.error.value
    comp.an_options.widgets["entanglement_blocks"].value = "cx"
    assert comp.spec.circuit.ansatz.options == {"entanglement_blocks": "cx"}
