"""The whole state as one spec: presets, export/import, the shareable link."""

import datetime
import json

import pytest

import qmlbench as qb
from qmlbench.engine.spec import ExperimentSpec
from qmlbench.widgets import (PRESETS, ExperimentPanel, Workbench, decode_spec, encode_spec,
                              parse_query, share_query)


@pytest.mark.timeout(60)
def test_presets_load_onto_every_panel():
    wb = Workbench()
    assert {"ad_hoc_qsvc", "moons_vqc", "sine_vqr"} <= set(PRESETS)
    wb.experiment.preset.value = "ad_hoc_qsvc"
    assert wb.spec.dataset.name == "ad_hoc" and wb.spec.model.name == "qsvc"
    assert wb.data.dataset_picker.value == "ad_hoc"
    assert wb.model.model.value == "qsvc"
    assert wb.circuit.feature_map.value == "zz" and wb.circuit.fm_reps.value == 2
    assert json.loads(wb.experiment.spec_text.value)["model"]["name"] == "qsvc"
    wb.experiment.preset.value = "sine_vqr"
    assert wb.spec.model.name == "vqr" and wb.session.dataset.task == "regression"
    assert wb.model.model.value == "vqr"
    assert len(wb.data.figure.data[0].x) == len(wb.session.dataset.X_train)


@pytest.mark.timeout(60)
def test_export_import_round_trip():
    panel = ExperimentPanel(spec={"dataset": {"name": "circles", "noise": 0.2},
                                  "model": {"name": "svc", "params": {"C": 2.0}}, "seed": 5})
    exported = panel.spec_text.value
    spec = ExperimentSpec.from_json(exported)
    assert spec.to_dict() == panel.spec.to_dict()
    other = ExperimentPanel()
    assert other.import_json(exported) is not None
    assert other.spec.to_dict() == panel.spec.to_dict()
    # the download link carries the same JSON
    import base64
    import re

    data = re.search(r"base64,([A-Za-z0-9+/=]+)", panel.download.value).group(1)
    assert ExperimentSpec.from_json(base64.b64decode(data).decode()).to_dict() == spec.to_dict()


@pytest.mark.timeout(60)
def test_import_via_textarea_button_and_bad_json():
    panel = ExperimentPanel()
    before = panel.spec.to_dict()
    panel.spec_text.value = '{"model": {"name": "qsvm"}}'
    panel.import_button.click()
    assert "model.name: 'qsvm' is not a known model" in panel.message.value
    assert panel.spec.to_dict() == before
    panel.spec_text.value = "{oops"
    panel.import_button.click()
    assert "not valid JSON" in panel.message.value
    panel.spec_text.value = json.dumps({"dataset": {"name": "xor"}, "seed": 3})
    panel.import_button.click()
    assert panel.spec.dataset.name == "xor" and panel.spec.seed == 3
    assert "imported" in panel.message.value


@pytest.mark.timeout(60)
def test_upload_a_json_file():
    panel = ExperimentPanel()
    content = json.dumps({"dataset": {"name": "gaussians"}}).encode()
    panel._on_upload({"new": ({"name": "x.json", "content": memoryview(content)},)})
    assert panel.spec.dataset.name == "gaussians"
    # through the FileUpload widget itself, as the browser delivers a file
    other = ExperimentPanel()
    content = json.dumps({"dataset": {"name": "xor"}, "seed": 9}).encode()
    other.upload.value = ({"name": "y.json", "type": "application/json", "size": len(content),
                           "content": memoryview(content),
                           "last_modified": datetime.datetime(2026, 1, 1)},)
    assert other.spec.dataset.name == "xor" and other.spec.seed == 9


def test_encode_decode_round_trip_is_url_safe():
    spec = ExperimentSpec.from_dict({"dataset": {"name": "moons", "noise": 0.35},
                                     "circuit": {"feature_map": {"name": "pauli",
                                                                 "options": {"paulis": ["Z", "YY"]}}},
                                     "seed": 11})
    token = encode_spec(spec)
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert decode_spec(token).to_dict() == spec.to_dict()
    with pytest.raises(qb.SpecError, match="link.spec"):
        decode_spec("!!!not-base64")


@pytest.mark.timeout(60)
def test_the_link_restores_the_same_workbench(monkeypatch):
    wb = Workbench()
    wb.data.dataset_picker.value = "xor"
    wb.circuit.an_reps.value = 2
    wb.model.optimizer.value = "spsa"
    query = wb.experiment.link_text.value
    assert query.startswith("?spec=") and query == share_query(wb.spec)
    again = Workbench.from_query(query)
    assert again.spec.to_dict() == wb.spec.to_dict()
    assert again.data.dataset_picker.value == "xor" and again.circuit.an_reps.value == 2
    # Voila hands the query string over as QUERY_STRING
    monkeypatch.setenv("QUERY_STRING", query.lstrip("?") + "&hide=noise")
    from_env = Workbench.from_query()
    assert from_env.spec.to_dict() == wb.spec.to_dict()
    assert from_env.data.noise.layout.display == "none"


@pytest.mark.timeout(60)
def test_preset_link_and_bad_link():
    assert parse_query("?preset=moons_vqc")["spec"].model.name == "vqc"
    wb = Workbench.from_query("preset=ad_hoc_qsvc&hide=shots")
    assert wb.spec.model.name == "qsvc" and wb.model.shots.layout.display == "none"
    bad = Workbench.from_query("?spec=garbage!!")
    assert bad.spec.to_dict() == ExperimentSpec().to_dict()
    assert "link" in bad.experiment.message.value and "not a qmlbench link" in bad.experiment.message.value
