"""The Plateau explorer: measure how the gradient variance falls with qubits.

Pick an ansatz (a registry one, or the composer's current one), a qubit range, a
depth rule, samples, cost and initialisation; the settings are the screen state's
``plateau`` part (:class:`~qmlbench.engine.plateau.PlateauSettings`: shared by link,
exported with the workbench state, re-run from Python with ``settings.run()``).  Run
starts the engine's sweep (:func:`qmlbench.engine.plateau.sweep.start`: width by width in
a background thread) so the plot fills in as it goes; Stop ends it after the current
chunk.  Each run becomes one configuration line; runs overlay (global vs local cost,
uniform vs identity-block, ...) until Clear.  Export gives CSV or JSON of all lines.

CSS hooks: ``qb-plateau`` (panel), ``qb-plateau-run``, ``qb-plateau-stop``,
``qb-plateau-clear``, ``qb-plateau-plot`` (FigureWidget; trace ``k`` holds
configuration ``k``'s variances, trace ``SLOTS + k`` its 2-design reference),
``qb-plateau-status``, ``qb-plateau-progress``, ``qb-plateau-export`` (Textarea),
``qb-plateau-export-button``, ``qb-plateau-download`` (a data: link), and the controls ``qb-plateau-ansatz``,
``qb-plateau-qubits``, ``qb-plateau-layers``, ``qb-plateau-depth-mode``,
``qb-plateau-samples``, ``qb-plateau-observable``, ``qb-plateau-init``,
``qb-plateau-param``.

Noise (issue 12): ``qb-plateau-noise-model`` and ``qb-plateau-noise-strengths`` make noise
strength a sweep axis (one line per strength, 0 the noiseless one); the depth rule
"depth sweep, lowest width" measures variance against layers at one width, drawn in
``qb-plateau-noise-plot`` (trace ``k``: setting ``k``, its fitted slope per layer in the
legend), ideal and noisy on one plot.
"""

from __future__ import annotations

import base64
import html
import json
import time
import traceback

import ipywidgets as W
import plotly.graph_objects as go

from ..engine import circuits
from ..engine.plateau.sweep import NOISE_SWEEP_MODELS
from ..engine.plateau.sweep import start as start_sweep
from ..viz import plateau as figures
from .session import Session, error_message

#: Configuration lines the plot holds (Voila shows only traces made at construction).
SLOTS = 6
COMPOSER = "__composer__"

DEPTH_HELP = (
    "How deep is deep enough? McClean's random circuits reach the plateau floor "
    "(the dashed 2-design value) at about 12 layers per qubit: 50 at 4 qubits, 100 at 8. "
    "A fixed 20 layers is too shallow beyond about 6 qubits: the variance stalls near 0.02 "
    "instead of falling.")


def _registry_ansatze() -> list[str]:
    return sorted(circuits.ANSATZE)


