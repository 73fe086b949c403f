"""Insight on quantum data: a state model has no feature map, and its inputs are states
given as they are, so the spec's feature map over their amplitude columns (2^(n+1) of
them, one qubit each) is no circuit the model runs; its measures must not be reported."""

from __future__ import annotations

import pytest

import qmlbench as qb
from qmlbench.engine.errors import SpecError
from qmlbench.engine.insight.live import spec_badges
from qmlbench.engine.insight.report import spec_report

SPEC = {"dataset": {"name": "entanglement_concentration", "n_samples": 20,
                    "options": {"qubits": 3}},
        "model": {"name": "state_qsvc"}}


def test_the_report_refuses_rather_than_measure_a_feature_map_the_model_does_not_have():
    # before: a "feature map" row for a 16-qubit zz map over the 16 amplitude columns
    with pytest.raises(SpecError, match="states"):
        spec_report(qb.ExperimentSpec.from_dict(SPEC), samples=2, input_samples=1)


@pytest.mark.parametrize("model", ["state_qsvc", "qcnn"])
def test_the_badges_say_why_there_is_nothing_to_measure(model):
    badges = spec_badges(qb.ExperimentSpec.from_dict({**SPEC, "model": {"name": model}}))
    assert badges.expressibility is None and badges.entanglement is None
    assert badges.num_qubits == 3 and "states" in badges.reason
    assert "feature map" != badges.part
