"""One option schema (engine/options.py): each kind's checks and messages, unknown keys,
defaults, descriptions; every registry entry declares a schema whose defaults validate and
build; a spec is validated once per change."""

import json
import math

import numpy as np
import pytest

from qmlbench.engine import circuits, datasets, models, optimizers, spec as spec_module
from qmlbench.engine.errors import SpecError
from qmlbench.engine.jsonable import plain
from qmlbench.engine.options import Option, Schema
from qmlbench.engine.spec import ExperimentSpec


def _msg(opt, value, fld="f"):
    with pytest.raises(SpecError) as err:
        opt.check(value, fld)
    assert err.value.field == fld
    return str(err.value)


# --- kinds --------------------------------------------------------------------------

def test_int_kind():
    opt = Option("n", "int", 3, low=1)
    assert opt.check(5) == 5 and type(opt.check(np.int64(5))) is int
    assert _msg(opt, 0) == "f: 0 must be an integer >= 1"
    assert _msg(opt, 2.5) == "f: 2.5 must be an integer >= 1"
    assert _msg(opt, True) == "f: True must be an integer >= 1"
    assert "from 1 to 9" in _msg(Option("n", "int", 3, low=1, high=9), 10)
    assert "non-negative integer or null" in _msg(Option("s", "int", 0, low=0, allow_none=True), -1)
    assert Option("s", "int", 0, low=0, allow_none=True).check(None) is None


def test_float_kind():
    pos = Option("c", "float", 1.0, low=0, low_open=True)
    assert pos.check(2) == 2 and type(pos.check(np.float32(0.5))) is float
    assert _msg(pos, 0) == "f: 0 must be a number > 0"
    assert _msg(pos, "big") == "f: 'big' must be a number > 0"
    assert _msg(pos, math.nan).startswith("f: nan must be a number > 0")
    assert _msg(Option("a", "float", 1.0), math.inf) == "f: inf must be a finite number"
    frac = Option("t", "float", 0.5, low=0, high=1, low_open=True, high_open=True)
    assert "between 0 and 1 (> 0 and < 1)" in _msg(frac, 1)
    assert "from 0 to 1" in _msg(Option("t", "float", 0.5, low=0, high=1), 1.5)
    gamma = Option("gamma", "float", "scale", low=0, low_open=True, also=("scale", "auto"))
    assert gamma.check("auto") == "auto" and gamma.check(0.3) == 0.3
    assert _msg(gamma, "wide") == "f: 'wide' must be 'scale', 'auto' or a number > 0"


def test_bool_choice_str_kinds():
    flag = Option("b", "bool", False)
    assert flag.check(np.bool_(True)) is True
    assert _msg(flag, "yes") == "f: 'yes' must be true or false"
    assert _msg(flag, 1) == "f: 1 must be true or false"
    mode = Option("m", "choice", "a", choices=["a", "b"], invalid="is not a mode")
    assert mode.choices == ("a", "b") and mode.check("b") == "b"
    assert _msg(mode, "c") == "f: 'c' is not a mode; choose one of a, b"
    assert _msg(mode, ["a"]).startswith("f: ['a'] is not a mode")   # unhashable: refused
    assert _msg(Option("n", "choice", 1, choices=(1, 2)), True).startswith("f: True is not allowed")
    assert _msg(Option("s", "str", ""), 3) == "f: 3 must be a string"


def test_list_kind():
    layers = Option("h", "list", [4], item=Option("w", "int", low=1), noun="a list of widths")
    assert layers.check((8, np.int64(4))) == [8, 4]
    assert _msg(layers, []) == "f: [] must be a list of widths"
    assert _msg(layers, [8, 0]) == "f: [8, 0] must be a list of widths"   # the whole value
    gates = Option("g", "list", "cz", single=True,
                   item=Option("gate", "choice", choices=("cx", "cz"), invalid="is not a gate"))
    assert gates.check("cx") == "cx" and gates.check(["cx", "cz"]) == ["cx", "cz"]
    assert _msg(gates, ["cx", "ry"]) == "f: 'ry' is not a gate; choose one of cx, cz"  # the item


def test_validator_and_bad_declarations():
    def even(value, fld):
        if value % 2:
            raise SpecError(fld, value, reason="must be even")
        return value

    opt = Option("e", "int", 0, validator=even)
    assert opt.check(4) == 4 and _msg(opt, 3) == "f: 3 must be even"
    with pytest.raises(ValueError):
        Option("x", "float-ish", 0)
    with pytest.raises(ValueError):
        Option("x", "choice", "a")
    with pytest.raises(ValueError):
        Schema.of(Option("a", "int", 0), Option("a", "int", 1))


