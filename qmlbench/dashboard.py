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

# Voila keeps one kernel per visit (about 280 MB each).  A kernel whose page is
# gone (closed, reloaded, a laptop that went to sleep) is shut down once it has
# been idle and unconnected this long (seconds); the culler looks every
# CULL_INTERVAL, so such a kernel lives at most about 2.5 minutes.  A page that is
# still open keeps its kernel however long it idles (cull_connected=False), and a
# kernel that is training is never culled (cull_busy is off).  Voila's pool
# manager never culls its preheated kernels, only the ones handed to visitors.
CULL_IDLE_TIMEOUT = 120
CULL_INTERVAL = 30
#: Seconds Voila waits, after a cell's reply, for the rest of its output.  Building the
#: Workbench sends about 580 messages (5.6 MB) that the server reads in one process;
#: with 10 pages opening at once on 2 busy cores it fell more than nbclient's default
#: 4 s behind, gave up on the cell, and the page showed no dashboard at all (5 and 9
#: of 10 pages in two runs here).  Waiting costs nothing when the output comes sooner.
IOPUB_TIMEOUT_S = 120
#: Kernels kept warm for the next visitors (``qmlbench dashboard --pool N``).  Each waits
#: with the default screen built, about 330 MB of memory.  The first N visitors of a
#: burst get theirs at once; each one taken is replaced a second later by a kernel
#: that warms up (about 4 CPU seconds) beside the visitors, so a larger pool moves
#: little work out of a burst and mostly helps visitors who arrive a few seconds
#: apart (10 pages at once here: pool 1 median 60 s, pool 2 median 65 s with twice
#: the refill CPU).  See benchmarks/bench_classroom.py.
POOL_SIZE = 1
#: JupyterLab extensions the dashboard's page does not load (see voila_command).
UNUSED_LAB_EXTENSIONS = ("jupyterlab-plotly",)
#: Written to the server log each time a dashboard kernel has finished warming up.
WARM_MARK = "[qmlbench] dashboard kernel warm"
#: What ``serve`` prints when the first kernel is warm: the page is usable now.
READY_LINE = "qmlbench dashboard: ready at {url}"


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
    pool_size: int = POOL_SIZE,
) -> list[str]:
    """The command line that serves ``notebook`` (default: the dashboard) with Voila.

    A preheated kernel from a pool of one makes the page usable in a few
    seconds instead of about ten; ``--show_tracebacks`` lets errors in widget
    callbacks reach the page; sources are stripped so no code is shown; a busy
    port is an error instead of Voila silently moving to another one.
    """
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise SpecError("port", port, reason="must be an integer between 1 and 65535")
    if isinstance(pool_size, bool) or not isinstance(pool_size, int) or pool_size < 1:
        raise SpecError("pool", pool_size, reason="must be an integer of at least 1")
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
        f"--VoilaExecutor.iopub_timeout={IOPUB_TIMEOUT_S}",
    ]
    if path == DASHBOARD_NOTEBOOK:
        # plotly's JupyterLab extension renders plain figures (fig.show()); every page
        # fetched and parsed its own 4.8 MB copy of plotly.js for it.  The dashboard
        # draws FigureWidgets only, from the copy share_figure_code() sends.
        cmd += [f"--VoilaConfiguration.extension_denylist={name}"
                for name in UNUSED_LAB_EXTENSIONS]
    if preheat:
        cmd += ["--preheat_kernel=True", f"--pool_size={pool_size}"]
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
          notebook: str | os.PathLike | None = None, ip: str = "localhost",
          pool_size: int = POOL_SIZE) -> int:
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
    cmd = voila_command(notebook, port=port, open_browser=False, ip=ip, pool_size=pool_size)
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
    reader = threading.Thread(target=_forward_output, args=(proc.stdout, opener, url),
                              daemon=True)
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


