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
                 "--Voila.tornado_settings=disable_check_xsrf=True",
                 f"--VoilaExecutor.iopub_timeout={dash.IOPUB_TIMEOUT_S}"):
        assert flag in cmd, flag
    assert "--Voila.open_browser=True" in dash.voila_command(open_browser=True)
    assert "--preheat_kernel=True" not in dash.voila_command(preheat=False)
    assert "--pool_size=3" in dash.voila_command(pool_size=3)
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(SpecError, match="pool"):
            dash.voila_command(pool_size=bad)


def test_a_busy_server_waits_for_the_whole_output_of_the_dashboards_cell():
    """Voila's executor gave up on a cell's output 4 s after its reply: with ten pages
    opening at once the Workbench's 580 messages were still queued, the page got no
    dashboard.  The wait must cover a loaded server and still end."""
    assert 60 <= dash.IOPUB_TIMEOUT_S <= 300


def test_a_closed_pages_kernel_is_culled_within_a_couple_of_minutes():
    # idle and unconnected for CULL_IDLE_TIMEOUT, noticed within CULL_INTERVAL
    assert dash.CULL_IDLE_TIMEOUT + dash.CULL_INTERVAL <= 180
    cmd = dash.voila_command(port=9123)
    assert "--MappingKernelManager.cull_connected=False" in cmd  # open pages keep theirs
    assert not any("cull_busy=True" in c for c in cmd)         # a training run is never cut


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


def as_from_a_terminal():
    # Ctrl-C in a terminal raises KeyboardInterrupt; a test run started in the background
    # (`cmd &`) hands its children SIGINT ignored, and Python then never installs its handler.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


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
        env={**os.environ, "BROWSER": browser}, preexec_fn=as_from_a_terminal)
    try:
        assert f"http://localhost:{port}/" in proc.stdout.readline()
        lines = []
        while not any(dash.WARM_MARK in line for line in lines):
            line = proc.stdout.readline()
            assert line, f"serve ended before a kernel was warm: {lines}"
            lines.append(line)
        ready = proc.stdout.readline()
        assert ready.strip() == dash.READY_LINE.format(url=f"http://localhost:{port}/"), ready
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


def test_no_figure_module_waits_for_the_shared_code():
    """anywidget drops every update to a model whose module and initialize take
    more than 2 s (the frozen plots of issue 15): neither the carrier's module nor a
    figure's may wait for plotly's 5 MB bundle before returning its widget."""
    for esm in (dash._LOADER_ESM, dash._CARRIER_ESM):
        assert "await" not in esm.split("initialize(")[1].split("render(")[0].split(
            "setTimeout(async")[0], "initialize must not await anything"
        assert "while (" not in esm and "deadline" not in esm
        assert len(esm) < 6000
    # updates that arrive before plotly's code are recorded and replayed, not lost
    for name in ("_py2js_restyle", "_py2js_relayout", "_py2js_update", "_py2js_addTraces"):
        assert f'"{name}"' in dash._LOADER_ESM
    assert "replay(queue)" in dash._LOADER_ESM
    # a figure that hears nothing back asks to be rebuilt
    assert '"rebuild"' in dash._LOADER_ESM and str(dash.FIGURE_PING_TIMEOUT_MS) in dash._LOADER_ESM


def test_the_carrier_holds_plotlys_real_bundle_in_a_plain_trait():
    import plotly.graph_objects as go

    import plotly.basewidget as basewidget

    before = basewidget.BaseFigureWidget._esm
    try:
        carrier = dash.share_figure_code()
        assert carrier is not None, "plotly's widget bundle changed shape"
        assert carrier._esm == dash._CARRIER_ESM
        assert len(carrier._code) > 1_000_000 and "as default" in carrier._code
        assert "_code" in carrier.keys
        small = go.FigureWidget()
        assert small._esm == dash._LOADER_ESM and len(small._esm) < 6000
    finally:
        basewidget.BaseFigureWidget._esm = before


class _Sent(list):
    """Collects what a widget would send to the page."""


def _record_sends(widget):
    sent = _Sent()
    widget.send = lambda content, buffers=None: sent.append(content)
    return sent


def test_a_figure_that_pings_gets_an_answer_and_one_that_asks_is_rebuilt():
    import ipywidgets as W
    import plotly.graph_objects as go

    fig = go.FigureWidget(go.Figure(go.Scatter(x=[], y=[])))
    box = W.VBox([W.Label("x"), W.HBox([fig])])
    assert dash.watch_figures(box) == 1
    assert dash.watch_figures(box) == 1  # watching twice adds no second handler
    sent = _record_sends(fig)
    fig._handle_custom_msg({"qb": "ping"}, [])
    assert sent == [{"qb": "pong"}]

    old_id = fig.model_id
    fig.data[0].x, fig.data[0].y = [1, 2], [3, 4]   # drawn while the page had given up
    inner = box.children[1]
    resent = []
    inner.send_state = lambda key=None: resent.append(key)
    fig._handle_custom_msg({"qb": "rebuild"}, [])
    assert fig.model_id != old_id, "a rebuilt figure gets a new model on the page"
    assert fig.comm is not None
    assert list(fig.get_state()["_widget_data"][0]["x"]) == [1, 2], "with everything drawn so far"
    assert resent == ["children"], "its container shows the new model"
    assert inner.children[0] is fig
    for _ in range(dash.FIGURE_REBUILDS + 2):
        fig._handle_custom_msg({"qb": "rebuild"}, [])
    assert fig._qb_rebuilds == dash.FIGURE_REBUILDS  # bounded


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


