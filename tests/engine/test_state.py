"""The whole screen as data: WorkbenchState round trips, validation, old links, plateau re-runs."""

from __future__ import annotations

import json

import numpy as np
import pytest

import qmlbench as qb
from qmlbench.engine.plateau import DepthPerQubit, PlateauSettings, gradient_variance
from qmlbench.engine.state import CompareSettings, WorkbenchState

FULL = {
    "spec": {"dataset": {"name": "xor", "noise": 0.2}, "model": {"name": "qsvc"}, "seed": 4},
    "hide": ["noise", "compare"],
    "plateau": {"ansatz": "real_amplitudes", "qubits": [2, 4], "depth_mode": "fixed",
                "layers": 3, "samples": 30, "observable": "local", "init": "small",
                "init_width": 0.2, "param_index": "all", "seed": 7},
    "compare": {"baseline": "mlp", "params": {"alpha": 0.01}},
}


def test_round_trip_is_exact_through_dict_and_json():
    state = WorkbenchState.from_dict(FULL)
    again = WorkbenchState.from_json(state.to_json())
    assert again.to_dict() == state.to_dict()
    assert again == state
    d = state.to_dict()
    assert d["spec"] == qb.ExperimentSpec.from_dict(FULL["spec"]).to_dict()
    assert d["hide"] == FULL["hide"] and d["compare"] == FULL["compare"]
    assert {k: d["plateau"][k] for k in FULL["plateau"]} == FULL["plateau"]
    assert json.loads(state.to_json(indent=None))["version"] == 1


def test_a_bare_spec_reads_as_a_state_with_defaults():
    spec = {"dataset": {"name": "circles"}, "model": {"name": "svc"}}
    state = WorkbenchState.from_dict(spec)
    assert state.spec == qb.ExperimentSpec.from_dict(spec)
    assert state.is_default_beyond_spec and state.hide == []
    assert WorkbenchState.from_json(json.dumps(spec)).to_dict() == state.to_dict()


@pytest.mark.parametrize("data, message", [
    ({"plateau": {"samples": 1}}, "plateau.samples: 1 must be an integer from 2 to 100000"),
    ({"plateau": {"qubits": [5, 2]}}, "plateau.qubits: [5, 2] must be [lowest, highest]"),
    ({"plateau": {"qubits": [2, 99]}}, "plateau.qubits: [2, 99] must be [lowest, highest], two integers from 1 to 24"),
    ({"plateau": {"observable": "xx"}}, "plateau.observable: 'xx' is not a plateau cost"),
    ({"plateau": {"ansatz": "nope"}}, "plateau.ansatz: 'nope' is not a known ansatz"),
    ({"plateau": {"init": "zeros"}}, "plateau.init: 'zeros' is not an initialisation"),
    ({"plateau": {"param_index": -1}}, "plateau.param_index: -1 is not a parameter index"),
    ({"plateau": {"sample": 3}}, "plateau.sample: 3 is not a known field"),
    ({"compare": {"baseline": "qsvc"}}, "compare.baseline: 'qsvc' is not a classical model"),
    ({"compare": {"baseline": "svc", "params": {"alpha": 1}}},
     "compare.params.alpha: 1 is not a parameter of svc"),
    ({"spec": {"model": {"name": "zz"}}}, "spec.model.name: 'zz' is not a known model"),
    ({"hide": [3]}, "hide: 3 must be a control or panel name"),
    ({"version": 99}, "version: 99 is newer than this qmlbench reads"),
    ({"spec": {}, "colour": "red"}, "colour: 'red' is not a part of the workbench state"),
    ("[1, 2]", "state: [1, 2] must be a JSON object"),
])
def test_validation_names_the_field(data, message):
    with pytest.raises(qb.SpecError) as err:
        if isinstance(data, str):
            WorkbenchState.from_json(data)
        else:
            WorkbenchState.from_dict(data)
    assert message in str(err.value)


def test_bad_json_says_so():
    with pytest.raises(qb.SpecError, match="not valid JSON"):
        WorkbenchState.from_json("{oops")


def test_replace_merges_parts_and_validates():
    state = WorkbenchState()
    new = state.replace(plateau={"samples": 60}, compare={"baseline": "logistic"})
    assert new.plateau.samples == 60 and new.plateau.observable == state.plateau.observable
    assert new.compare.baseline == "logistic" and state.compare.baseline is None
    with pytest.raises(qb.SpecError, match="plateau.layers"):
        state.replace(plateau={"layers": 0})


def test_plateau_follows_the_composer_when_asked():
    state = WorkbenchState.from_dict({"spec": {"circuit": {"ansatz": {"name": "efficient_su2",
                                                                      "entanglement": "full"}}},
                                      "plateau": {"follow_composer": True}})
    assert state.plateau.ansatz == "efficient_su2"
    assert state.plateau.ansatz_options == {"entanglement": "full"}
    moved = state.replace(spec=state.spec.replace(circuit={"ansatz": {"name": "real_amplitudes"}}))
    assert moved.plateau.ansatz == "real_amplitudes"


def test_an_exported_plateau_study_reruns_from_python():
    exported = WorkbenchState.from_dict(FULL).to_json()
    settings = WorkbenchState.from_json(exported).plateau
    kwargs = settings.kwargs()
    assert kwargs["qubits"] == [2, 3, 4] and kwargs["init"] == ("small", 0.2)
    direct = gradient_variance("real_amplitudes", [2, 3, 4], 3, samples=30, observable="local",
                               init=("small", 0.2), param_index="all", seed=7)
    via_kwargs = qb.plateau.gradient_variance(**kwargs)
    via_run = settings.run()
    np.testing.assert_array_equal(via_kwargs.variances, direct.variances)
    np.testing.assert_array_equal(via_run.variances, direct.variances)
    assert via_run.decay_rate == pytest.approx(direct.decay_rate)


def test_per_qubit_depth_in_kwargs():
    s = PlateauSettings(qubits=[2, 3], layers=4, samples=20)
    assert s.kwargs()["layers"] == DepthPerQubit(4)
    assert s.total_samples == 40


def test_compare_settings_resolve_to_the_task():
    c = CompareSettings(baseline="svc")
    assert c.resolved("regression") == "svr" and c.resolved("classification") == "svc"
    assert CompareSettings().resolved("regression") == "svr"