def _forward_output(stream, opener, url: str = "") -> None:
    ready = False
    for line in stream:
        sys.stdout.write(line)
        if WARM_MARK in line and not ready:
            ready = True
            # With --no-browser too: the one line an operator (or a script) waits for.
            sys.stdout.write(READY_LINE.format(url=url) + "\n")
            if opener is not None:
                opener.open()
        sys.stdout.flush()


#: Seconds a preheated kernel keeps asking Voila for the visitor's link once asking fails.  Voila's helper
#: gives up on its websocket after 5 s, which a busy server can take to answer; the
#: server keeps the link for the kernel, so asking again gets it.
LINK_WAIT_S = 60.0


def query_string() -> str | None:
    """The query string of the page request, inside a notebook Voila serves.

    A preheated kernel runs the notebook before anyone asks for the page, so
    the request (and its query string) is only known once a visitor arrives:
    Voila's helper blocks until then.  Outside Voila (JupyterLab, nbclient) it
    returns the ``QUERY_STRING`` environment variable, normally empty.

    ``None``: a preheated kernel could not read the link within :data:`LINK_WAIT_S`
    (the page then says so instead of showing the default screen as if it were the link's).
    """
    if _preheating():
        import time
        import warnings

        from voila.utils import get_query_string

        failing_since = None   # the wait for a visitor itself has no limit
        while True:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")   # "Failed to connect": asked again below
                query = get_query_string()
            if query is not None:
                return query
            now = time.monotonic()
            failing_since = now if failing_since is None else failing_since
            if now - failing_since >= LINK_WAIT_S:
                return None
            time.sleep(0.5)
    return os.environ.get("QUERY_STRING", "")


def _preheating() -> bool:
    """Whether this kernel is one Voila preheats (nobody is waiting for it yet)."""
    return os.environ.get("VOILA_PREHEAT", "False") != "False"


def skip_unused_imports() -> None:
    """Import what plotly's FigureWidget pulls in without its slowest unused part.

    plotly's widget imports nbformat, nbformat imports jsonschema, and jsonschema
    builds an IRI grammar (``rfc3987_syntax``, a lark parser) at import when that
    package is installed, as Jupyter's server installs it: about a CPU second of
    every dashboard kernel's start.  Only jsonschema's ``iri`` format checks use it,
    which nothing in a dashboard kernel asks for.  Call this before plotly is
    imported; ``rfc3987_syntax`` stays importable for anyone who imports it.
    """
    if "jsonschema" in sys.modules or "rfc3987_syntax" in sys.modules:
        return
    sys.modules["rfc3987_syntax"] = None  # its import fails: jsonschema goes without it
    try:
        import jsonschema  # noqa: F401
    except ImportError:
        pass
    finally:
        if "rfc3987_syntax" in sys.modules and sys.modules["rfc3987_syntax"] is None:
            del sys.modules["rfc3987_syntax"]


#: Seconds a preheated kernel waits for the default circuit's badges before it says
#: it is warm (they are measured in the background; see open_workbench).
BADGES_WAIT_S = 10.0


