"""``qmlbench.dashboard``: the Voila command users and the browser tests share,
the packaged notebook, ``serve``, and the two Voila workarounds it carries."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from qmlbench import QmlbenchError, SpecError
from qmlbench import dashboard as dash


def test_the_dashboard_notebook_ships_inside_the_package():
    path = dash.notebook_path()
    assert path == dash.DASHBOARD_NOTEBOOK and path.is_file()
    assert path.parent.name == "notebooks" and path.parent.parent.name == "qmlbench"
    assert dash.notebook_path("dashboard.ipynb") == path  # a bare packaged name


def test_an_unknown_notebook_is_an_error_naming_it_and_the_packaged_ones(tmp_path):
    with pytest.raises(SpecError) as err:
        dash.notebook_path(tmp_path / "nope.ipynb")
    assert "notebook" in str(err.value) and "nope.ipynb" in str(err.value)
    assert "dashboard.ipynb" in str(err.value)


def test_voila_command_serves_the_notebook_warm_with_culling_tracebacks_and_no_code():
    cmd = dash.voila_command(port=9123)
    assert cmd[:3] == [sys.executable, "-m", "voila"]
    assert cmd[3] == str(dash.DASHBOARD_NOTEBOOK)
    for flag in ("--port=9123", "--no-browser", "--preheat_kernel=True", "--pool_size=1",
                 "--show_tracebacks=True", "--strip_sources=True", "--Voila.port_retries=0",
                 f"--MappingKernelManager.cull_idle_timeout={dash.CULL_IDLE_TIMEOUT}",
                 f"--MappingKernelManager.cull_interval={dash.CULL_INTERVAL}",
                 "--Voila.tornado_settings=disable_check_xsrf=True"):
        assert flag in cmd, flag
    assert "--Voila.open_browser=True" in dash.voila_command(open_browser=True)
    assert "--preheat_kernel=True" not in dash.voila_command(preheat=False)


@pytest.mark.parametrize("port", [0, 70000, "8866", True])
def test_voila_command_refuses_a_bad_port(port):
    with pytest.raises(SpecError, match="port"):
        dash.voila_command(port=port)


def test_serve_refuses_a_busy_port_with_what_to_do():
    with socket.socket() as busy:
        busy.bind(("localhost", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(QmlbenchError, match=f"port {port} is already in use.*--port"):
            dash.serve(port=port, open_browser=False)


@pytest.mark.timeout(150)
def test_serve_opens_the_browser_once_a_kernel_is_warm_and_stops_on_ctrl_c(tmp_path):
    port = dash.free_port()
    opened = tmp_path / "opened.txt"
    # webbrowser runs $BROWSER with the URL for %s: a stand-in that records it
    browser = f"{sys.executable} -c \"import sys; open({str(opened)!r}, 'w').write(sys.argv[1])\" %s"
    proc = subprocess.Popen(
        [sys.executable, "-c",
         f"from qmlbench.dashboard import serve; raise SystemExit(serve(port={port}))"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "BROWSER": browser})
    try:
        assert f"http://localhost:{port}/" in proc.stdout.readline()
        lines = []
        while not any(dash.WARM_MARK in line for line in lines):
            line = proc.stdout.readline()
            assert line, f"serve ended before a kernel was warm: {lines}"
            lines.append(line)
        deadline = time.monotonic() + 20
        while not (opened.exists() and opened.read_text()):
            assert time.monotonic() < deadline, "the browser was not opened"
            time.sleep(0.1)
        assert opened.read_text() == f"http://localhost:{port}/"
        assert _answers(f"http://localhost:{port}/")
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        assert not _answers(f"http://localhost:{port}/")  # the Voila child went with it
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_query_string_outside_voila_reads_the_environment(monkeypatch):
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    monkeypatch.setenv("QUERY_STRING", "preset=moons_vqc")
    assert dash.query_string() == "preset=moons_vqc"
    monkeypatch.delenv("QUERY_STRING")
    assert dash.query_string() == ""


def test_the_carrier_publishes_the_bundles_default_export_once():
    bundle = "var a=1;function f(){};export{a as A,f as default};\n/*! licence */\n"
    esm = dash._carrier_esm(bundle)
    assert f"globalThis.{dash._GLOBAL_NAME}=f;" in esm
    assert "export{a as A};export default {};" in esm and esm.endswith("/*! licence */\n")
    assert esm.count("export default") == 1
    assert dash._carrier_esm("export{a as A};") is None          # no default export
    assert dash._carrier_esm("export{f as default};f();") is None  # code after the export


def test_plotlys_real_bundle_has_the_shape_the_carrier_needs():
    import plotly.graph_objects as go

    import plotly.basewidget as basewidget

    before = basewidget.BaseFigureWidget._esm
    try:
        carrier = dash.share_figure_code()
        assert carrier is not None, "plotly's widget bundle changed shape: update _carrier_esm"
        assert len(carrier._esm) > 1_000_000 and dash._GLOBAL_NAME in carrier._esm
        small = go.FigureWidget()
        assert small._esm == dash._LOADER_ESM and len(small._esm) < 1000
    finally:
        basewidget.BaseFigureWidget._esm = before


def test_refresh_figures_makes_later_changes_part_of_the_initial_state():
    import ipywidgets as W
    import plotly.graph_objects as go

    fig = go.FigureWidget(go.Figure(go.Scatter(x=[], y=[])))
    fig.data[0].x, fig.data[0].y = [1, 2, 3], [4, 5, 6]
    fig.layout.title = "after"
    assert list(fig.get_state()["_widget_data"][0]["x"]) == []  # what a late page would draw
    box = W.VBox([W.Tab(children=[W.HBox([fig])]), W.Label("x")])
    assert dash.refresh_figures(box) == 1
    state = fig.get_state()
    assert list(state["_widget_data"][0]["x"]) == [1, 2, 3]
    assert state["_widget_layout"]["title"]["text"] == "after"


def test_warm_up_runs_only_where_nobody_waits_and_logs_when_done(monkeypatch, capfd):
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    assert dash.warm_up() is None  # JupyterLab, Binder's Voila: it would only delay the page
    assert dash.WARM_MARK not in capfd.readouterr().out
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    took = dash.warm_up()
    assert isinstance(took, float) and took > 0
    assert dash.WARM_MARK in capfd.readouterr().out  # the server log, for operators and tests


@pytest.mark.timeout(90)
def test_sigterm_stops_serve_and_its_voila_child():
    port = dash.free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", f"from qmlbench.dashboard import serve; "
                               f"raise SystemExit(serve(port={port}, open_browser=False))"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = f"http://localhost:{port}/"
        deadline = time.monotonic() + 60
        while not _answers(url):
            assert proc.poll() is None and time.monotonic() < deadline, "Voila never answered"
            time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        assert not _answers(url)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

def _answers(url: str) -> bool:
    """True when a server answers at all (any HTTP status), False when nothing listens."""
    try:
        urllib.request.urlopen(url, timeout=2)
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True
