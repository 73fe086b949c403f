"""The dashboard as Binder serves it: Voila inside a Jupyter server started through
``binder/start`` (``/voila/render/notebooks/dashboard.ipynb``).

There the page cannot free its kernel on leaving (the server refuses the POST for
want of an _xsrf token), so culling is what frees it.  The shipped settings (2 min
idle, see tests/notebooks/test_binder_config.py) would make this test wait 2.5
minutes; it passes shorter ones on the command line, which the server applies over
the same config files, and checks the mechanism: an unconnected kernel is culled,
a connected one is not.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request

import pytest

from conftest import ARTIFACTS, ROOT, stop_voila, wait_until_answers
from e2e_helpers import SCATTER, open_dashboard, select, wait_points
from qmlbench import ExperimentSpec
from qmlbench.dashboard import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

CULL_S, INTERVAL_S = 6, 2


@pytest.fixture(scope="module")
def lab_server(browser):
    port = free_port()
    log_path = ARTIFACTS / f"lab-e2e-{os.getpid()}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "JUPYTER_CONFIG_PATH"}
    cmd = [str(ROOT / "binder" / "start"), "jupyter", "server", f"--port={port}",
           "--ServerApp.token=", "--ServerApp.password=", "--no-browser", "--allow-root",
           f"--ServerApp.root_dir={ROOT}", "--ServerApp.port_retries=0",
           f"--MappingKernelManager.cull_idle_timeout={CULL_S}",
           f"--MappingKernelManager.cull_interval={INTERVAL_S}"]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                cwd=str(ROOT), start_new_session=True)
    base = f"http://localhost:{port}/"
    try:
        wait_until_answers(base + "api/status", proc, 90, log_path)
        yield base
    finally:
        stop_voila(proc)


def kernels(base: str) -> list:
    with urllib.request.urlopen(base + "api/kernels", timeout=10) as r:
        return json.load(r)


def test_lab_served_dashboard_works_and_a_closed_pages_kernel_is_culled(lab_server, page):
    url = lab_server + "voila/render/notebooks/dashboard.ipynb"
    open_dashboard(page, url)
    select(page, ".qb-dataset", "circles")
    spec = ExperimentSpec().replace(dataset={"name": "circles"})
    wait_points(page, SCATTER, spec, timeout_ms=30_000)
    assert len(kernels(lab_server)) == 1
    # connected, idle longer than the cull timeout: kept
    time.sleep(CULL_S + 2 * INTERVAL_S)
    assert len(kernels(lab_server)) == 1, "an open page lost its kernel"
    page.goto("about:blank")
    closed = time.monotonic()
    while kernels(lab_server):
        assert time.monotonic() - closed < 60, "a closed page's kernel was never culled"
        time.sleep(0.5)