def open_workbench():
    """The dashboard's Workbench, in the state of the page's link (see
    :func:`query_string`), its figures ready for the page (see :func:`refresh_figures`).

    In a kernel Voila preheats the link is known only once a visitor arrives, so the
    default screen is built before, while nobody waits, and the kernel then says it
    is warm (:data:`WARM_MARK`, in the server's log).  A visitor with a plain link
    gets that screen; a link to a state gets a Workbench built for it, and the
    default one is closed (Voila would ship every live widget to the page).

    Building the screen is the warm-up: it imports the widget stack and runs the
    engine's first evaluations (data, circuit, figures, the badges).  A training run
    of a few steps on top made the first Train press no faster (0.72 against 0.74
    CPU seconds here) and cost every preheated kernel about a CPU second more.
    Anywhere but in a preheated kernel the screen is built for the link at once.
    """
    import time

    from .widgets import Workbench
    from .widgets._common import message_html

    if not _preheating():
        app = Workbench.from_query(query_string())
        refresh_figures(app)
        return app
    start = time.perf_counter()
    before = _live_widgets()
    try:
        app = Workbench.from_query("")
        # measured in the background after building: let that happen here too
        app.circuit.badges_done.wait(BADGES_WAIT_S)
    except Exception:  # noqa: BLE001 - the visitor's own build below shows the problem
        app = None
    default = _live_widgets() - before
    # To the server's console (Voila's log), not the page: tells an operator, and
    # the browser tests, that a preheated kernel is ready for the next visitor.
    _to_server_log(f"{WARM_MARK} in {time.perf_counter() - start:.1f} s")
    query = query_string()
    if query is None:
        if app is None:
            app = Workbench.from_query("")
        app.notice.value = message_html(
            "This page's link could not be read from the server in time (it is busy); "
            "showing the default experiment. Reload the page to open the link.")
    elif app is None or query.strip().lstrip("?"):
        for widget_id in default:
            widget = _live_widgets(widget_id)
            if widget is not None:
                widget.close()
        app = Workbench.from_query(query)
    refresh_figures(app)
    return app


def _live_widgets(widget_id=None):
    """The ids of the kernel's live widgets, or the widget with ``widget_id``."""
    from ipywidgets.widgets.widget import _instances

    return set(_instances) if widget_id is None else _instances.get(widget_id)


def _to_server_log(line: str) -> None:
    # In a kernel, fd 1 is a pipe that ipykernel forwards to the page; its stdout's
    # fileno() is the copy it kept of the real stream, i.e. Voila's console.
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        fd = 1
    os.write(fd, (line + "\n").encode())


# --- one copy of plotly's widget code per page, and figures that never freeze ----
#
# plotly's FigureWidget is an anywidget whose ``_esm`` trait holds plotly's whole
# widget bundle (about 5 MB).  anywidget ships and evaluates that code once per
# figure: with the Workbench's several figures the page took 20-30 s to appear
# here.  share_figure_code() sends the bundle once, in a small carrier widget, and
# gives every FigureWidget a few lines of code that use the shared copy.
#
# Why figures froze (issue 15): anywidget 0.11 gives each model 2 s, counted from
# the model's creation on the page, to load its ``_esm`` and run its
# ``initialize``; after that its ``ready`` promise is rejected ("[anywidget]
# Failed to initialize model.") and every later message to the model awaits that
# rejected promise and is dropped.  The view still renders from the initial
# state, so the plot looked fine and never changed again.  The first version of
# the sharing made each figure's module wait (up to 60 s) for the shared bundle:
# on a page that needed more than 2 s to get and evaluate 5 MB (a loaded server,
# a slow laptop: 4x CPU throttling) every figure froze.
#
# Now no module waits.  A figure's module returns its widget at once; its
# ``initialize`` only records the updates that arrive until plotly's code is
# there, then runs plotly's own ``initialize`` and replays them in order; its
# ``render`` waits for plotly's code.  The carrier's module is small too: it
# imports the bundle (kept in a plain trait) after its own initialize returned.
# Should a figure still miss the 2 s (a page whose main thread is blocked for
# longer), it notices: it pings the kernel at initialize and, without an answer
# in FIGURE_PING_TIMEOUT_MS, asks the kernel to rebuild it (a new model with the
# current figure, see watch_figures()).

_GLOBAL_NAME = "__qmlbenchPlotlyWidget"
#: How long a figure waits for the kernel's answer to its ping before asking to be
#: rebuilt.  A live figure's answer comes within a second even on a loaded 2-core
#: server; a rebuild of a live figure costs only a redraw.
FIGURE_PING_TIMEOUT_MS = 15000
#: Rebuilds per figure per page; a figure that cannot come up after this many says so.
FIGURE_REBUILDS = 3

