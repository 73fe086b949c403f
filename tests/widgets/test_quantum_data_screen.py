"""Quantum data on the screen: a state dataset brings a state model, the model picker lists
only the models that take what the dataset holds, and the way back works too."""

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
