"""Inside tab: what the circuit can express, and what each qubit does to the data.

The composer measures the circuit's badges (expressibility, entangling capability) in
the background after every change and announces them with the session's ``insight``
event; this panel shows them larger, with the fidelity histogram against Haar.  For a
variational model it adds the Fourier spectrum of the trained model and a grid of small
heatmaps, one per qubit (columns) and layer (rows), redrawn at the latest weights while
it trains (throttled by the session's ``snapshot`` events), like TensorFlow
Playground's neurons.
"""

from __future__ import annotations

import html
import threading
import time

import ipywidgets as W

from .. import viz
from ..engine import insight, models
from ._common import Panel, figure_widget, message_html, sync_figure
from .session import error_message

#: Grid points per axis of the per-qubit views: after a run, and live during training.
FINAL_RESOLUTION = 30
LIVE_RESOLUTION = 14
#: Live views at most this often (seconds): the training thread draws them.
LIVE_MIN_INTERVAL_S = 2.0
COMPONENTS = ("Z", "X", "Y", "purity")

HINT = ("<small>Train a variational model to see inside it: each small map is one "
        "qubit's Bloch component over the input plane after one layer of the circuit."
        "</small>")


def badges_html(badges, large: bool = False) -> str:
    """The two badges in words: value ± stderr next to the Haar reference."""
    if badges is None:
        return "<small>measuring expressibility…</small>"
    if badges.expressibility is None:
        return f"<small>{html.escape(badges.reason)}</small>"
    ex, q = badges.expressibility, badges.entanglement
    size = "" if large else "font-size:90%;"
    style = (f"display:inline-block;{size}padding:2px 6px;margin:2px 4px 2px 0;"
             "border-radius:10px;background:#eef3fb;border:1px solid #c5d3ea")
    return (
        f"<span class='qb-badge qb-badge-expressibility' style='{style}' title='KL divergence "
        f"of the fidelity distribution from Haar (Sim et al. 2019): lower is more expressive; "
        f"Haar-random states score {ex.haar:.2g} at {ex.samples} pairs, an idle circuit "
        f"{ex.idle:.3g}'>expressibility <b>{ex.value:.3g}</b> ± {ex.stderr:.1g} "
        f"<small>(Haar floor {ex.haar:.2g})</small></span>"
        f"<span class='qb-badge qb-badge-entanglement' style='{style}' title='mean "
        f"Meyer-Wallach Q (Sim et al. 2019): 0 product states, 1 maximal; Haar-random "
        f"states average {q.haar:.3g}'>entanglement Q <b>{q.value:.3g}</b> ± "
        f"{q.stderr:.1g} <small>(Haar {q.haar:.3g})</small></span>"
        f"<div><small>{html.escape(badges.part)}, {badges.samples} random pairs</small></div>")