_LOADER_ESM = """
const KEY = "%(name)s";
// Resolves with plotly's widget factory once the carrier has published it.  One
// waiter per page, shared by every figure: ten figures polling each took a loaded
// page's main thread about as long as drawing one of them.
function plotlyCode() {
  const WAIT = KEY + "Wait";
  if (!globalThis[WAIT]) {
    globalThis[WAIT] = new Promise((resolve, reject) => {
      const poll = () => {
        if (globalThis[KEY]) resolve(globalThis[KEY]);
        else if (globalThis[KEY + "Error"]) reject(globalThis[KEY + "Error"]);
        else setTimeout(poll, 25);
      };
      poll();
    });
  }
  return globalThis[WAIT];
}
// A model for plotly's initialize: like anywidget's, but its get() can answer
// with a recorded value while earlier updates are replayed.
function replayingModel(model) {
  const handlers = new Map(), replaying = new Map();
  const shim = {
    get: (k) => (replaying.has(k) ? replaying.get(k) : model.get(k)),
    set: (k, v) => model.set(k, v),
    save_changes: () => model.save_changes(),
    send: (...a) => model.send(...a),
    off: (n, cb) => model.off(n, cb),
    on: (n, cb) => {
      model.on(n, cb);
      if (!handlers.has(n)) handlers.set(n, []);
      handlers.get(n).push(cb);
    },
    widget_manager: model.widget_manager,
  };
  const replay = (queue) => {
    for (const [name, value] of queue) {
      replaying.set(name, value);
      try { for (const cb of handlers.get("change:" + name) || []) cb(); }
      finally { replaying.delete(name); }
    }
  };
  return { shim, replay };
}
const TRAITS = ["_widget_data", "_widget_layout", "_py2js_addTraces", "_py2js_deleteTraces",
  "_py2js_moveTraces", "_py2js_restyle", "_py2js_relayout", "_py2js_update", "_py2js_animate",
  "_py2js_removeLayoutProps", "_py2js_removeTraceProps"];

export default () => {
  let plotly = null;          // plotly's widget for this model, once initialized
  let started = null;         // promise of it
  return {
    initialize({ model }) {
      // Return at once: anywidget drops every update to a model whose initialize
      // has not finished within 2 s of its creation.
      let alive = false;
      model.on("msg:custom", (msg) => { if (msg && msg.qb === "pong") alive = true; });
      model.send({ qb: "ping" });
      setTimeout(() => { if (!alive) model.send({ qb: "rebuild" }); }, %(ping)d);
      const queue = [];
      const record = (name) => () => queue.push([name, model.get(name)]);
      const recorders = TRAITS.map((name) => [name, record(name)]);
      for (const [name, cb] of recorders) model.on("change:" + name, cb);
      started = plotlyCode().then((factory) => {
        for (const [name, cb] of recorders) model.off("change:" + name, cb);
        const { shim, replay } = replayingModel(model);
        const widget = factory();
        widget.initialize({ model: shim });
        replay(queue);
        plotly = widget;
        return widget;
      });
      started.catch((e) => console.error("[qmlbench] plotly's widget code did not load", e));
    },
    async render(ctx) {
      let widget;
      try {
        widget = plotly || (await started);
      } catch (e) {
        ctx.el.textContent = "this plot could not load plotly's code: reload the page";
        return;
      }
      if (ctx.signal && ctx.signal.aborted) return;
      return widget.render(ctx);
    },
  };
};
""" % {"name": _GLOBAL_NAME, "ping": FIGURE_PING_TIMEOUT_MS}

_CARRIER_ESM = """
const KEY = "%(name)s";
export default {
  initialize({ model }) {
    const code = model.get("_code");
    // After this initialize has returned (anywidget's 2 s limit applies to it too).
    setTimeout(async () => {
      if (globalThis[KEY]) return;
      const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
      try {
        globalThis[KEY] = (await import(/* webpackIgnore: true */ url)).default;
      } catch (e) {
        globalThis[KEY + "Error"] = e;
        console.error("[qmlbench] plotly's widget code failed to load", e);
      } finally {
        URL.revokeObjectURL(url);
      }
    }, 0);
  },
};
""" % {"name": _GLOBAL_NAME}