def test_outside_a_preheated_kernel_the_screen_is_built_for_the_link_at_once(
        monkeypatch, capfd):
    """JupyterLab, nbclient, Binder's Voila: nobody builds ahead, nothing is logged."""
    from ipywidgets.widgets.widget import _instances

    from qmlbench.widgets import Workbench

    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    monkeypatch.setenv("QUERY_STRING", "preset=moons_vqc")
    before = set(_instances)
    app = dash.open_workbench()
    assert dash.WARM_MARK not in capfd.readouterr().out
    new = [_instances[i] for i in set(_instances) - before]
    assert [w for w in new if isinstance(w, Workbench)] == [app]
    from qmlbench.widgets import preset_spec

    assert app.spec.to_dict() == preset_spec("moons_vqc").to_dict()


def test_the_dashboards_page_skips_plotlys_lab_extension_and_only_its_page(tmp_path):
    """The dashboard draws FigureWidgets from the copy of plotly.js it sends once;
    plotly's lab extension made every page fetch and parse another 4.8 MB copy.
    Another notebook may show plain figures, which need the extension."""
    deny = [f"--VoilaConfiguration.extension_denylist={name}"
            for name in dash.UNUSED_LAB_EXTENSIONS]
    assert "jupyterlab-plotly" in dash.UNUSED_LAB_EXTENSIONS
    cmd = dash.voila_command(port=9123)
    assert all(flag in cmd for flag in deny)
    other = tmp_path / "tutorial.ipynb"
    other.write_text(dash.DASHBOARD_NOTEBOOK.read_text())
    assert not any("extension_denylist" in c for c in dash.voila_command(other, port=9123))


def test_skip_unused_imports_leaves_out_the_iri_grammar_and_nothing_else():
    code = (
        "import sys\n"
        "from qmlbench.dashboard import skip_unused_imports\n"
        "skip_unused_imports()\n"
        "import plotly.graph_objects as go, jsonschema, nbformat\n"
        "go.FigureWidget()\n"
        "assert 'rfc3987_syntax' not in sys.modules, 'the grammar was built'\n"
        "assert jsonschema.FormatChecker().conforms('x@y.z', 'email')\n"
        "nbformat.validate(nbformat.v4.new_notebook())\n"
        "import importlib.util\n"
        "if importlib.util.find_spec('rfc3987_syntax') is not None:\n"
        "    import rfc3987_syntax  # still importable by whoever wants it\n"
        "    assert rfc3987_syntax.is_valid_syntax('iri', 'http://example.org/a')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_a_preheated_kernel_builds_the_default_screen_before_the_visitor_comes(
        monkeypatch, capfd):
    """The default screen is built, and the kernel says it is warm, before the visitor's
    link is known; a plain link gets that screen, a link to a state its own screen,
    and the default one's widgets are closed (Voila ships every live widget)."""
    from ipywidgets.widgets.widget import _instances

    from qmlbench import ExperimentSpec
    from qmlbench.widgets import Workbench, share_query

    monkeypatch.setenv("VOILA_PREHEAT", "True")
    asked = []

    def visitor_arrives(query):
        def query_string():
            # the kernel said it is warm before it waits for the visitor
            asked.append(dash.WARM_MARK in capfd.readouterr().out)
            return query
        return query_string

    monkeypatch.setattr(dash, "query_string", visitor_arrives(""))
    before = set(_instances)
    app = dash.open_workbench()
    assert asked == [True]
    assert isinstance(app, Workbench) and app.spec.to_dict() == ExperimentSpec().to_dict()
    assert app.circuit.badges_done.is_set()  # measured while nobody waited
    assert app.comm is not None

    spec = ExperimentSpec().replace(dataset={"name": "circles", "n_samples": 40})
    monkeypatch.setattr(dash, "query_string", visitor_arrives(share_query(spec).lstrip("?")))
    between = set(_instances)
    linked = dash.open_workbench()
    assert asked == [True, True]
    assert linked.spec.to_dict() == spec.to_dict()
    new = [_instances[i] for i in set(_instances) - between]
    assert linked in new and app.model_id in _instances
    # of the two screens built, only the link's is alive: its workbench and figures
    assert [w for w in new if isinstance(w, Workbench)] == [linked]
    figures = {id(f) for f in dash._figures_under(linked)}
    assert len(figures) >= 4 and linked.data.figure.model_id in _instances
    assert {id(w) for w in new if type(w).__name__ == "FigureWidget"} == figures


def test_a_preheated_kernel_asks_again_when_voila_cannot_hand_it_the_link(monkeypatch):
    """Voila's helper gives up after 5 s on a busy server and returns None; the link
    is still there to be read, so the kernel asks again instead of showing the default."""
    import voila.utils

    monkeypatch.setenv("VOILA_PREHEAT", "True")
    answers = iter([None, None, "preset=moons_vqc"])
    monkeypatch.setattr(voila.utils, "get_query_string", lambda url=None: next(answers))
    assert dash.query_string() == "preset=moons_vqc"


def test_a_link_that_cannot_be_read_is_said_on_the_page_not_passed_off_as_the_default(
        monkeypatch):
    import voila.utils

    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setattr(dash, "LINK_WAIT_S", 0.0)
    monkeypatch.setattr(voila.utils, "get_query_string", lambda url=None: None)
    assert dash.query_string() is None
    app = dash.open_workbench()
    assert "could not be read" in app.notice.value and "Reload" in app.notice.value


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