class PlateauExplorer(W.VBox):
    """``PlateauExplorer(ansatz_source=None, session=None)``.

    ``ansatz_source`` is a callable returning ``(name, options)`` of the composer's
    current ansatz; with a workbench ``session`` it is read from the session's spec
    (alone, the panel keeps a session of its own).  The settings are
    ``session.state.plateau``; the controls show them and write them back.
    After a run: ``results`` (one :class:`PlateauResult` per line), ``last_result``;
    ``sweep`` is the engine's :class:`~qmlbench.engine.plateau.SweepRun`.
    """

    def __init__(self, ansatz_source=None, session=None):
        super().__init__()
        self.add_class("qb-plateau")
        shared = session is not None
        self.session = session if shared else Session()
        if ansatz_source is None and shared:
            ansatz_source = self._session_ansatz
        self.ansatz_source = ansatz_source
        self.results: list = []
        self.last_result = None
        self.error: str | None = None
        self.sweep = None
        self._slot = 0
        self._last_draw = 0.0
        self._syncing = False

        names = _registry_ansatze()
        self.ansatz = W.Dropdown(options=self._ansatz_options(names),
                                 value="random_pauli" if "random_pauli" in names else names[0],
                                 description="ansatz", style={"description_width": "80px"})
        self.qubits = W.IntRangeSlider(value=(2, 8), min=1, max=14, description="qubits",
                                       style={"description_width": "80px"})
        self.depth_mode = W.Dropdown(
            # short labels: the dropdown is 300 px wide (the long one was cut off)
            options=[("layers = value × qubits", "per_qubit"),
                     ("layers = value", "fixed"),
                     ("depth sweep, lowest width", "sweep")],
            value="per_qubit", description="depth", style={"description_width": "80px"})
        self.layers = W.IntSlider(value=12, min=1, max=200, description="value",
                                  style={"description_width": "80px"})
        self.samples = W.IntSlider(value=200, min=20, max=2000, step=20, description="samples",
                                   style={"description_width": "80px"})
        self.observable = W.Dropdown(options=[("Z0 Z1 (McClean)", "zz"),
                                              ("global |0…0><0…0|", "global"),
                                              ("local (mean of |0><0|_j)", "local")],
                                     value="zz", description="cost",
                                     style={"description_width": "80px"})
        self.init = W.Dropdown(options=[("uniform [0, 2π)", "uniform"),
                                        ("small angles (normal σ)", "small"),
                                        ("identity blocks (Grant 2019)", "identity_block")],
                               value="uniform", description="init",
                               style={"description_width": "80px"})
        self.width = W.BoundedFloatText(value=0.1, min=1e-4, max=10.0, step=0.05,
                                        description="σ", style={"description_width": "80px"},
                                        layout=W.Layout(width="180px"))
        self.param = W.Dropdown(options=[("first parameter θ[0]", "first"),
                                         ("all parameters (mean)", "all")],
                                value="first", description="gradient",
                                style={"description_width": "80px"})
        self.seed = W.IntText(value=0, description="seed", style={"description_width": "80px"},
                              layout=W.Layout(width="180px"))
        # noise as a sweep axis: the model and its strengths (engine: PlateauSettings)
        self.noise_model = W.Dropdown(options=[(n.replace("_", " "), n)
                                               for n in NOISE_SWEEP_MODELS],
                                      value="none", description="noise",
                                      style={"description_width": "80px"})
        self.noise_strengths = W.Text(value="0, 0.01, 0.05", description="strengths",
                                      continuous_update=False,
                                      placeholder="e.g. 0, 0.01, 0.05",
                                      tooltip="one line per strength (0: noiseless)",
                                      style={"description_width": "80px"})
        for w, css in ((self.ansatz, "ansatz"), (self.qubits, "qubits"), (self.layers, "layers"),
                       (self.depth_mode, "depth-mode"), (self.samples, "samples"),
                       (self.observable, "observable"), (self.init, "init"),
                       (self.width, "width"), (self.param, "param"), (self.seed, "seed"),
                       (self.noise_model, "noise-model"),
                       (self.noise_strengths, "noise-strengths")):
            w.add_class(f"qb-plateau-{css}")

        self.run_button = W.Button(description="Run", button_style="success", icon="play",
                                   tooltip="measure the gradient variance at each width")
        self.run_button.add_class("qb-plateau-run")
        self.stop_button = W.Button(description="Stop", button_style="danger", icon="stop",
                                    disabled=True, tooltip="stop after the current chunk")
        self.stop_button.add_class("qb-plateau-stop")
        self.clear_button = W.Button(description="Clear", icon="trash",
                                     tooltip="remove every configuration line")
        self.clear_button.add_class("qb-plateau-clear")
        self.progress = W.IntProgress(value=0, min=0, max=1, layout=W.Layout(width="260px"))
        self.progress.add_class("qb-plateau-progress")
        self.status = W.HTML("ready")
        self.status.add_class("qb-plateau-status")
        self.help = W.HTML(f"<small>{html.escape(DEPTH_HELP)}</small>",
                           layout=W.Layout(max_width="520px"))
        self.figure = go.FigureWidget(figures.empty_variance_figure(SLOTS))
        self.figure.add_class("qb-plateau-plot")
        self.depth_results: list = []
        self.noise_figure = go.FigureWidget(figures.noise_depth_figure(None, SLOTS))
        self.noise_figure.add_class("qb-plateau-noise-plot")
        self.figure_box = W.VBox([self.figure])
        self.noise_box = W.VBox([self.noise_figure])
        self.export_format = W.ToggleButtons(options=["CSV", "JSON"], value="CSV",
                                             style={"button_width": "60px"})
        self.export_button = W.Button(description="Export", icon="download")
        self.export_button.add_class("qb-plateau-export-button")
        self.export_text = W.Textarea(value="", placeholder="results appear here after Export",
                                      layout=W.Layout(width="520px", height="120px"))
        self.export_text.add_class("qb-plateau-export")
        self.download = W.HTML("")
        self.download.add_class("qb-plateau-download")

        self.run_button.on_click(self._on_run)
        self.stop_button.on_click(self._on_stop)
        self.clear_button.on_click(self._on_clear)
        self.export_button.on_click(self._on_export)
        self.init.observe(self._sync_width, names="value")
        self.depth_mode.observe(self._sync_width, names="value")
        self.noise_model.observe(self._sync_width, names="value")
        self.show_settings()
        for w in self._setting_controls():
            w.observe(self._on_control, names="value")
        self.session.listen("spec", lambda **_: self.refresh_ansatz())
        self.session.listen("state", self._on_state)

        settings = W.VBox([self.ansatz, self.qubits, self.depth_mode, self.layers, self.samples,
                           self.observable, W.HBox([self.init, self.width]), self.param,
                           self.seed, self.noise_model, self.noise_strengths, self.help])
        buttons = W.HBox([self.run_button, self.stop_button, self.clear_button, self.progress])
        export = W.VBox([W.HBox([self.export_format, self.export_button, self.download]),
                         self.export_text])
        self.children = [W.HBox([settings, W.VBox([buttons, self.status, self.figure_box,
                                                   self.noise_box])]), export]
        self._sync_width()

    # --- the composer's ansatz -------------------------------------------------
    def _session_ansatz(self):
        block = self.session.spec.circuit.ansatz
        return block.name, {**block.options, "entanglement": block.entanglement}

    def _ansatz_options(self, names):
        opts = [(n, n) for n in names]
        if self.ansatz_source is not None:
            try:
                name, _ = self.ansatz_source()
                opts.insert(0, (f"composer's ansatz ({name})", COMPOSER))
            except Exception:
                opts.insert(0, ("composer's ansatz", COMPOSER))
        return opts

    def refresh_ansatz(self) -> None:
        value = self.ansatz.value
        self.ansatz.options = self._ansatz_options(_registry_ansatze())
        self.ansatz.value = value

    def _sync_width(self, *_):
        self.width.layout.display = None if self.init.value == "small" else "none"
        self.noise_strengths.layout.display = None if self.noise_model.value != "none" else "none"
        sweep = self.depth_mode.value == "sweep"
        self.figure_box.layout.display = "none" if sweep else None
        self.noise_box.layout.display = None if sweep else "none"

    # --- the settings: session.state.plateau <-> the controls ----------------------
    def _setting_controls(self):
        return (self.ansatz, self.qubits, self.depth_mode, self.layers, self.samples,
                self.observable, self.init, self.width, self.param, self.seed,
                self.noise_model, self.noise_strengths)

    def show_settings(self) -> None:
        """Set the controls from ``session.state.plateau`` (never writes back)."""
        p = self.session.state.plateau
        old, self._syncing = self._syncing, True
        try:
            composer = p.follow_composer and self.ansatz_source is not None
            if not composer and p.ansatz not in [v for _, v in self.ansatz.options]:
                self.ansatz.options = list(self.ansatz.options) + [(p.ansatz, p.ansatz)]
            self.ansatz.value = COMPOSER if composer else p.ansatz
            lo, hi = p.qubits
            self.qubits.max = max(self.qubits.max, hi)
            self.qubits.value = (lo, hi)
            self.depth_mode.value = p.depth_mode
            self.layers.max = max(self.layers.max, p.layers)
            self.layers.value = p.layers
            self.samples.max = max(self.samples.max, p.samples)
            self.samples.min = min(self.samples.min, p.samples)
            self.samples.value = p.samples
            self.observable.value = p.observable
            self.init.value = p.init
            self.width.value = p.init_width
            param = {0: "first", "all": "all"}.get(p.param_index)
            if param is None:
                param = p.param_index
                self.param.options = list(self.param.options) + [(f"θ[{param}]", param)]
            self.param.value = param
            self.seed.value = p.seed
            self.noise_model.value = p.noise_model
            self.noise_strengths.value = ", ".join(f"{v:g}" for v in p.noise_strengths)
        finally:
            self._syncing = old
        self._sync_width()

    def _from_controls(self) -> dict:
        composer = self.ansatz.value == COMPOSER
        out = dict(follow_composer=composer, qubits=list(self.qubits.value),
                   depth_mode=self.depth_mode.value, layers=self.layers.value,
                   samples=self.samples.value, observable=self.observable.value,
                   init=self.init.value, init_width=float(self.width.value),
                   param_index={"first": 0, "all": "all"}.get(self.param.value, self.param.value),
                   seed=self.seed.value, noise_model=self.noise_model.value,
                   noise_strengths=_numbers(self.noise_strengths.value))
        if composer:
            name, options = self.ansatz_source()
            out.update(ansatz=name, ansatz_options=dict(options or {}))
        else:
            out.update(ansatz=self.ansatz.value, ansatz_options={})
        return out

    def _on_control(self, change):
        if self._syncing:
            return
        try:
            self.session.update_state(plateau=self._from_controls())
        except Exception as exc:
            self._set_status(error_message(exc), error=True)
            self.show_settings()

    def _on_state(self, parts, state):
        if "plateau" in parts:
            self.show_settings()

    def settings(self) -> dict:
        """The keyword arguments of the next run (``qubits`` as a list)."""
        kwargs = self.session.state.plateau.kwargs()
        if self.ansatz.value == COMPOSER:  # the composer's ansatz as it is now
            name, options = self.ansatz_source()
            kwargs.update(ansatz=name, ansatz_options=dict(options or {}))
        return kwargs

    # --- buttons (kernel message loop; the sweep runs in a thread) --------------
    def _on_run(self, _button=None):
        if self.running:
            return
        try:
            kwargs = self.settings()
        except Exception as exc:
            self._set_status(error_message(exc), error=True)
            return
        self.error = None
        self.run_button.disabled = True
        self.stop_button.disabled = False
        self.progress.max = max(1, self.session.state.plateau.total_samples)
        self.progress.value = 0
        self._depth_run = self.session.state.plateau.depth_mode == "sweep"
        lines = len(kwargs.get("noise") or [None])
        if self._depth_run:
            self.depth_results = []
            self._slot = 0
        else:
            while self.results and len(self.results) + lines > SLOTS:
                self.results.pop(0)  # oldest lines make room
            self._slot = len(self.results)
            self.results.extend([None] * lines)
        self._last_draw = 0.0
        self._set_status(f"running {len(kwargs['qubits'])} widths…")
        self.sweep = start_sweep(kwargs, progress=self._on_progress, on_width=self._on_width,
                                 on_end=self._on_end)

    def _on_stop(self, _button=None):
        if self.sweep is not None:
            self.sweep.stop()
        self.stop_button.disabled = True
        self._set_status("stopping…")

    def _on_clear(self, _button=None):
        if self.running:
            self.sweep.stop()
            self.wait(30)
        self.results = []
        self.depth_results = []
        self.last_result = None
        self._draw()
        self._depth_run = not getattr(self, "_depth_run", False)
        self._draw()   # both figures emptied
        self._depth_run = not self._depth_run
        self.progress.value = 0
        self.export_text.value = ""
        self.download.value = ""
        self._set_status("cleared")

    def _on_export(self, _button=None):
        done = [r for r in self.results if r is not None] + list(self.depth_results)
        if not done:
            self.export_text.value = ""
            self._set_status("nothing to export yet: Run first")
            return
        if self.export_format.value == "JSON":
            self.export_text.value = json.dumps([r.to_dict() for r in done], ensure_ascii=False,
                                                indent=1)
        else:
            lines = []
            for k, r in enumerate(done):
                text = r.to_csv().splitlines()
                lines += text if k == 0 else text[1:]
            self.export_text.value = "\n".join(lines) + "\n"
        kind, ext = (("application/json", "json") if self.export_format.value == "JSON"
                     else ("text/csv", "csv"))
        payload = base64.b64encode(self.export_text.value.encode("utf-8")).decode("ascii")
        # A data: link downloads in JupyterLab and Voila alike, with no server route.
        self.download.value = (f"<a download='plateau.{ext}' href='data:{kind};base64,{payload}'"
                               f">download plateau.{ext}</a>")

    # --- the engine's sweep (its thread calls these) ------------------------------
    @property
    def running(self) -> bool:
        return self.sweep is not None and self.sweep.running

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the current run ends (tests and scripts); True when it has."""
        if self.sweep is not None:
            self.sweep.wait(timeout)
        return not self.running

    def _on_progress(self, done, total):
        self.progress.value = done

    def _store(self, result) -> None:
        """A result of the running sweep (one PlateauResult, or one per noise setting) into
        the lines it owns."""
        items = result if isinstance(result, list) else [result]
        if self._depth_run:
            self.depth_results = list(items)
            return
        for k, r in enumerate(items):
            self.results[self._slot + k] = r

    def _on_width(self, partial):
        self._store(partial)
        now = time.perf_counter()
        if now - self._last_draw > 0.2:
            self._draw()
            self._last_draw = now

    def _on_end(self, sweep):
        slot = self._slot
        try:
            if sweep.error is not None:
                exc = sweep.error
                self.error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
                self.results = [r for r in self.results if r is not None]
                self._set_status(str(exc), error=True)
                return
            result = sweep.result
            if result is not None:
                self._store(result)
                self.last_result = result
            self.results = [r for r in self.results if r is not None]
            self._draw()
            took = sweep.elapsed
            if sweep.status == "stopped":
                self._set_status(f"stopped after {sweep.done_widths} of {len(sweep.widths)} "
                                 f"widths ({took:.1f} s)")
            elif self._depth_run:
                self._set_status(f"done in {took:.1f} s: " + "; ".join(
                    figures.depth_slope_text(r) for r in self.depth_results))
            else:
                r = result[-1] if isinstance(result, list) else result
                self._set_status(
                    f"done in {took:.1f} s: {figures.slope_text(r.decay_rate, r.decay_rate_stderr)}"
                    f" (Var ∝ e^(slope·n)); 2-design value at {r.qubits[-1]} qubits: "
                    f"{r.reference[-1]:.2e}")
        finally:
            self.run_button.disabled = False
            self.stop_button.disabled = True

    # --- view ---------------------------------------------------------------------
    def _draw(self):
        if getattr(self, "_depth_run", False):
            fig = figures.noise_depth_figure(self.depth_results, slots=SLOTS)
            with self.noise_figure.batch_update():
                for live, new in zip(self.noise_figure.data, fig.data):
                    live.x, live.y = new.x, new.y
                    live.name, live.showlegend = new.name, new.showlegend
                    live.line.dash = new.line.dash
                    live.error_y.array = new.error_y.array
                self.noise_figure.layout.title.text = fig.layout.title.text
            return
        done = [r for r in self.results if r is not None]
        fig = figures.variance_figure(done, slots=SLOTS)
        with self.figure.batch_update():
            for live, new in zip(self.figure.data, fig.data):
                live.x = new.x
                live.y = new.y
                live.name = new.name
                live.showlegend = new.showlegend
                if new.error_y is not None and new.error_y.array is not None:
                    live.error_y.array = new.error_y.array

    def _set_status(self, text: str, error: bool = False):
        color = "#B00020" if error else "#333333"
        self.status.value = f"<span style='color:{color}'>{html.escape(text)}</span>"


def _numbers(text: str) -> list:
    """Comma-separated numbers as a list (what cannot be read stays text, so the settings'
    validation names it)."""
    out = []
    for t in str(text).replace(";", ",").split(","):
        t = t.strip()
        if not t:
            continue
        try:
            out.append(float(t))
        except ValueError:
            out.append(t)
    return out