def share_figure_code():
    """Make FigureWidgets created from now on load plotly's code from one shared
    copy; returns the carrier widget, which must be displayed (or None, leaving
    plotly untouched, when its bundle cannot be read)."""
    import anywidget
    import plotly.basewidget as basewidget
    import traitlets

    bundle_file = Path(basewidget.__file__).parent / "package_data" / "widgetbundle.js"
    try:
        bundle = bundle_file.read_text(encoding="utf-8")
    except OSError:
        return None
    if "as default" not in bundle:  # an ES module with a default export, as plotly 6-7 ship
        return None

    class PlotlyCode(anywidget.AnyWidget):
        _esm = traitlets.Unicode(_CARRIER_ESM).tag(sync=True)
        _code = traitlets.Unicode(bundle).tag(sync=True)

    basewidget.BaseFigureWidget._esm = _LOADER_ESM
    carrier = PlotlyCode()
    carrier.layout.display = "none"
    return carrier


def _figures_under(root):
    import plotly.basewidget as basewidget

    seen, stack = set(), [root]
    while stack:
        widget = stack.pop()
        if id(widget) in seen:
            continue
        seen.add(id(widget))
        if isinstance(widget, basewidget.BaseFigureWidget):
            yield widget
        stack.extend(getattr(widget, "children", ()) or ())


def _as_initial_state(fig) -> None:
    from copy import deepcopy

    fig._widget_data = deepcopy(fig._data)
    fig._widget_layout = deepcopy(fig._layout_obj._props)


def rebuild_figure(fig) -> bool:
    """Give ``fig`` a new model on the page, built from its current figure, in the
    place of the old one; returns whether it was shown anywhere.

    The Python object stays the same (panels keep updating it); only the page's
    model and views are replaced, so a page that gave up on the old model (see
    above) gets a working plot with everything drawn so far.
    """
    import ipywidgets as W
    from ipywidgets.widgets.widget import _instances

    parents = [w for w in list(_instances.values())
               if isinstance(w, W.Box) and any(c is fig for c in w.children)]
    fig.close()
    _as_initial_state(fig)          # no comm now: becomes the new model's state
    fig._model_id = None            # a new id: the old model may still be going away
    fig.__dict__.pop("_repr_mimebundle_", None)  # close() hides the widget's repr
    fig.open()
    for parent in parents:
        parent.send_state("children")  # the page swaps in a view of the new model
    return bool(parents)


def watch_figures(root) -> int:
    """Answer the pings of every FigureWidget under ``root`` and rebuild one that
    asks for it (it did not hear back: its page gave up on its model); returns
    how many figures are watched."""
    count = 0
    for fig in _figures_under(root):
        count += 1
        if getattr(fig, "_qb_watched", False):
            continue
        fig._qb_watched = True
        fig._qb_rebuilds = 0

        def on_msg(widget, content, buffers, fig=fig):
            kind = content.get("qb") if isinstance(content, dict) else None
            if kind == "ping":
                widget.send({"qb": "pong"})
            elif kind == "rebuild" and fig._qb_rebuilds < FIGURE_REBUILDS:
                fig._qb_rebuilds += 1
                rebuild_figure(fig)

        fig.on_msg(on_msg)
    return count


def refresh_figures(root) -> int:
    """Give every FigureWidget under ``root`` its current figure as initial state,
    and watch it (see :func:`watch_figures`); returns how many were refreshed.

    A FigureWidget sends later changes as messages and keeps the figure it was
    built with as its state.  Voila runs the notebook before the page connects,
    so changes made while building the dashboard (the data scatter, the first
    decision surface) were sent to no one and the page would draw the figures
    as first built.  Call this after building, before the page connects.
    """
    count = 0
    for fig in _figures_under(root):
        _as_initial_state(fig)
        count += 1
    watch_figures(root)
    return count
