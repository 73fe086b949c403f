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
    spec = qb.ExperimentSpec.load(example)
    missing = qb.models.MODELS[spec.model.name].missing
    if missing:     # the hybrid example without the torch extra: say what to install
        assert status != 0 and "pip install" in err and "qmlbench[torch]" in err
        return
    assert status == 0, err
    for label in ("train score", "test score", "execution path", "time", "saved to"):
        assert label in out
    if qb.models.MODELS[spec.model.name].quantum:  # the classical baseline has no circuit
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
    assert status == 2 and err.strip().startswith(
        f"qmlbench: error: spec: '{tmp_path / 'nowhere.json'}' is not a file; or give an example name: ")
    assert err.count("\n") == 1


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
    fake.serve = lambda port, open_browser, pool_size: calls.append(
        (port, open_browser, pool_size))
    monkeypatch.setitem(sys.modules, "qmlbench.dashboard", fake)
    assert cli.main(["dashboard", "--port", "9123", "--no-browser"]) == 0
    assert cli.main(["dashboard", "--pool", "3"]) == 0
    assert cli.main(["dashboard"]) == 0
    assert calls == [(9123, False, 1), (8866, True, 3), (8866, True, 1)]


def test_dashboard_refuses_an_empty_pool_before_starting_anything(capsys):
    status, out, err = run_cli(capsys, "dashboard", "--no-browser", "--pool", "0")
    assert status == 2 and "pool" in err and "at least 1" in err


def test_dashboard_without_voila_says_how_to_install_it(capsys, monkeypatch):
    from qmlbench import dashboard

    real = dashboard.importlib.util.find_spec
    monkeypatch.setattr(dashboard.importlib.util, "find_spec",
                        lambda name, *a: None if name == "voila" else real(name, *a))
    status, out, err = run_cli(capsys, "dashboard", "--no-browser")
    assert status == 1 and "needs Voila: pip install 'qmlbench[dashboard]'" in err


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
    fake.serve = lambda port, open_browser, pool_size: 3
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


# --- issue 9: the CLI as a new user met it ------------------------------------------

QUICK = {"dataset": {"name": "moons", "n_samples": 24}, "model": {"name": "logistic"}, "seed": 0}


def _quick_spec(tmp_path, name="quick.json", spec=QUICK):
    p = tmp_path / name
    p.write_text(json.dumps(spec))
    return str(p)


