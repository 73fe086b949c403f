"""Serve the qmlbench Voila dashboard.

``qmlbench dashboard`` calls :func:`serve`; the end-to-end tests build the very
same command with :func:`voila_command`, so what is tested is what users get.

The dashboard notebook ships inside the package (``qmlbench/notebooks/``), so
this works from an editable checkout and from an installed wheel alike.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Sequence

from .engine.errors import QmlbenchError, SpecError

DEFAULT_PORT = 8866
NOTEBOOK_DIR = Path(__file__).resolve().parent / "notebooks"
DASHBOARD_NOTEBOOK = NOTEBOOK_DIR / "dashboard.ipynb"

# Voila keeps one kernel per visit; a classroom leaves many tabs open, so idle
# kernels are shut down after this long (seconds).  Voila's pool manager never
# culls its preheated kernels, only the ones handed to visitors.
CULL_IDLE_TIMEOUT = 1800
CULL_INTERVAL = 120
#: Written to the server log each time a dashboard kernel has finished warming up.
WARM_MARK = "[qmlbench] dashboard kernel warm"


def packaged_notebooks() -> list[Path]:
    """The notebooks that ship inside the package."""
    return sorted(NOTEBOOK_DIR.glob("*.ipynb"))


def notebook_path(notebook: str | os.PathLike | None = None) -> Path:
    """Resolve ``notebook``: ``None`` is the dashboard, a bare name is looked up
    among the packaged notebooks, anything else is a path that must exist."""
    if notebook is None:
        path = DASHBOARD_NOTEBOOK
    else:
        path = Path(notebook)
        if not path.exists() and path.parent == Path(".") and (NOTEBOOK_DIR / path).exists():
            path = NOTEBOOK_DIR / path
    if not path.is_file():
        allowed = [p.name for p in packaged_notebooks()]
        raise SpecError("notebook", str(notebook if notebook is not None else path), allowed,
                        reason="is not an existing notebook file nor a packaged notebook")
    return path.resolve()


def voila_command(
    notebook: str | os.PathLike | None = None,
    port: int = DEFAULT_PORT,
    open_browser: bool = False,
    ip: str = "localhost",
    preheat: bool = True,
    cull_idle_timeout: int = CULL_IDLE_TIMEOUT,
    cull_interval: int = CULL_INTERVAL,
    extra_args: Sequence[str] = (),
) -> list[str]:
    """The command line that serves ``notebook`` (default: the dashboard) with Voila.

    A preheated kernel from a pool of one makes the page usable in a few
    seconds instead of about ten; ``--show_tracebacks`` lets errors in widget
    callbacks reach the page; sources are stripped so no code is shown; a busy
    port is an error instead of Voila silently moving to another one.
    """
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise SpecError("port", port, reason="must be an integer between 1 and 65535")
    path = notebook_path(notebook)
    cmd = [
        sys.executable, "-m", "voila", str(path),
        f"--port={port}",
        f"--Voila.ip={ip}",
        "--Voila.port_retries=0",
        "--no-browser" if not open_browser else "--Voila.open_browser=True",
        "--strip_sources=True",
        "--show_tracebacks=True",
        f"--MappingKernelManager.cull_idle_timeout={int(cull_idle_timeout)}",
        f"--MappingKernelManager.cull_interval={int(cull_interval)}",
        "--MappingKernelManager.cull_connected=False",
        # Voila's page shuts its kernel down on leaving with a POST that carries
        # the _xsrf cookie, which Voila 0.5 never sets: every such POST is refused
        # and each visit's kernel lived on until culled.  The check protects
        # nothing here (the server has no login) beyond guessing a kernel's UUID.
        "--Voila.tornado_settings=disable_check_xsrf=True",
    ]
    if preheat:
        cmd += ["--preheat_kernel=True", "--pool_size=1"]
    cmd += list(extra_args)
    return cmd


def dashboard_url(port: int = DEFAULT_PORT, ip: str = "localhost", query: str = "") -> str:
    url = f"http://{ip}:{port}/"
    return f"{url}?{query.lstrip('?')}" if query else url


def port_is_free(port: int, ip: str = "localhost") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((ip, port))
        except OSError:
            return False
    return True


def free_port(ip: str = "localhost") -> int:
    """A port the OS says is free right now (for tests and ``--port 0``)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((ip, 0))
        return sock.getsockname()[1]


