"""``qmlbench study``: progress lines with an ETA, one file per cell, resume after Ctrl-C,
--workers on a LocalCluster, one-line errors naming the study's field."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from qmlbench import cli

TINY = {"name": "tiny", "base": {"dataset": {"name": "breast_cancer", "n_samples": 40}},
        "models": ["logistic", "svc"], "dimensions": [2, 3], "seeds": [0, 1]}


def write(tmp_path, data, name="study.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def run_cli(capsys, *argv):
    status = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_study_runs_saves_each_cell_and_a_rerun_skips_them(tmp_path, capsys):
    spec = write(tmp_path, TINY)
    status, out, err = run_cli(capsys, "study", spec, "--out", tmp_path / "out")
    assert status == 0, err
    assert "8 cells, serially" in out and "8 of 8 cells done" in out
    lines = [line for line in err.splitlines() if line.strip().startswith("[")]
    assert len(lines) == 8 and "ETA" in lines[0] and lines[-1].lstrip().startswith("[8/8] 100%")
    assert len(list((tmp_path / "out" / "cells").glob("*.json"))) == 8
    assert "breast_cancer" in out and "logistic" in out       # the summary table
    status, out, err = run_cli(capsys, "study", spec, "--out", tmp_path / "out")
    assert status == 0 and "8 of 8 cells already done" in err


def test_a_bad_study_spec_is_one_line_naming_the_field(tmp_path, capsys):
    bad = dict(TINY, models=["logistic", {"name": "svc", "params": {"C": -1}}])
    status, out, err = run_cli(capsys, "study", write(tmp_path, bad), "--out", tmp_path / "o")
    assert status == 2
    assert err.startswith("qmlbench: error: study.json: models[1].params.C: ") and err.count("\n") == 1
    assert not (tmp_path / "o").exists()
    status, _, err = run_cli(capsys, "study", tmp_path / "missing.json")
    assert status == 2 and "is not a file" in err and "dimension_sweep" in err


def test_a_plateau_study_prints_variance_against_width(tmp_path, capsys):
    study = {"study": "plateau", "ansatz": "real_amplitudes", "widths": [2, 3], "depths": [1],
             "costs": ["global", "local"], "samples": 8}
    status, out, err = run_cli(capsys, "study", write(tmp_path, study), "--out", tmp_path / "o")
    assert status == 0, err
    assert "real_amplitudes local cost, uniform init, 1 layers, seed 0:  2q " in out
    assert "variance" in err.splitlines()[-1]


def test_the_shipped_study_is_found_by_name():
    assert "dimension_sweep" in cli.study_names()
    assert len(cli._load_study("dimension_sweep").cells) == 54


def test_study_on_two_local_workers_gives_the_serial_table(tmp_path, capsys):
    pytest.importorskip("distributed")
    spec = write(tmp_path, TINY)
    assert run_cli(capsys, "study", spec, "--out", tmp_path / "serial", "--quiet")[0] == 0
    status, out, err = run_cli(capsys, "study", spec, "--out", tmp_path / "dask", "--workers", 2)
    assert status == 0, err
    assert "local Dask cluster of 2 worker processes" in out

    def scores(folder):
        text = (folder / "table.csv").read_text().splitlines()
        head = text[0].split(",")
        keep = [head.index(c) for c in ("key", "train_score", "test_score")]
        return [[row.split(",")[i] for i in keep] for row in text[1:]]

    assert scores(tmp_path / "dask") == scores(tmp_path / "serial")


@pytest.mark.timeout(300)
def test_ctrl_c_keeps_the_finished_cells_and_a_rerun_finishes_the_study(tmp_path):
    slow = {"name": "slow", "base": {"dataset": {"name": "moons", "n_samples": 30},
                                     "optimizer": {"name": "cobyla", "maxiter": 40}},
            "models": ["vqc"], "seeds": list(range(8))}
    spec = write(tmp_path, slow)
    cmd = [sys.executable, "-m", "qmlbench.cli", "study", str(spec), "--out", str(tmp_path / "out")]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    # SIGINT as a terminal's Ctrl-C delivers it, even when this test run itself was started
    # in the background (which hands children SIGINT ignored)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 200
        for line in proc.stderr:             # wait for the first finished cell
            if line.strip().startswith("[1/8]") or time.monotonic() > deadline:
                break
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "run the same command again" in out
    kept = {p.name for p in (tmp_path / "out" / "cells").glob("*.json")}
    assert 1 <= len(kept) < 8
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=240, env=env)
    assert again.returncode == 0, again.stderr
    assert f"{len(kept)} of 8 cells already done" in again.stderr
    assert len(list((tmp_path / "out" / "cells").glob("*.json"))) == 8
    assert kept <= {p.name for p in (tmp_path / "out" / "cells").glob("*.json")}
