"""Binder serves the dashboard through its Jupyter server
(``?urlpath=voila/render/notebooks/dashboard.ipynb``); that server, not Voila's
own, owns the kernels.  Its culling settings ship in ``binder/`` and must reach it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from qmlbench import dashboard as dash

ROOT = Path(__file__).resolve().parents[2]
START = ROOT / "binder" / "start"
CONFIG = ROOT / "binder" / "jupyter-config" / "jupyter_server_config.json"


def test_binders_server_config_culls_like_qmlbench_dashboard():
    culling = json.loads(CONFIG.read_text())["MappingKernelManager"]
    assert culling["cull_idle_timeout"] == dash.CULL_IDLE_TIMEOUT
    assert culling["cull_interval"] == dash.CULL_INTERVAL
    assert culling["cull_connected"] is False and culling["cull_busy"] is False
    # a busy Binder pod: Voila waits as long for a cell's output as qmlbench dashboard does
    executor = json.loads(CONFIG.read_text())["VoilaExecutor"]
    assert executor["iopub_timeout"] == dash.IOPUB_TIMEOUT_S


def test_binder_start_puts_the_config_where_the_server_reads_it():
    assert os.access(START, os.X_OK), "repo2docker runs binder/start only if executable"
    assert START.read_text().rstrip().endswith('exec "$@"')


@pytest.mark.timeout(120)
@pytest.mark.skipif(shutil.which("jupyter-server") is None and shutil.which("jupyter") is None,
                    reason="jupyter_server is not installed")
def test_the_jupyter_server_started_through_binder_start_loads_the_culling(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "JUPYTER_CONFIG_PATH"}
    out = subprocess.run(
        [str(START), "jupyter", "server", "--show-config"], env=env, cwd=tmp_path,
        capture_output=True, text=True, timeout=100)
    text = out.stdout + out.stderr
    assert str(CONFIG) in text, text[-2000:]
    assert f".cull_idle_timeout = {dash.CULL_IDLE_TIMEOUT}" in text
    assert ".cull_connected = False" in text
    # the Lab server's config is what its Voila handler gives the executor
    assert f".iopub_timeout = {dash.IOPUB_TIMEOUT_S}" in text