def serve(port: int = DEFAULT_PORT, open_browser: bool = True,
          notebook: str | os.PathLike | None = None, ip: str = "localhost") -> int:
    """Serve the dashboard until interrupted; returns Voila's exit status.

    With ``open_browser`` the page opens once the first kernel is warm (its
    line in the log), so it is usable at once.

    ``port=0`` picks a free port.  Raises :class:`QmlbenchError` when Voila is
    not installed or the port is taken, with what to do about it.
    """
    if importlib.util.find_spec("voila") is None:
        raise QmlbenchError("the dashboard needs Voila: pip install 'qmlbench[dashboard]'")
    if port == 0:
        port = free_port(ip)
    # Voila would open the browser at once, onto a page that waits for the kernel
    # to warm up; opening it when the first kernel is warm shows a ready page.
    cmd = voila_command(notebook, port=port, open_browser=False, ip=ip)
    if not port_is_free(port, ip):
        raise QmlbenchError(
            f"port {port} is already in use on {ip}; choose another with --port N "
            f"(or --port 0 for any free port)")
    url = dashboard_url(port, ip)
    print(f"qmlbench dashboard: {url}  (Ctrl+C to stop)", flush=True)
    if open_browser:
        print("warming up a kernel; the browser opens when the dashboard is ready", flush=True)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, bufsize=1)
    opener = _BrowserOpener(url) if open_browser else None
    reader = threading.Thread(target=_forward_output, args=(proc.stdout, opener), daemon=True)
    reader.start()
    # A service manager's (or a test's) SIGTERM must take the Voila child down too.
    previous_term = _on_sigterm_interrupt()
    try:
        return proc.wait()
    except KeyboardInterrupt:
        # Voila asks for confirmation on the first Ctrl+C; the user already said stop.
        proc.terminate()
        try:
            return proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()
    finally:
        if opener is not None:
            opener.cancel()
        if previous_term is not None:
            signal.signal(signal.SIGTERM, previous_term)


