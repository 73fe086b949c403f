"""Quantum data on the screen: a state dataset brings a state model, the model picker lists
only the models that take what the dataset holds, and the way back works too."""

import time

import pytest

import qmlbench as qb


@pytest.mark.timeout(120)
def test_picking_quantum_data_swaps_the_model_and_narrows_the_picker():
    wb = qb.Workbench()
    assert wb.spec.model.name not in ("state_qsvc", "qcnn")
    wb.data.dataset_picker.value = "phase_of_matter"
    assert wb.spec.dataset.name == "phase_of_matter"
    assert wb.spec.model.name == "state_qsvc"
    assert [v for _, v in wb.model.model.options] == ["state_qsvc", "qcnn"]
    wb.model.model.value = "qcnn"
    assert wb.spec.model.name == "qcnn"
    # the data panel draws the states' first two real columns, one point per state
    assert len(wb.data.figure.data[0].x) == len(wb.session.dataset.X_train)
    wb.data.dataset_picker.value = "moons"
    assert qb.models.MODELS[wb.spec.model.name].inputs == "features"
    assert "qcnn" not in [v for _, v in wb.model.model.options]


@pytest.mark.timeout(120)
def test_the_boundary_panel_says_why_quantum_data_has_no_surface():
    wb = qb.Workbench(spec={"dataset": {"name": "phase_of_matter", "n_samples": 24},
                            "model": {"name": "state_qsvc"}})
    wb.training.train_button.click()
    assert wb.wait(100)
    assert wb.training.status.value.startswith("done")
    assert wb.boundary.surface is None
    assert "quantum states, not points of a plane" in wb.boundary.note.value
    assert "slice" not in wb.boundary.note.value


@pytest.mark.timeout(120)
def test_the_composer_and_the_inside_tab_say_quantum_data_has_no_encoding_circuit():
    # the phases preset trains, yet the Circuit tab showed a red "num_qubits: 32 is too many
    # for exact simulation" (a feature map over the 32 amplitude columns, no part of the
    # model) and the Inside tab said "measuring expressibility…" for ever
    wb = qb.Workbench(spec=qb.widgets.preset_spec("phases_qcnn"))
    assert wb.circuit.badges_done.wait(30)
    time.sleep(0.05)  # the insight event follows the badge line
    assert wb.circuit.error.value == ""
    assert "no feature map" in wb.circuit.note.value
    assert "measuring" not in wb.inside.badges.value
    assert "no feature map" in wb.inside.badges.value
    # features again: the composer draws the circuit
    wb.data.dataset_picker.value = "moons"
    assert wb.circuit.circuit is not None and wb.circuit.error.value == ""
