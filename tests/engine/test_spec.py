"""ExperimentSpec: exact JSON round trip and validation messages that name field, value and choices."""

import json

import pytest

import qmlbench as qb
from qmlbench.engine.errors import SpecError
from qmlbench.engine.spec import ExperimentSpec

FULL = {
    "dataset": {"name": "ad_hoc", "n_samples": 40, "noise": 0.0, "test_size": 0.5,
                "scaling": "none", "options": {"gap": 0.3}},
    "circuit": {"num_qubits": 2,
                "feature_map": {"name": "zz", "reps": 2, "entanglement": "full", "options": {}},
                "ansatz": {"name": "efficient_su2", "reps": 4, "entanglement": "circular",
                           "options": {}}},
    "model": {"name": "qsvc", "params": {"C": 2.0}},
    "optimizer": {"name": "spsa", "maxiter": 7, "learning_rate": 0.05, "options": {}},
    "execution": {"shots": 512, "seed": 3},
    "seed": 11,
}


def test_public_constructor_is_exported():
    assert qb.ExperimentSpec is ExperimentSpec


def test_full_spec_round_trips_exactly_through_dict_and_json():
    spec = ExperimentSpec.from_dict(FULL)
    assert spec.to_dict() == FULL
    again = ExperimentSpec.from_json(spec.to_json())
    assert again == spec
    assert json.loads(again.to_json()) == FULL


def test_defaults_fill_missing_sections_and_fields():
    spec = ExperimentSpec.from_dict({"dataset": {"name": "moons"}})
    d = spec.to_dict()
    assert set(d) == {"dataset", "circuit", "model", "optimizer", "execution", "seed"}
    assert d["execution"]["shots"] is None  # exact path by default
    assert d["circuit"]["feature_map"]["name"] == "zz"
    assert ExperimentSpec.from_dict(d) == spec


def test_block_shorthand_by_name():
    spec = ExperimentSpec.from_dict({"circuit": {"ansatz": "efficient_su2"}})
    assert spec.circuit.ansatz.name == "efficient_su2"


@pytest.mark.parametrize(
    "patch, field, fragment",
    [
        ({"model": {"name": "qsvm"}}, "model.name", "qsvc"),
        ({"dataset": {"name": "moonz"}}, "dataset.name", "moons"),
        ({"optimizer": {"name": "adamw"}}, "optimizer.name", "cobyla"),
        ({"circuit": {"feature_map": {"name": "zzz"}}}, "circuit.feature_map.name", "zz"),
        ({"circuit": {"ansatz": {"name": "real_amplitude"}}}, "circuit.ansatz.name",
         "real_amplitudes"),
        ({"circuit": {"ansatz": {"name": "real_amplitudes", "entanglement": "ring"}}},
         "circuit.ansatz.entanglement", "circular"),
        ({"circuit": {"feature_map": {"name": "zz", "reps": 0}}}, "circuit.feature_map.reps",
         ">= 1"),
        ({"dataset": {"nosie": 0.2}}, "dataset.nosie", "noise"),
        ({"dataset": {"test_size": 1.5}}, "dataset.test_size", "< 1"),
        ({"optimizer": {"maxiter": 0}}, "optimizer.maxiter", ">= 1"),
        ({"execution": {"shots": -4}}, "execution.shots", ">= 1"),
        ({"seed": "zero"}, "seed", "integer"),
        ({"colour": "blue"}, "colour", "dataset"),
    ],
)
def test_bad_values_name_the_field_the_value_and_the_choices(patch, field, fragment):
    with pytest.raises(SpecError) as info:
        ExperimentSpec.from_dict(patch)
    err = info.value
    assert err.field == field
    message = str(err)
    assert message.startswith(field + ":")
    assert fragment in message
    # the bad value itself is named (for an unknown key, the key is the bad value)
    leaf = patch
    for part in field.split("."):
        leaf = leaf[part] if isinstance(leaf, dict) and part in leaf else part
    assert str(leaf) in message.split(":", 1)[1], (leaf, message)


def test_too_many_qubits_states_the_limit():
    limit = qb.execution.MAX_EXACT_QUBITS
    with pytest.raises(SpecError) as info:
        ExperimentSpec.from_dict({"circuit": {"num_qubits": limit + 1}})
    assert str(limit) in str(info.value)
    assert "exact simulation" in str(info.value)


def test_not_json_is_a_spec_error():
    with pytest.raises(SpecError, match="not valid JSON"):
        ExperimentSpec.from_json("{dataset: moons")


