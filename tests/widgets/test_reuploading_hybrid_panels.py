"""The composer sets re-uploading and draws the interleaved circuit; the Model panel shows
the hybrid model's settings as typed controls (headless)."""

from __future__ import annotations

import pytest

import qmlbench as qb
from qmlbench.widgets import CircuitComposer, ModelPanel


@pytest.mark.timeout(60)
def test_composer_sets_reuploading_and_draws_every_layer():
    panel = CircuitComposer(spec={"circuit": {"feature_map": {"name": "angle"},
                                              "ansatz": {"name": "real_amplitudes", "reps": 1}},
                                  "model": {"name": "estimator_qnn"}})
    single = panel.circuit
    assert set(panel.reuploading.widgets) == {"layers", "input_scaling", "trainable_first"}
    panel.reuploading.widgets["layers"].value = 3
    assert panel.spec.circuit.reuploading == {"layers": 3, "input_scaling": False,
                                              "trainable_first": False}
    drawn = panel.circuit
    assert drawn.metadata["reuploading"]["layers"] == 3
    assert drawn.num_parameters == 2 + 3 * (single.num_parameters - 2)
    # the picture holds every layer's gates: three encodings of x[0]
    assert panel.diagram.value.count("x[0]") >= 3 or panel.diagram.value.count("x_0") >= 3
    panel.reuploading.widgets["input_scaling"].value = True
    assert panel.spec.circuit.reuploading == {"layers": 3, "input_scaling": True,
                                              "trainable_first": False}
    assert panel.circuit.metadata["reuploading"]["scaling_weights"] == 6
    # an ansatz copy before the first encoding: one more copy's weights
    panel.reuploading.widgets["trainable_first"].value = True
    assert panel.spec.circuit.reuploading["trainable_first"] is True
    assert panel.circuit.num_parameters == drawn.num_parameters + 6 + (single.num_parameters - 2)
    panel.reuploading.widgets["trainable_first"].value = False
    # back to one layer without scaling: the spec reads as before
    panel.reuploading.widgets["input_scaling"].value = False
    panel.reuploading.widgets["layers"].value = 1
    assert panel.spec.circuit.reuploading is None
    assert "reuploading" not in panel.spec.to_dict()["circuit"]


@pytest.mark.timeout(60)
def test_composer_shows_a_spec_with_reuploading_and_disables_it_for_kernels():
    panel = CircuitComposer(spec={"circuit": {"reuploading": {"layers": 2}},
                                  "model": {"name": "qsvc"}})
    assert panel.reuploading.widgets["layers"].value == 2
    assert panel.reuploading.widgets["layers"].disabled


@pytest.mark.timeout(60)
def test_model_panel_shows_the_hybrid_settings():
    panel = ModelPanel()
    panel.model.value = "hybrid"
    assert panel.spec.model.name == "hybrid"
    shown = set(panel.model_params.widgets)
    assert {"pre_layers", "post_layers", "torch_optimizer", "learning_rate", "epochs",
            "batch_size", "activation", "observables"} == shown
    # the qiskit-ml optimizer settings do not apply: PyTorch's optimizer is a model setting
    assert panel.optimizer.layout.display == "none"
    panel.model_params.widgets["pre_layers"].value = "8, 4"
    assert panel.spec.model.params["pre_layers"] == [8, 4]
    panel.model_params.widgets["pre_layers"].value = ""
    assert "pre_layers" not in panel.spec.model.params      # empty: no layers (the default)
    panel.model_params.widgets["torch_optimizer"].value = "sgd"
    assert panel.spec.model.params["torch_optimizer"] == "sgd"
