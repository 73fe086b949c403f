"""Dask workers start with MALLOC_TRIM_THRESHOLD_ set; cells and tiles restore glibc's own
thresholds there (a 3.5x slowdown otherwise: see distributed.restore_malloc_defaults)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

CODE = ("from qmlbench.engine import distributed as d; "
        "print(d.restore_malloc_defaults(), d.restore_malloc_defaults())")


def _run(env):
    out = subprocess.run([sys.executable, "-c", CODE], env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_only_a_process_started_like_a_dask_worker_is_changed_and_only_once():
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_TRIM_THRESHOLD_"}
    assert _run(env) == ["False", "False"]
    assert _run({**env, "MALLOC_TRIM_THRESHOLD_": "65536"}) == ["True", "False"]


def test_a_local_cluster_worker_is_started_that_way(client):
    env = client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_"))
    assert set(env.values()) == {"65536"}, "Dask changed its worker environment: revisit the fix"
