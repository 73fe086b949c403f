"""benchmarks/bench_noise.py stays runnable and every compared contender agrees with qmlbench
(speed is the benchmark's business, never asserted here)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.timeout(300)
def test_noise_benchmark_runs_and_checks_answers(tmp_path):
    out = tmp_path / "noise.json"
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_noise.py"), "--quick",
                           "--skip-qiskit-ml", "--out", str(out)], cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    result = json.loads(out.read_text())
    for name, rows in result["workloads"].items():
        assert rows[0]["column"].startswith("qmlbench"), name
        assert all(r["answer_checked"] is not False for r in rows), name
