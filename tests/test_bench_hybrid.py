"""benchmarks/bench_hybrid.py stays runnable and its three contenders agree on one
minibatch's loss and gradients (speed is the benchmark's business, never asserted here)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.timeout(300)
def test_hybrid_benchmark_runs_and_checks_answers(tmp_path):
    out = tmp_path / "hybrid.json"
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_hybrid.py"),
                           "--quick", "--out", str(out)], cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    result = json.loads(out.read_text())
    assert len(result["workloads"]) == 2
    for name, rows in result["workloads"].items():
        assert [r["column"].split(" ")[0] for r in rows] == ["qiskit-ml", "TorchConnector",
                                                             "qb.torch.QuantumLayer"], name
        assert all(r["answer_checked"] is True for r in rows), name
