"""The ``qmlbench`` command: run, list, dashboard, help, and one-line errors with exit status 2."""

import csv
import json
import shutil
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import qmlbench as qb
from qmlbench import cli
from qmlbench.engine import store

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.json"))


def run_cli(capsys, *argv):
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_the_required_examples_exist_and_are_valid_specs():
    names = {p.stem for p in EXAMPLE_FILES}
    assert {"ad_hoc_qsvc", "moons_vqc", "xor_estimator_qnn", "sine_vqr"} <= names
    for p in EXAMPLE_FILES:
        qb.ExperimentSpec.load(p)
    assert any(qb.ExperimentSpec.load(p).dataset.name in ("sine", "surface") for p in EXAMPLE_FILES)


def test_default_run_is_the_ad_hoc_example():
    assert qb.ExperimentSpec.from_dict(cli.DEFAULT_SPEC) == qb.ExperimentSpec.load(EXAMPLES / "ad_hoc_qsvc.json")


@pytest.mark.timeout(120)
@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_every_example_runs_reports_and_saves(capsys, tmp_path, example):
    out_dir = tmp_path / "out"
    status, out, err = run_cli(capsys, "run", str(example), "--out", str(out_dir))
    assert status == 0, err
    spec = qb.ExperimentSpec.load(example)
    for label in ("train score", "test score", "execution path", "time", "saved to"):
        assert label in out
    assert "qubit" in out and "two-qubit gates" in out  # circuit facts of the quantum model
    assert any(line.strip().startswith("step") for line in out.splitlines())  # progress while training
    exp = store.load(out_dir)
    assert exp.spec == spec and exp.status == "done"
    data = qb.datasets.from_spec(spec.dataset, seed=spec.seed)
    # the saved model reproduces the printed test score
    test = exp.model.score(data.X_test, data.y_test)
    assert f"test score      {test:.4f}" in out
    assert test == pytest.approx(exp.scores["test"])
    # easy tasks: clearly better than chance (accuracy 0.5 / R² 0)
    assert test > (0.5 if data.task == "regression" else 0.7)
    assert exp.history, "the run's steps are saved"


@pytest.mark.timeout(120)
def test_run_without_spec_uses_default_and_default_out_folder(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = run_cli(capsys, "run", "--quiet")
    assert status == 0, err
    assert "step" not in out  # --quiet: no progress lines
    saved = list((tmp_path / "results").iterdir())
    assert len(saved) == 1 and saved[0].name.startswith("ad_hoc_qsvc-")
    assert store.load(saved[0]).scores["test"] >= 0.9


@pytest.mark.timeout(120)
def test_interrupted_run_stops_and_saves_a_usable_model(capsys, tmp_path, monkeypatch):
    # SPSA has no convergence test, so the run is still going when Ctrl-C arrives
    spec = qb.ExperimentSpec.load(EXAMPLES / "moons_vqc.json").replace(
        optimizer={"name": "spsa", "maxiter": 100000})
    path = tmp_path / "long.json"
    path.write_text(spec.to_json())
    from qmlbench.engine import training

    real_wait, fired = training.Run.wait, []

    def wait(self, timeout=None):
        if not fired and len(self.history) >= 3:  # Ctrl-C once the loss is falling
            fired.append(len(self.history))
            raise KeyboardInterrupt
        return real_wait(self, timeout)

    monkeypatch.setattr(training.Run, "wait", wait)
    status, out, err = run_cli(capsys, "run", str(path), "--out", str(tmp_path / "o"))
    assert status == 130 and "stopping" in err
    exp = store.load(tmp_path / "o")
    assert exp.status == "stopped" and 0 < len(exp.history) < 100000
    data = qb.datasets.from_spec(spec.dataset, seed=spec.seed)
    assert exp.model.predict(data.X_test).shape == (len(data.X_test),)


def _bad(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


@pytest.mark.parametrize("make,expected", [
    (lambda t: _bad(t, "typo.json", json.dumps({"model": {"name": "qsvm"}})),
     "qmlbench: error: typo.json: model.name: 'qsvm' is not a known model; choose one of "),
    (lambda t: _bad(t, "typo2.json", json.dumps({"dataset": {"name": "moons", "n_sample": 5}})),
     "qmlbench: error: typo2.json: dataset.n_sample: 5 is not a known field; choose one of name, n_samples"),
    (lambda t: _bad(t, "ent.json", json.dumps({"circuit": {"ansatz": {"name": "real_amplitudes",
                                                                         "entanglement": "ring"}}})),
     "qmlbench: error: ent.json: circuit.ansatz.entanglement: 'ring' is not a known entanglement"),
    (lambda t: _bad(t, "broken.json", "{not json"),
     "is not valid JSON (Expecting property name"),
    (lambda t: str(t / "nowhere.json"), "qmlbench: error: spec: "),
])
def test_bad_spec_exits_2_with_one_line_naming_the_field(capsys, tmp_path, make, expected):
    status, out, err = run_cli(capsys, "run", make(tmp_path))
    assert status == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert expected in err
    assert not (tmp_path / "results").exists()


def test_missing_file_names_the_path(capsys, tmp_path):
    status, out, err = run_cli(capsys, "run", str(tmp_path / "nowhere.json"))
    assert status == 2 and err.strip() == f"qmlbench: error: spec: '{tmp_path / 'nowhere.json'}' is not a file"


def test_spec_that_only_fails_when_building_the_model_also_exits_2(capsys, tmp_path):
    # valid spec, but a regression dataset for a classifier-only model: refused before training
    p = _bad(tmp_path, "task.json", json.dumps({"dataset": {"name": "sine"}, "model": {"name": "qsvc"},
                                               "circuit": {"feature_map": {"name": "angle"}}}))
    status, out, err = run_cli(capsys, "run", p, "--out", str(tmp_path / "o"))
    assert status == 2 and err.count("\n") == 1 and "qsvc" in err and "regression" in err
    assert not (tmp_path / "o").exists()


def test_list_shows_every_registry(capsys):
    status, out, err = run_cli(capsys, "list")
    assert status == 0
    for title in ("Datasets:", "Feature maps:", "Ansätze:", "Models:", "Optimizers:", "Entanglements:"):
        assert title in out
    names = {line.split()[0] for line in out.splitlines() if line.startswith("  ")}
    expected = (set(qb.datasets.DATASETS) | set(qb.circuits.FEATURE_MAPS) | set(qb.circuits.ANSATZE)
                | set(qb.models.MODELS) | set(qb.optimizers.OPTIMIZERS) | set(qb.circuits.ENTANGLEMENTS))
    assert expected <= names
    assert "entanglement does not apply" in out


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["list", "--help"], ["dashboard", "--help"]])
def test_help_everywhere(capsys, argv):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 0
    assert "usage: qmlbench" in capsys.readouterr().out