def _on_sigterm_interrupt():
    """Turn SIGTERM into KeyboardInterrupt (main thread only); returns the old handler."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, interrupt)


class _BrowserOpener:
    """Opens ``url`` once: when the first kernel is warm, or after ``fallback_s``."""

    def __init__(self, url: str, fallback_s: float = 60.0):
        self.url = url
        self._done = threading.Event()
        self._timer = threading.Timer(fallback_s, self.open)
        self._timer.daemon = True
        self._timer.start()

    def open(self) -> None:
        if self._done.is_set():
            return
        self._done.set()
        self._timer.cancel()
        import webbrowser

        webbrowser.open(self.url)

    def cancel(self) -> None:
        self._done.set()
        self._timer.cancel()


def _forward_output(stream, opener) -> None:
    for line in stream:
        sys.stdout.write(line)
        sys.stdout.flush()
        if opener is not None and WARM_MARK in line:
            opener.open()


def query_string() -> str:
    """The query string of the page request, inside a notebook Voila serves.

    A preheated kernel runs the notebook before anyone asks for the page, so
    the request (and its query string) is only known once a visitor arrives:
    Voila's helper blocks until then.  Outside Voila (JupyterLab, nbclient) it
    returns the ``QUERY_STRING`` environment variable, normally empty.
    """
    if os.environ.get("VOILA_PREHEAT", "False") != "False":
        from voila.utils import get_query_string

        return get_query_string() or ""
    return os.environ.get("QUERY_STRING", "")


def warm_up(spec=None, force: bool = False) -> float | None:
    """Pay the first-use costs before a visitor arrives; returns the seconds spent,
    or None when skipped or failed.

    Imports the widget stack and runs a few steps of ``spec`` (default: the
    default experiment) through training, the decision surface and the
    figures, so the first Train press only costs the training itself.  No
    widgets are created: Voila would ship every live widget to the page.

    It only runs in a kernel Voila preheats, where nobody is waiting for it
    (or with ``force=True``): anywhere else it would only delay the page.
    A failure is ignored on purpose: the same problem, if real, shows in the
    dashboard's own status line where the visitor can read it.
    """
    if not force and os.environ.get("VOILA_PREHEAT", "False") == "False":
        return None
    import time
    import warnings

    start = time.perf_counter()
    try:
        import ipywidgets  # noqa: F401
        import plotly.graph_objects as go

        go.FigureWidget  # noqa: B018  (a lazy import that costs seconds: jsonschema, nbformat)

        from . import viz, widgets  # noqa: F401
        from .engine import boundary, circuits, training
        from .engine.spec import ExperimentSpec

        spec = ExperimentSpec() if spec is None else spec
        spec = spec.replace(optimizer={"maxiter": 3})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "COBYLA: Invalid MAXFUN" for so few steps
            run = training.train(spec, block=True)
        surface = boundary.decision_surface(run.model, run.dataset, resolution=20)
        viz.decision_boundary(surface, run.dataset)
        viz.loss_curve(run.history)
        viz.data_scatter(run.dataset)
        fm, an = circuits.from_spec(spec.circuit, run.dataset.X_train.shape[1])
        circuit = circuits.compose(fm, an)
        viz.circuit_html(circuit)
        circuits.circuit_facts(circuit)
    except Exception:
        return None
    took = time.perf_counter() - start
    # To the server's console (Voila's log), not the page: tells an operator, and
    # the browser tests, that a preheated kernel is ready for the next visitor.
    _to_server_log(f"{WARM_MARK} in {took:.1f} s")
    return took


def _to_server_log(line: str) -> None:
    # In a kernel, fd 1 is a pipe that ipykernel forwards to the page; its stdout's
    # fileno() is the copy it kept of the real stream, i.e. Voila's console.
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        fd = 1
    os.write(fd, (line + "\n").encode())


# --- one copy of plotly's widget code per page ---------------------------------
#
# plotly's FigureWidget is an anywidget whose ``_esm`` trait holds plotly's whole
# widget bundle (about 5 MB).  anywidget ships and evaluates that code once per
# figure: with the Workbench's several figures the page took 20-30 s to appear
# here.  share_figure_code() sends the bundle once, in a small carrier widget
# that publishes the bundle's widget factory on ``globalThis``; every
# FigureWidget made afterwards carries a few lines that wait for it instead.

_GLOBAL_NAME = "__qmlbenchPlotlyWidget"
_LOADER_ESM = """
const key = "%(name)s";
const deadline = Date.now() + 60000;
while (!globalThis[key]) {
  if (Date.now() > deadline) throw new Error("qmlbench: plotly's widget code did not load");
  await new Promise((resolve) => setTimeout(resolve, 25));
}
export default globalThis[key];
""" % {"name": _GLOBAL_NAME}


def _carrier_esm(bundle: str) -> str | None:
    """The bundle with its default export published globally instead; None when
    the bundle does not end in the ``export{...,X as default}`` it is known to."""
    import re

    matches = list(re.finditer(r"export\s*\{([^{}]*)\}\s*;?", bundle))
    if not matches:
        return None
    match = matches[-1]
    tail = re.sub(r"/\*.*?\*/|//[^\n]*", "", bundle[match.end():], flags=re.S)
    if tail.strip():
        return None
    names = [part.strip() for part in match.group(1).split(",")]
    default = [n.split(" as ")[0].strip() for n in names if n.endswith(" as default")]
    if len(default) != 1:
        return None
    kept = [n for n in names if not n.endswith(" as default")]
    return (bundle[:match.start()] + f"globalThis.{_GLOBAL_NAME}={default[0]};"
            + (f"export{{{','.join(kept)}}};" if kept else "") + "export default {};"
            + bundle[match.end():])


def share_figure_code():
    """Make FigureWidgets created from now on load plotly's code from one shared
    copy; returns the carrier widget, which must be displayed (or None, leaving
    plotly untouched, when its bundle has an unexpected shape)."""
    import anywidget
    import plotly.basewidget as basewidget
    import traitlets

    bundle_file = Path(basewidget.__file__).parent / "package_data" / "widgetbundle.js"
    try:
        carrier_esm = _carrier_esm(bundle_file.read_text(encoding="utf-8"))
    except OSError:
        return None
    if carrier_esm is None:
        return None

    class PlotlyCode(anywidget.AnyWidget):
        _esm = traitlets.Unicode(carrier_esm).tag(sync=True)

    basewidget.BaseFigureWidget._esm = _LOADER_ESM
    carrier = PlotlyCode()
    carrier.layout.display = "none"
    return carrier


def refresh_figures(root) -> int:
    """Give every FigureWidget under ``root`` its current figure as initial state;
    returns how many were refreshed.

    A FigureWidget sends later changes as messages and keeps the figure it was
    built with as its state.  Voila runs the notebook before the page connects,
    so changes made while building the dashboard (the data scatter, the first
    decision surface) were sent to no one and the page would draw the figures
    as first built.  Call this after building, before the page connects.
    """
    from copy import deepcopy

    import plotly.basewidget as basewidget

    seen, stack, count = set(), [root], 0
    while stack:
        widget = stack.pop()
        if id(widget) in seen:
            continue
        seen.add(id(widget))
        if isinstance(widget, basewidget.BaseFigureWidget):
            widget._widget_data = deepcopy(widget._data)
            widget._widget_layout = deepcopy(widget._layout_obj._props)
            count += 1
        stack.extend(getattr(widget, "children", ()) or ())
    return count