# --- schemas ------------------------------------------------------------------------

def test_schema_defaults_validate_unknown_keys_and_description():
    s = Schema.of(Option("alpha", "float", 2.0, help="scale"), Option("paulis", "list", ["Z"]))
    assert s.names == ["alpha", "paulis"] and s.defaults() == {"alpha": 2.0, "paulis": ["Z"]}
    d = s.defaults()
    d["paulis"].append("X")
    assert s.defaults()["paulis"] == ["Z"]           # defaults are copies
    assert s.validate({"alpha": np.float64(1.0)}, "sec") == {"alpha": 1.0}
    assert s.validate(None, "sec") == {}
    with pytest.raises(SpecError) as err:
        s.validate({"alhpa": 1}, "circuit.feature_map.options", owner="zz")
    assert str(err.value) == ("circuit.feature_map.options.alhpa: 1 is not an option of zz; "
                              "choose one of alpha, paulis")
    with pytest.raises(SpecError, match="sec: 3 must be a mapping"):
        s.validate(3, "sec")
    with pytest.raises(SpecError, match=r"\(no options\)"):
        Schema().validate({"x": 1}, "sec", owner="moons")
    assert s.validate({"feature_range": [0, 1]}, "sec", extra=["feature_range"]) == {
        "feature_range": [0, 1]}
    desc = s.to_dict()
    assert json.loads(json.dumps(desc)) == desc
    assert desc[0] == {"name": "alpha", "kind": "float", "default": 2.0,
                       "allowed": "a finite number", "help": "scale"}
    assert s.merged({"alpha": 3.0}) == {"alpha": 3.0, "paulis": ["Z"]}


def test_old_style_dict_defaults_are_read_as_a_schema():
    block = circuits.Block("mine", "ansatz", lambda *a, **k: None, {"depth": 2, "flag": False})
    assert [o.kind for o in block.schema] == ["int", "bool"] and block.options == {"depth": 2,
                                                                                   "flag": False}
    entry = datasets.DatasetEntry("mine", "classification", None, {"width": 0.5})
    assert entry.schema["width"].kind == "float"
    assert models.Param(1.0, "positive").check(2.0) == 2.0


def test_one_plain_json_helper():
    out = plain({"a": np.arange(3), "b": (1, np.float64("nan")), 3: np.int32(4),
                 "c": complex(1, 2), "d": [math.inf, np.bool_(True)], "e": None})
    assert out == {"a": [0, 1, 2], "b": [1, None], "3": 4, "c": [1.0, 2.0], "d": [None, True],
                   "e": None}
    json.dumps(out, allow_nan=False)


# --- every registry entry has a schema whose defaults validate and build ----------------

@pytest.mark.parametrize("kind, name", [("feature_map", n) for n in circuits.FEATURE_MAPS]
                         + [("ansatz", n) for n in circuits.ANSATZE])
def test_every_circuit_block_builds_at_its_defaults(kind, name):
    registry = circuits.FEATURE_MAPS if kind == "feature_map" else circuits.ANSATZE
    block = registry[name]
    assert isinstance(block.schema, Schema)
    defaults = block.schema.defaults()
    assert block.schema.validate(defaults, f"circuit.{kind}.options", owner=name) == defaults
    for width in (1, 2, 3):
        qc = block(width, circuits.REPS.default, circuits.ENTANGLEMENT.default, **defaults)
        assert qc.num_qubits == width
    spec = ExperimentSpec.from_dict({"circuit": {kind: {"name": name, "options": defaults}}})
    fm, an = circuits.from_spec(spec.circuit, 2)
    assert (fm if kind == "feature_map" else an).name == name


@pytest.mark.parametrize("name", list(datasets.DATASETS))
def test_every_dataset_loads_at_its_defaults(name):
    entry = datasets.DATASETS[name]
    assert isinstance(entry.schema, Schema)
    ds = datasets.load(name, **datasets.COMMON.defaults(), **entry.schema.defaults())
    assert ds.task == entry.task and len(ds.X_train) > 0
    # quantum data pairs only with the models that take states (models.compat.check_inputs)
    model = ({"model": {"name": "state_qsvc"}} if entry.inputs == datasets.STATES else {})
    spec = ExperimentSpec.from_dict({"dataset": {"name": name, "options": entry.schema.defaults()},
                                     **model})
    assert spec.dataset.options == entry.schema.defaults()


