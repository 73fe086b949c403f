"""The benchmarks stay runnable, and every contender computes the same numbers as qmlbench.

Speed itself is the benchmarks' business (never asserted here); what this checks is
that a benchmark run still compares like with like.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.timeout(300)
def test_quick_benchmark_run_checks_every_answer_against_qmlbench(tmp_path):
    out = tmp_path / "bench.json"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick",
                    "--no-pennylane", "--out", str(out)], check=True, cwd=tmp_path,
                   capture_output=True, text=True)
    result = json.loads(out.read_text())
    assert set(result["workloads"]) == {"W1", "W2a", "W2b", "W3", "W4"}
    for name, workload in result["workloads"].items():
        columns = {c["column"]: c for c in workload["columns"]}
        assert "qmlbench" in columns, name
        assert any(c.startswith("qiskit-ml default") for c in columns), name
        for col in workload["columns"]:
            if "not compared" in col.get("note", "") or "plateau lab" in col["column"]:
                continue
            assert col["answer_checked"], (name, col["column"])
            assert col["seconds"] > 0


@pytest.mark.timeout(300)
def test_plateau_benchmark_runs(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_plateau.py"),
                           "--quick", "--skip-qiskit-ml", "--repeats", "1"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "lab" in done.stdout.lower()
