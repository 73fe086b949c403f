"""Option forms are generated from the engine's schemas: an option declared in a registry
entry shows up as a control with no widget edit, and a bad value entered through the form
shows the spec's own message."""

import dataclasses

import ipywidgets as W
import pytest

from qmlbench.engine import circuits, datasets, models
from qmlbench.engine.options import Option
from qmlbench.engine.spec import ExperimentSpec
from qmlbench.widgets import CircuitComposer, DataPanel, ModelPanel
from qmlbench.widgets.schema_form import field_for

_TILT = Option("tilt", "float", 0.0, low=0.0, high=1.0, ui_range=(0.0, 1.0), step=0.1,
               help="a made-up option, declared only in the engine")
_DEPTH = Option("depth", "int", 2, low=1, help="another made-up option")


@pytest.fixture
def zz_with_new_options(monkeypatch):
    block = circuits.FEATURE_MAPS["zz"]

    def build(num_qubits, reps, entanglement, section, tilt, depth, **options):
        return block.build(num_qubits, reps, entanglement, section=section, **options)

    monkeypatch.setitem(circuits.FEATURE_MAPS, "zz", dataclasses.replace(
        block, build=build, schema=block.schema.with_options(_TILT, _DEPTH)))


@pytest.mark.timeout(60)
def test_a_new_circuit_option_appears_in_the_composer(zz_with_new_options):
    comp = CircuitComposer()
    form = comp.fm_options
    assert set(form.widgets) == {"alpha", "tilt", "depth"}
    tilt = form.widgets["tilt"]
    assert isinstance(tilt, W.FloatSlider) and (tilt.min, tilt.max, tilt.step) == (0.0, 1.0, 0.1)
    assert "made-up option" in tilt.tooltip
    assert "qb-option-tilt" in tilt._dom_classes
    assert isinstance(form.widgets["depth"], W.IntText)
    tilt.value = 0.5
    assert comp.spec.circuit.feature_map.options == {"tilt": 0.5} and comp.error.value == ""
    assert comp.circuit is not None and comp.circuit.metadata["feature_map"]["options"]["tilt"] == 0.5
    # a bad value through the form: the spec's message, the spec kept
    form.widgets["depth"].value = 0
    assert "circuit.feature_map.options.depth: 0 must be an integer &gt;= 1" in comp.error.value
    assert comp.spec.circuit.feature_map.options == {"tilt": 0.5}
    assert form.widgets["depth"].value == 2   # back to the spec's value


@pytest.mark.timeout(60)
def test_a_new_model_param_appears_in_the_model_panel(monkeypatch):
    entry = models.MODELS["qsvc"]
    monkeypatch.setitem(models.MODELS, "qsvc", dataclasses.replace(
        entry, schema=entry.schema.with_options(_DEPTH)))
    panel = ModelPanel(spec={"model": {"name": "qsvc"}})
    form = panel.model_params
    assert set(form.widgets) == {"C", "probability", "depth"}
    form.widgets["depth"].value = 4
    assert panel.spec.model.params == {"depth": 4}
    form.widgets["depth"].value = -3
    assert "model.params.depth: -3 must be an integer &gt;= 1" in panel.error.value
    assert panel.spec.model.params == {"depth": 4}


@pytest.mark.timeout(60)
def test_dataset_options_are_controls_and_new_ones_appear(monkeypatch):
    panel = DataPanel(spec={"dataset": {"name": "circles"}})
    factor = panel.dataset_options.widgets["factor"]
    assert isinstance(factor, W.FloatSlider) and 0 < factor.min < factor.max < 1
    factor.value = 0.3
    assert panel.spec.dataset.options == {"factor": 0.3}
    panel.dataset_picker.value = "spiral"       # another dataset: its own options, defaults
    assert set(panel.dataset_options.widgets) == {"turns"} and panel.spec.dataset.options == {}
    panel.dataset_picker.value = "moons"
    assert panel.dataset_options.widgets == {}

    entry = datasets.DATASETS["moons"]
    monkeypatch.setitem(datasets.DATASETS, "moons", dataclasses.replace(
        entry, schema=entry.schema.with_options(Option("wobble", "float", 0.0, low=0.0,
                                                       help="made up"))))
    panel = DataPanel(spec={"dataset": {"name": "moons"}})
    wobble = panel.dataset_options.widgets["wobble"]
    wobble.value = 0.2
    assert panel.spec.dataset.options == {"wobble": 0.2}
    wobble.value = -1.0
    assert "dataset.options.wobble: -1.0 must be a number &gt;= 0" in panel.error.value
    assert panel.spec.dataset.options == {"wobble": 0.2}


def test_each_kind_gets_its_control():
    assert field_for(Option("b", "bool", False)).kind == "bool"
    assert field_for(Option("c", "choice", "x", choices=("x", "y"))).choices == ("x", "y")
    assert field_for(Option("n", "int", 3, low=1, ui_range=(1, 9))).kind == "int_slider"
    assert field_for(Option("C", "float", 1.0, low=0, low_open=True, scale="log")).kind == "log"
    assert field_for(Option("g", "float", "scale", also=("scale", "auto"))).kind == "text"
    assert field_for(circuits.ANSATZE["two_local"].schema["entanglement_blocks"]).single


@pytest.mark.timeout(60)
def test_a_dropdown_change_validates_once_and_builds_the_circuit_once(monkeypatch):
    """A dropdown change validates the spec once (``session.update`` -> ``spec.replace``);
    the Session and the workbench state keep the validated spec instead of rebuilding it
    from its dict.  Circuits are built once, for the diagram (the panel used to test-build
    them too, and the spec built them again to check option values): 3 validations and 4
    builds before."""
    comp = CircuitComposer()
    counts = {"validate": 0, "build": 0}
    real_validate, real_build = ExperimentSpec.validate, circuits.Block.build_validated

    def validate(self):
        counts["validate"] += 1
        return real_validate(self)

    def build(self, *a, **k):
        counts["build"] += 1
        return real_build(self, *a, **k)

    monkeypatch.setattr(ExperimentSpec, "validate", validate)
    monkeypatch.setattr(circuits.Block, "build_validated", build)
    comp.feature_map.value = "pauli"
    assert comp.spec.circuit.feature_map.name == "pauli"
    assert counts == {"validate": 1, "build": 2}   # build: one feature map + one ansatz