@pytest.mark.parametrize("name", [n for n, e in models.MODELS.items() if not e.missing])
def test_every_model_builds_from_a_spec_at_its_defaults(name):
    entry = models.MODELS[name]
    assert isinstance(entry.schema, Schema)
    dataset = "moons" if "classification" in entry.tasks else "sine"
    if entry.inputs == "states":
        dataset = "phase_of_matter"
    spec = ExperimentSpec.from_dict({"dataset": {"name": dataset},
                                     "model": {"name": name, "params": entry.schema.defaults()}})
    model = models.build(spec)
    for key, value in entry.schema.defaults().items():
        assert getattr(model, key) == value


@pytest.mark.parametrize("name", list(optimizers.OPTIMIZERS))
def test_every_optimizer_has_a_schema_and_builds(name):
    entry = optimizers.OPTIMIZERS[name]
    assert isinstance(entry.schema, Schema) and entry.options == tuple(entry.schema.names)
    assert optimizers.build_optimizer(name=name, maxiter=optimizers.MAXITER.default) is not None


def test_ranges_are_what_the_engine_takes():
    for bad in ({"gap": 1.0}, {"gap": -0.1}):
        with pytest.raises(SpecError, match="dataset.options.gap"):
            datasets.load("ad_hoc", **bad)
    for bad in (0.0, 1.0):
        with pytest.raises(SpecError, match="dataset.options.factor"):
            ExperimentSpec.from_dict({"dataset": {"name": "circles", "options": {"factor": bad}}})
    with pytest.raises(SpecError, match="dataset.options.turns"):
        datasets.load("spiral", turns=0)
    # width-dependent checks run at spec time without building the circuit
    with pytest.raises(SpecError, match="acts on more qubits than the circuit has"):
        ExperimentSpec.from_dict({"circuit": {"feature_map": {"name": "pauli",
                                                              "options": {"paulis": ["ZZZ"]}}}})
    with pytest.raises(SpecError, match="must be 1 lists of 2 axes"):
        ExperimentSpec.from_dict({"circuit": {"ansatz": {"name": "random_pauli", "reps": 1,
                                                         "options": {"axes": [["x"]]}}}})


def test_the_schema_descriptions_are_plain_json():
    described = {
        "feature_maps": {n: b.schema.to_dict() for n, b in circuits.FEATURE_MAPS.items()},
        "ansatze": {n: b.schema.to_dict() for n, b in circuits.ANSATZE.items()},
        "datasets": {n: e.schema.to_dict() for n, e in datasets.DATASETS.items()},
        "models": {n: e.schema.to_dict() for n, e in models.MODELS.items()},
        "optimizers": {n: e.schema.to_dict() for n, e in optimizers.OPTIMIZERS.items()},
    }
    assert json.loads(json.dumps(described, allow_nan=False)) == described
    ent = {o["name"]: o for o in described["ansatze"]["two_local"]}
    assert ent["entanglement_blocks"]["item"]["choices"] == list(circuits.ENTANGLING_GATES)


# --- validated once --------------------------------------------------------------------

def test_a_spec_change_validates_once_and_builds_nothing(monkeypatch):
    spec = ExperimentSpec()
    counts = {"validate": 0, "build": 0, "schema": 0}
    real_validate = ExperimentSpec.validate
    real_schema_validate = Schema.validate

    def counting_validate(self):
        counts["validate"] += 1
        return real_validate(self)

    def counting_schema_validate(self, *a, **k):
        counts["schema"] += 1
        return real_schema_validate(self, *a, **k)

    def counting_build(*a, **k):
        counts["build"] += 1
        raise AssertionError("validation must not build circuits")

    monkeypatch.setattr(ExperimentSpec, "validate", counting_validate)
    monkeypatch.setattr(Schema, "validate", counting_schema_validate)
    monkeypatch.setattr(circuits.Block, "build_validated", counting_build)
    before = spec_module.validations
    new = spec.replace(circuit={"feature_map": {"name": "pauli", "options": {"paulis": ["Z"]}}})
    assert counts == {"validate": 1, "build": 0, "schema": counts["schema"]}
    assert spec_module.validations - before == 1
    # each section once: dataset common + options, two blocks, model, optimizer
    assert counts["schema"] == 6
    # engine functions that take the validated spec trust it: no validation again
    monkeypatch.undo()
    counts.update(schema=0)
    monkeypatch.setattr(Schema, "validate", counting_schema_validate)
    models.build(new)
    circuits.from_spec(new.circuit, 2)
    datasets.from_spec(new.dataset, new.seed)
    assert counts["schema"] == 0