def test_plateau_with_a_depth_sweep_prints_and_saves(tmp_path, capsys):
    out = tmp_path / "bp.json"
    assert cli.main(["plateau", "--qubits", "2,4", "--layers", "5,10", "--samples", "20",
                     "--quiet", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "per added qubit at 5 layers" in text and "per added qubit at 10 layers" in text
    saved = json.loads(out.read_text())
    assert saved["layers"] == [5, 10] and len(saved["decay_rate"]) == 2


@pytest.mark.parametrize("command", [["plateau", "--qubits", "2"], ["concentration", "--qubits", "2"]])
def test_study_out_is_checked_before_the_study_runs(tmp_path, capsys, monkeypatch, command):
    from qmlbench.engine import kernels, plateau

    def never(*a, **k):
        raise AssertionError("the study ran although --out was bad")

    monkeypatch.setattr(plateau, "gradient_variance", never)
    monkeypatch.setattr(kernels, "concentration", never)
    (tmp_path / "f").write_text("keep")
    for bad, fragment in [(tmp_path / "f" / "x.json", "is a file, not a folder"),
                          (tmp_path, "is a folder"), (tmp_path / "f", "already exists; pass --force")]:
        assert cli.main(command + ["--quiet", "--out", str(bad)] if command[0] == "plateau"
                        else command + ["--out", str(bad)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and fragment in err and "--out" in err
    assert (tmp_path / "f").read_text() == "keep"


def _no_training(monkeypatch):
    from qmlbench.engine import training

    def never(*a, **k):
        raise AssertionError("training started although --out was bad")

    monkeypatch.setattr(training, "train", never)


def test_run_out_is_checked_before_training(tmp_path, capsys, monkeypatch):
    _no_training(monkeypatch)
    spec = _quick_spec(tmp_path)
    (tmp_path / "file").write_text("keep")
    for bad, fragment in [(tmp_path / "file", "is a file, not a folder"),
                          (tmp_path / "file" / "sub", "cannot be created: ")]:
        status, out, err = run_cli(capsys, "run", spec, "--out", str(bad))
        assert status == 2 and err.count("\n") == 1 and fragment in err, err
        assert "Traceback" not in err and "FileExistsError" not in err
    assert (tmp_path / "file").read_text() == "keep"


def test_run_into_an_empty_folder_is_fine(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    status, out, err = run_cli(capsys, "run", _quick_spec(tmp_path), "--out", str(tmp_path / "empty"),
                               "--quiet")
    assert status == 0, err
    assert store.load(tmp_path / "empty").status == "done"


def test_rerun_into_a_saved_experiment_needs_force(tmp_path, capsys, monkeypatch):
    spec = _quick_spec(tmp_path)
    out_dir = tmp_path / "o"
    assert run_cli(capsys, "run", spec, "--out", str(out_dir), "--quiet")[0] == 0
    first = store.load(out_dir).metadata["created"]
    manifest = (out_dir / "manifest.json").read_bytes()
    with monkeypatch.context() as m:
        _no_training(m)
        status, out, err = run_cli(capsys, "run", spec, "--out", str(out_dir))
    assert status == 2 and "already holds a saved experiment; pass --force" in err
    assert (out_dir / "manifest.json").read_bytes() == manifest
    status, out, err = run_cli(capsys, "run", spec, "--out", str(out_dir), "--force")
    assert status == 0, err
    assert "--force: the experiment in" in out and store.load(out_dir).metadata["created"] >= first


def test_a_folder_with_other_files_gets_a_new_subfolder_and_says_so(tmp_path, capsys):
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "notes.txt").write_text("mine")
    status, out, err = run_cli(capsys, "run", _quick_spec(tmp_path), "--out", str(tmp_path / "results"))
    assert status == 0, err
    subs = [p for p in (tmp_path / "results").iterdir() if p.is_dir()]
    assert len(subs) == 1 and subs[0].name.startswith("quick-")
    assert "new sub-folder" in out and str(subs[0]) in out
    assert store.load(subs[0]).status == "done"
    assert (tmp_path / "results" / "notes.txt").read_text() == "mine"


@pytest.mark.timeout(120)
def test_a_stopped_run_never_replaces_a_good_experiment(capsys, tmp_path, monkeypatch):
    spec = qb.ExperimentSpec.load(EXAMPLES / "moons_vqc.json").replace(
        optimizer={"name": "spsa", "maxiter": 100000})
    path = tmp_path / "long.json"
    path.write_text(spec.to_json())
    good = tmp_path / "o"
    assert run_cli(capsys, "run", _quick_spec(tmp_path), "--out", str(good), "--quiet")[0] == 0
    before = (good / "manifest.json").read_bytes()
    from qmlbench.engine import training

    real_wait, fired = training.Run.wait, []

    def wait(self, timeout=None):
        if not fired and len(self.history) >= 3:
            fired.append(1)
            raise KeyboardInterrupt
        return real_wait(self, timeout)

    monkeypatch.setattr(training.Run, "wait", wait)
    status, out, err = run_cli(capsys, "run", str(path), "--out", str(good), "--force")
    assert status == 130
    assert (good / "manifest.json").read_bytes() == before      # the good one is untouched
    beside = [p for p in tmp_path.iterdir() if p.name.startswith("o-stopped-")]
    assert len(beside) == 1 and store.load(beside[0]).status == "stopped"
    assert "was kept" in out and str(beside[0]) in out


@pytest.mark.timeout(120)
def test_a_second_ctrl_c_skips_scoring_and_still_saves(capsys, tmp_path, monkeypatch):
    spec = qb.ExperimentSpec.load(EXAMPLES / "moons_vqc.json").replace(
        optimizer={"name": "spsa", "maxiter": 100000})
    path = tmp_path / "long.json"
    path.write_text(spec.to_json())
    from qmlbench.engine import training

    real_wait, fired = training.Run.wait, []

    def wait(self, timeout=None):
        if len(fired) < 2 and len(self.history) >= 3:
            fired.append(1)
            raise KeyboardInterrupt
        return real_wait(self, timeout)

    monkeypatch.setattr(training.Run, "wait", wait)
    status, out, err = run_cli(capsys, "run", str(path), "--out", str(tmp_path / "o"))
    assert status == 130 and "skipping the final scoring" in err
    exp = store.load(tmp_path / "o")
    assert exp.status == "stopped" and exp.scores == {"train": None, "test": None}
    assert "scoring skipped" in out


@pytest.mark.parametrize("spec, shown, hidden", [
    ({"model": {"name": "logistic"}}, [], ["feature map", "optimizer", "ansatz"]),
    ({"model": {"name": "qsvc"}}, ["feature map zz"], ["optimizer", "ansatz"]),
    ({"model": {"name": "vqc"}}, ["feature map zz", "ansatz real_amplitudes", "optimizer cobyla"], []),
])
def test_the_header_names_only_what_the_model_uses(spec, shown, hidden):
    line = cli._header(qb.ExperimentSpec.from_dict(spec))
    assert all(s in line for s in shown) and not any(h in line for h in hidden), line


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0 and capsys.readouterr().out.strip() == f"qmlbench {qb.__version__}"


def test_run_takes_an_example_name(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)          # no examples/ folder here, as after a wheel install
    seen = []
    from qmlbench.engine import training

    monkeypatch.setattr(training, "train", lambda spec, **k: seen.append(spec) or 1 / 0)
    assert set(cli.example_names()) >= {"ad_hoc_qsvc", "moons_vqc", "xor_estimator_qnn", "sine_vqr"}
    for arg in ("moons_vqc", "moons_vqc.json", "examples/moons_vqc.json"):
        with pytest.raises(ZeroDivisionError):
            cli.main(["run", arg, "--quiet"])
    assert all(s == qb.ExperimentSpec.load(EXAMPLES / "moons_vqc.json") for s in seen) and len(seen) == 3
    status, out, err = run_cli(capsys, "run", "moons_vq")
    assert status == 2 and "moons_vqc" in err and "example name" in err


def test_packaging_ships_the_examples_and_the_license():
    """From a wheel, `qmlbench run moons_vqc` needs the examples inside the package; every
    package-data pattern must name files that exist, and the license file must be there."""
    import tomllib

    root = Path(__file__).resolve().parents[1]
    project = tomllib.loads((root / "pyproject.toml").read_text())
    for pattern in project["tool"]["setuptools"]["package-data"]["qmlbench"]:
        assert list((root / "qmlbench").glob(pattern)), f"package-data {pattern!r} matches nothing"
    for name in project["project"]["license-files"]:
        assert "Apache License" in (root / name).read_text()
    packaged = sorted(p.name for p in (root / "qmlbench" / "examples").glob("*.json"))
    assert packaged == sorted(p.name for p in EXAMPLE_FILES)   # examples/ points at the same files
    assert [f"{n}.json" for n in cli.example_names()] == packaged


@pytest.mark.parametrize("spec, fragment", [
    ({"optimizer": {"name": "cobyla", "options": {"rhobeg": "big"}}}, "optimizer.options.rhobeg: 'big'"),
    ({"model": {"name": "mlp", "params": {"hidden_layer_sizes": "abc"}}},
     "model.params.hidden_layer_sizes: 'abc'"),
    ({"model": {"name": "svc", "params": {"gamma": -1}}}, "model.params.gamma: -1"),
    ({"dataset": {"name": "moons", "n_samples": 1000000}}, "at most 5000 samples"),
])
def test_values_that_failed_mid_training_exit_2_naming_the_field(capsys, tmp_path, monkeypatch,
                                                                  spec, fragment):
    _no_training(monkeypatch)
    status, out, err = run_cli(capsys, "run", _quick_spec(tmp_path, spec=spec), "--out",
                               str(tmp_path / "o"))
    assert status == 2 and err.count("\n") == 1 and fragment in err, err
    assert not (tmp_path / "o").exists()
