"""One state for the whole screen: stale results after a settings change, and the whole
state (hidden controls, plateau study, Compare baseline) through a link and a file."""

from __future__ import annotations

import json

import pytest

from qmlbench.engine.state import WorkbenchState
from qmlbench.widgets import Workbench, decode_state, encode_spec, parse_query, share_query
from qmlbench.widgets._common import STALE_CLASS


def _stale(panel):
    return STALE_CLASS in panel._dom_classes and panel.stale_label.layout.display != "none"


@pytest.mark.timeout(120)
def test_a_settings_change_marks_the_views_stale_and_train_clears_it():
    wb = Workbench(spec={"dataset": {"name": "moons", "n_samples": 30},
                         "model": {"name": "qsvc"}})
    assert not any(_stale(p) for p in (wb.training, wb.boundary, wb.kernel))
    wb.train()
    assert wb.wait(60) and wb.session.status == "done"
    assert wb.kernel.matrix is not None and wb.boundary.surface is not None
    wb.hide(["noise"])  # hiding a control is not a settings change
    assert not any(_stale(p) for p in (wb.training, wb.boundary, wb.kernel))
    wb.model.model_params.widgets["C"].value = 3.0
    assert wb.spec.model.params == {"C": 3.0}
    for panel in (wb.training, wb.boundary, wb.kernel):
        assert _stale(panel), panel
        assert "train again" in panel.stale_label.value
    assert STALE_CLASS in wb.boundary.figure._dom_classes
    assert STALE_CLASS in wb.training.loss_figure._dom_classes
    wb.training.train_button.click()
    assert wb.wait(60)
    assert not any(_stale(p) for p in (wb.training, wb.boundary, wb.kernel))
    # a new dataset clears the surface instead (the old data is gone)
    wb.data.dataset_picker.value = "circles"
    assert wb.boundary.surface is None and not _stale(wb.boundary)
    assert _stale(wb.training)
    wb.training.reset_button.click()
    assert not _stale(wb.training)


@pytest.mark.timeout(60)
def test_the_whole_screen_state_survives_a_link_into_a_fresh_workbench():
    wb = Workbench()
    wb.data.dataset_picker.value = "xor"
    wb.hide(["noise", "compare"])
    wb.plateau.samples.value = 400
    wb.plateau.observable.value = "global"
    wb.plateau.init.value = "small"
    wb.plateau.width.value = 0.3
    wb.plateau.qubits.value = (3, 6)
    wb.compare.baseline.value = "mlp"
    state = wb.state
    assert state.hide == ["noise", "compare"] and state.plateau.samples == 400
    assert state.plateau.init_width == 0.3 and state.compare.baseline == "mlp"
    query = wb.experiment.link_text.value
    assert query == share_query(state)
    fresh = Workbench.from_query(query)
    assert fresh.state.to_dict() == state.to_dict()
    assert fresh.plateau.samples.value == 400 and fresh.plateau.observable.value == "global"
    assert fresh.plateau.qubits.value == (3, 6) and fresh.plateau.width.value == 0.3
    assert fresh.compare.baseline.value == "mlp"
    assert fresh.data.noise.layout.display == "none" and "compare" in fresh.hidden
    assert "Compare" not in [fresh.results.get_title(i) for i in range(len(fresh.results.children))]
    # exported as one file and imported into another fresh workbench
    other = Workbench()
    assert other.experiment.import_json(wb.state.to_json()) is not None
    assert other.state.to_dict() == state.to_dict()
    assert other.plateau.samples.value == 400 and other.data.noise.layout.display == "none"
    # the download link carries the same whole state
    import base64
    import re

    data = re.search(r"base64,([A-Za-z0-9+/=]+)", wb.experiment.state_download.value).group(1)
    assert WorkbenchState.from_json(base64.b64decode(data).decode()).to_dict() == state.to_dict()
    # and a plateau study exported this way re-runs from Python
    token = query.split("spec=")[1].split("&")[0]
    assert decode_state(token).plateau.kwargs()["samples"] == 400
    assert parse_query(query)["state"].plateau == state.plateau


@pytest.mark.timeout(60)
def test_an_old_spec_only_link_still_opens():
    spec = {"dataset": {"name": "circles", "noise": 0.2}, "model": {"name": "svc"}, "seed": 3}
    old = "?spec=" + encode_spec(WorkbenchState(spec=spec).spec) + "&hide=shots"
    wb = Workbench.from_query(old)
    assert wb.spec.dataset.name == "circles" and wb.spec.seed == 3
    assert wb.state.hide == ["shots"] and wb.state.plateau == WorkbenchState().plateau
    assert not wb.notice.value
    # a spec-only file imports onto the screen and leaves the rest as it is
    wb.hide(["noise"])
    assert wb.experiment.import_json(json.dumps({"dataset": {"name": "xor"}})) is not None
    assert wb.spec.dataset.name == "xor" and wb.state.hide == ["shots", "noise"]


@pytest.mark.timeout(60)
def test_a_bad_plateau_value_in_a_link_is_reported():
    bad = WorkbenchState().to_dict()
    bad["plateau"]["samples"] = 1
    bad.pop("hide")
    wb = Workbench.from_query("?spec=" + __import__("base64").urlsafe_b64encode(
        json.dumps(bad).encode()).decode().rstrip("="))
    assert "plateau.samples" in wb.notice.value