def test_replace_returns_a_new_validated_spec():
    spec = ExperimentSpec()
    other = spec.replace(model={"name": "svc"}, seed=4)
    assert other.model.name == "svc" and other.seed == 4
    assert spec.model.name != "svc"
    with pytest.raises(SpecError):
        spec.replace(model={"name": "nope"})


def test_load_reads_a_file(tmp_path):
    p = tmp_path / "s.json"
    p.write_text(json.dumps(FULL))
    assert ExperimentSpec.load(p).to_dict() == FULL
    with pytest.raises(SpecError, match="is not a file"):
        ExperimentSpec.load(tmp_path / "missing.json")


def test_unknown_circuit_option_fails_when_the_spec_is_built():
    with pytest.raises(SpecError) as info:
        ExperimentSpec.from_dict({"circuit": {"feature_map": {"name": "angle",
                                                              "options": {"rotaton": "y"}}}})
    assert info.value.field == "circuit.feature_map.options.rotaton"
    assert "rotation" in str(info.value)


# --- issue 9 / 15: every value checked when the spec is built -------------------------

@pytest.mark.parametrize("data, fragment", [
    ({"optimizer": {"name": "cobyla", "options": {"rhobeg": "big"}}},
     "optimizer.options.rhobeg: 'big' must be a number > 0"),
    ({"model": {"name": "mlp", "params": {"hidden_layer_sizes": "abc"}}},
     "model.params.hidden_layer_sizes: 'abc' must be a list of layer widths, integers >= 1"),
    ({"model": {"name": "mlp", "params": {"hidden_layer_sizes": [16, 0]}}},
     "model.params.hidden_layer_sizes: [16, 0] must be a list of layer widths"),
    ({"model": {"name": "mlp", "params": {"hidden_layer_sizes": 16}}},
     "model.params.hidden_layer_sizes: 16 must be a list"),
    ({"model": {"name": "svc", "params": {"gamma": -1}}},
     "model.params.gamma: -1 must be 'scale', 'auto' or a number > 0"),
    ({"model": {"name": "svr", "params": {"gamma": "wide"}}, "dataset": {"name": "sine"}},
     "model.params.gamma: 'wide' must be 'scale', 'auto' or a number > 0"),
    ({"dataset": {"name": "moons", "n_samples": 1000000}},
     "dataset.n_samples: 1000000 is more than the engine takes: at most 5000 samples"),
    ({"dataset": {"name": "circles", "options": {"factor": "half"}}},
     "dataset.options.factor: 'half' must be a number between 0 and 1"),
    ({"dataset": {"name": "moons", "options": {"factor": 0.5}}},
     "dataset.options.factor: 0.5 is not an option of moons"),
    ({"dataset": {"name": "moons", "options": {"feature_range": [1, 0]}}},
     "dataset.options.feature_range: [1, 0] must be [low, high] with low < high"),
    ({"circuit": {"feature_map": {"name": "zz", "options": {"alpha": "x"}}}},
     "circuit.feature_map.options.alpha: 'x'"),
    ({"circuit": {"feature_map": {"name": "angle", "options": {"rotation": "w"}}}},
     "circuit.feature_map.options.rotation: 'w'"),
])
def test_values_that_used_to_fail_mid_training_are_refused_at_spec_time(data, fragment):
    with pytest.raises(SpecError) as err:
        ExperimentSpec.from_dict(data)
    assert fragment in str(err.value), str(err.value)
    assert "\n" not in str(err.value)


def test_the_limits_accept_what_they_should():
    from qmlbench.engine import spec as spec_module

    ExperimentSpec.from_dict({"dataset": {"name": "moons", "n_samples": spec_module.MAX_SAMPLES}})
    ExperimentSpec.from_dict({"model": {"name": "svc", "params": {"gamma": 0.5}}})
    ExperimentSpec.from_dict({"model": {"name": "svc", "params": {"gamma": "auto"}}})
    ExperimentSpec.from_dict({"model": {"name": "mlp", "params": {"hidden_layer_sizes": [8]}}})
    ExperimentSpec.from_dict({"circuit": {"feature_map": {"name": "zz", "options": {"alpha": 1.5}}}})
    ExperimentSpec.from_dict({"dataset": {"name": "circles", "options": {"factor": 0.3}}})
    # the same bound wherever a spec comes from: JSON text (a file, an import, a link)
    with pytest.raises(SpecError, match="at most 5000 samples"):
        ExperimentSpec.from_json(json.dumps({"dataset": {"n_samples": 5001}}))