def test_dashboard_delegates_to_serve(capsys, monkeypatch):
    calls = []
    fake = types.ModuleType("qmlbench.dashboard")
    fake.serve = lambda port, open_browser: calls.append((port, open_browser))
    monkeypatch.setitem(sys.modules, "qmlbench.dashboard", fake)
    assert cli.main(["dashboard", "--port", "9123", "--no-browser"]) == 0
    assert cli.main(["dashboard"]) == 0
    assert calls == [(9123, False), (8866, True)]


def test_dashboard_missing_says_so(capsys, monkeypatch):
    import importlib

    real = importlib.import_module

    def missing(name, *a, **k):
        if name == "qmlbench.dashboard":
            raise ModuleNotFoundError("No module named 'qmlbench.dashboard'", name="qmlbench.dashboard")
        return real(name, *a, **k)

    monkeypatch.setattr(cli.importlib, "import_module", missing)
    status, out, err = run_cli(capsys, "dashboard", "--no-browser")
    assert status == 1 and "the dashboard is not part of this installation" in err


@pytest.mark.timeout(120)
def test_console_script_is_installed():
    exe = shutil.which("qmlbench")
    cmd = [exe] if exe else [sys.executable, "-m", "qmlbench.cli"]
    res = subprocess.run(cmd + ["list"], capture_output=True, text=True, timeout=110)
    assert res.returncode == 0 and "ad_hoc" in res.stdout and "qsvc" in res.stdout
    bad = subprocess.run(cmd + ["run", "/nonexistent/spec.json"], capture_output=True, text=True, timeout=110)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


def test_dashboard_exit_status_is_voilas(monkeypatch):
    fake = types.ModuleType("qmlbench.dashboard")
    fake.serve = lambda port, open_browser: 3
    monkeypatch.setitem(sys.modules, "qmlbench.dashboard", fake)
    assert cli.main(["dashboard", "--no-browser"]) == 3


def test_plateau_prints_the_variance_table_and_saves_it(tmp_path, capsys):
    out = tmp_path / "bp.csv"
    assert cli.main(["plateau", "--ansatz", "random_pauli", "--qubits", "2,4,6",
                     "--samples", "60", "--observable", "zz", "--quiet", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "ln(variance) per added qubit" in text
    rows = list(csv.DictReader(out.open()))
    assert [int(r["qubits"]) for r in rows] == [2, 4, 6]
    assert [int(r["layers"]) for r in rows] == [24, 48, 72]  # 12 layers per qubit by default
    from qmlbench.engine import plateau

    direct = plateau.gradient_variance("random_pauli", [2, 4, 6], plateau.DepthPerQubit(12),
                                       samples=60, observable="zz", seed=0)
    np.testing.assert_allclose([float(r["variance"]) for r in rows], direct.variances)


@pytest.mark.parametrize("argv, fragment", [
    (["plateau", "--observable", "glob"], "observable: 'glob'"),
    (["plateau", "--qubits", "30"], "limit is"),
    (["plateau", "--param", "first"], "--param: 'first'"),
])
def test_plateau_bad_input_is_one_line_and_exit_2(argv, fragment, capsys):
    assert cli.main(argv + ["--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and fragment in err


def test_concentration_prints_the_table_and_matches_the_engine(tmp_path, capsys):
    out = tmp_path / "kc.json"
    assert cli.main(["concentration", "--feature-map", "zz", "--qubits", "2,4",
                     "--samples", "100", "--out", str(out)]) == 0
    assert "Haar var" in capsys.readouterr().out
    saved = json.loads(out.read_text())
    direct = qb.kernels.concentration("zz", qubits=[2, 4], reps=2, samples=100, seed=0)
    assert saved["variances"] == direct.variances


def test_concentration_bad_feature_map_is_exit_2(capsys):
    assert cli.main(["concentration", "--feature-map", "zzz"]) == 2
    assert "feature map" in capsys.readouterr().err
