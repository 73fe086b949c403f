"""The insight benchmarks stay runnable from benchmarks/run.py and check every answer."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.timeout(300)
def test_quick_insight_benchmarks_check_every_answer(tmp_path):
    out = tmp_path / "bench.json"
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick",
                           "--only", "insight", "--out", str(out)], cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(out.read_text())
    assert set(result["insight"]) == {"I1", "I2", "I3", "I4"}
    for name, bench in result["insight"].items():
        assert len(bench["columns"]) == 2, name
        for col in bench["columns"]:
            assert col["answer_checked"] and col["seconds"] > 0, (name, col["column"])
            assert col["max_abs_diff_vs_qmlbench"] <= 1e-8
    assert "x qmlbench" in done.stdout