class InsidePanel(Panel):
    """Hideable: ``inside`` (the whole tab); ``fidelity``, ``fourier``, ``layers``."""

    css_class = "qb-inside-panel"

    def __init__(self, session=None, spec=None):
        super().__init__(session, spec)
        self.badges = W.HTML(badges_html(None, large=True))
        self.badges.add_class("qb-inside-badges")
        self.fidelity_figure = figure_widget(viz.fidelity_figure(), "qb-inside-fidelity")
        self.fourier_figure = figure_widget(viz.fourier_figure(), "qb-inside-fourier")
        self.component = W.ToggleButtons(options=list(COMPONENTS), value="Z",
                                         description="show", style={"button_width": "60px"},
                                         tooltip="Bloch component or single-qubit purity")
        self.component.add_class("qb-inside-component")
        self.layers_figure = figure_widget(viz.layer_grid_figure(), "qb-inside-layers")
        self.note = W.HTML(HINT)
        self.note.add_class("qb-inside-note")
        self.last_badges = None
        self.views = None          # the LayerViewsResult drawn
        self.spectrum = None       # the FourierResult drawn
        self._live_at = 0.0
        self._live_lock = threading.Lock()
        self.controls = {"fidelity": self.fidelity_figure, "fourier": self.fourier_figure,
                         "layers": self.layers_figure}
        self.component.observe(lambda _c: self._redraw_layers(), names="value")
        self.session.listen("insight", self._on_insight)
        self.session.listen("spec", self._on_spec)
        self.session.listen("snapshot", self._on_snapshot)
        self.session.listen("run_ended", self._on_ended)
        self.session.listen("reset", self._clear_model_views)
        if self.session.last_insight is not None:   # measured before this panel existed
            self._on_insight(*self.session.last_insight)
        self._no_circuit(self.spec)
        self.children = [self.badges, self.fidelity_figure, self.stale_label, self.note,
                         self.component, self.layers_figure, self.fourier_figure]

    # the circuit's measures (from the composer's background job)
    def _on_insight(self, spec, badges):
        if spec.to_dict() != self.spec.to_dict():
            return  # measured for settings that have changed since
        self.last_badges = badges
        self.badges.value = badges_html(badges, large=True)
        if badges.expressibility is not None:
            sync_figure(self.fidelity_figure, viz.fidelity_figure(badges.expressibility))

    def _no_circuit(self, spec) -> bool:
        """A classical model has no circuit to measure (the composer measures none and
        announces nothing): say so, rather than "measuring expressibility…" for ever above
        the fidelity histogram of the last quantum circuit."""
        entry = models.MODELS.get(spec.model.name)
        if entry is None or entry.quantum:
            return False
        self.last_badges = None
        self.badges.value = (f"<small>{html.escape(spec.model.name)} is a classical model: "
                             f"there is no circuit to measure</small>")
        sync_figure(self.fidelity_figure, viz.fidelity_figure())
        return True

    def _on_spec(self, old, new):
        o, n = old.to_dict(), new.to_dict()
        if o["circuit"] != n["circuit"] or o["model"] != n["model"] or o["dataset"] != n["dataset"]:
            if not self._no_circuit(new):
                self.badges.value = badges_html(None, large=True)
            if self.views is not None or self.spectrum is not None:
                self.set_stale(True, self.layers_figure, self.fourier_figure)

    # the model's views
    def _variational(self) -> bool:
        entry = models.MODELS.get(self.spec.model.name)
        return entry is not None and entry.kind == "variational"

    def _on_snapshot(self, run, model):
        now = time.perf_counter()
        if now - self._live_at < LIVE_MIN_INTERVAL_S or not self._live_lock.acquire(False):
            return
        try:
            self._live_at = now
            self.draw_layers(model, run.dataset, LIVE_RESOLUTION, live=True)
        finally:
            self._live_lock.release()

    def _on_ended(self, run, status, model):
        if status not in ("done", "stopped") or model is None:
            return
        if self.draw_layers(model, run.dataset, FINAL_RESOLUTION):
            self.draw_spectrum(model, run.dataset)
            return
        # no views of this model: an earlier model's must not stay under its note, marked
        # "stale — train again" right after training
        note = self.note.value
        self._clear_model_views()
        self.note.value = note
        if self._variational() and getattr(run.dataset, "inputs", "features") == "features":
            # the spectrum needs no plane (sine's, the textbook case, was left empty)
            self.draw_spectrum(model, run.dataset)

    def draw_layers(self, model, dataset, resolution: int = FINAL_RESOLUTION,
                    live: bool = False) -> bool:
        """Per-qubit views of ``model`` (its current weights) over the data's plane."""
        if not self._variational():
            self.note.value = message_html(
                f"{self.spec.model.name} has no trained circuit layers to look inside: the "
                f"per-qubit views and the Fourier spectrum need a variational model.", "info")
            return False
        if dataset is None or dataset.X_train.shape[1] != 2:
            self.note.value = message_html("per-qubit views need 2-feature data", "info")
            return False
        try:
            views = insight.layer_views(model, dataset, resolution=resolution)
        except Exception as exc:
            self.note.value = message_html(f"layer views: {error_message(exc)}")
            return False
        self.views = views
        self._redraw_layers()
        self.set_stale(False, self.layers_figure, self.fourier_figure)
        purity = ", ".join(f"{p:.2f}" for p in views.mean_purity)
        # the views are the model's states without noise: with noise set (the boundary drawn
        # under it) a purity below 1 read as the noise's doing
        ideal = ("; the trained weights without noise"
                 if self.spec.execution.noise is not None and "noisy" not in views.path else "")
        self.note.value = (f"<small>{'live, at the latest weights; ' if live else ''}"
                           f"mean single-qubit purity per layer: {purity} (1: no entanglement "
                           f"across the cut, 0.5: maximal){ideal}"
                           f"{'; ' + html.escape(views.note) if views.note else ''}</small>")
        return True

    def _redraw_layers(self):
        if self.views is not None:
            sync_figure(self.layers_figure, viz.layer_grid_figure(self.views, self.component.value))

    def draw_spectrum(self, model, dataset) -> None:
        try:
            spectrum = insight.fourier_spectrum(model, dataset)
        except Exception as exc:
            self.note.value += message_html(f" Fourier spectrum: {error_message(exc)}")
            return
        self.spectrum = spectrum
        sync_figure(self.fourier_figure, viz.fourier_figure(spectrum, input_index=0))

    def _clear_model_views(self):
        self.views = self.spectrum = None
        self.set_stale(False, self.layers_figure, self.fourier_figure)
        sync_figure(self.layers_figure, viz.layer_grid_figure())
        sync_figure(self.fourier_figure, viz.fourier_figure())
        self.note.value = HINT
