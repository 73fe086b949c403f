"""Decision boundary: the fitted model's surface with the data, misclassified points marked.

With noise set (``execution.noise``) and a quantum model trained, the figure shows the
surface under the current noise and a second figure (``qb-boundary-ideal``) the same
weights without noise (``engine.boundary.noise_comparison``).  Moving a noise control
afterwards redraws the noisy surface with the trained weights, without training again:
a change of the noise alone does not make the picture stale."""

from __future__ import annotations

import html

import ipywidgets as W

from .. import viz
from ..viz.boundary import noise_label
from ._common import Panel, figure_widget, message_html, sync_figure
from .session import error_message

#: Grid points per axis for the surface drawn when a run ends, and during training.
FINAL_RESOLUTION = 60
LIVE_RESOLUTION = 25


class DecisionBoundary(Panel):
    """Redrawn when a run ends (done or stopped) and, throttled, during training when the
    engine offers the model at its latest weights. Hideable controls: ``boundary``."""

    css_class = "qb-boundary-panel"

    def __init__(self, session=None, spec=None, resolution: int = FINAL_RESOLUTION):
        super().__init__(session, spec)
        self.resolution = resolution
        self.figure = figure_widget(viz.decision_boundary(None, None), "qb-boundary")
        self.note = W.HTML()
        self.note.add_class("qb-boundary-note")
        self.surface = None
        # the same weights without noise, beside the noisy surface (shown only then)
        self.ideal_figure = figure_widget(viz.decision_boundary(None, None), "qb-boundary-ideal")
        self.ideal_figure.layout.height = 380
        self.comparison = None
        self._model = self._trained_spec = self._ideal = self._dataset = None
        self._ideal_of = None   # the model whose noiseless surface ``_ideal`` is
        self.controls = {"boundary": self.figure}
        self.session.listen("spec", self._on_spec)
        self.session.listen("run_started", lambda spec: self.draw(None))
        self.session.listen("snapshot", self._on_snapshot)
        self.session.listen("run_ended", self._on_ended)
        self.session.listen("reset", lambda: self.draw(None))
        self.session.listen("stale", self._on_stale)
        self.ideal_box = W.VBox([self.ideal_figure], layout=W.Layout(display="none"))
        self.children = [self.stale_label, self.figure, self.note, self.ideal_box]
        self.draw(None)

    def _on_spec(self, old, new):
        o, n = old.to_dict(), new.to_dict()
        if o["dataset"] != n["dataset"] or old.seed != new.seed \
                or old.circuit.num_qubits != new.circuit.num_qubits:
            self.draw(None)
        elif self._follows_noise():
            if old.execution.noise != new.execution.noise or self.stale:
                # noise as a slider: the trained weights under the noise now set
                self.draw(self._model, dataset=self._dataset)
                self.set_stale(False, self.figure)
        elif self._model is not None and self.surface is not None and not self.session.running:
            # the session says "stale" once; after noise-only changes it already had
            self.set_stale(True, self.figure)

    def _follows_noise(self) -> bool:
        """The drawn model was trained with settings that differ from the current ones at
        most in noise, so it can be redrawn under the current noise."""
        from ..engine import boundary

        return (self._model is not None and self._trained_spec is not None
                and not self.session.running
                and boundary.same_but_noise(self._trained_spec, self.spec))

    def _on_stale(self, stale):
        # a new dataset already cleared the surface (data alone is never stale); a change
        # of noise alone is redrawn, not stale
        self.set_stale(stale and self.surface is not None and not self._follows_noise(),
                       self.figure)

    def _on_snapshot(self, run, model):
        self.draw(model, resolution=LIVE_RESOLUTION, live=True,
                  dataset=run.dataset)

    def _on_ended(self, run, status, model):
        if status in ("done", "stopped") and model is not None:
            self._model, self._trained_spec, self._ideal = model, run.spec, None
            self._dataset = run.dataset
            self.draw(model, dataset=run.dataset)

    def draw(self, model, resolution: int | None = None, live: bool = False,
             dataset=None) -> None:
        """Data alone (``model=None``) or the model's surface with the data over it.

        ``dataset`` defaults to the session's; a run's own data is passed when its
        model is drawn, in case the settings changed while it trained."""
        from ..engine import boundary

        ds = dataset if dataset is not None else self.session.dataset
        if ds is None:
            sync_figure(self.figure, viz.decision_boundary(None, None))
            self.note.value = ""
            return
        reason = boundary.no_surface_reason(ds)
        if reason is not None:
            self._show_ideal(False)
            self.surface = None
            sync_figure(self.figure, viz.decision_boundary(None, ds))
            self.note.value = f"<small>{html.escape(reason)}</small>"
            return
        if model is not None and not live and self._noise_for(model) is not None:
            return self._draw_comparison(model, ds, resolution)
        self._show_ideal(False)
        if model is None:
            self._model = self._trained_spec = self._ideal = None
            self.surface = None
            self.set_stale(False, self.figure)
            sync_figure(self.figure, viz.decision_boundary(None, ds))
            self.note.value = "<small>train a model to see its decision boundary</small>"
            return
        if not live and hasattr(model, "with_noise") and model.noise is not None:
            model = model.with_noise(None)   # trained under noise, drawn with none now
        try:
            surface = boundary.decision_surface(model, ds, resolution=resolution or self.resolution)
            pred_train = pred_test = None
            if ds.task == "classification":
                pred_train, pred_test = model.predict(ds.X_train), model.predict(ds.X_test)
        except Exception as exc:
            self.note.value = message_html(f"decision surface: {error_message(exc)}")
            return
        sync_figure(self.figure, viz.decision_boundary(surface, ds, pred_train, pred_test))
        self.surface = surface  # after the figure: readers see the surface that is drawn
        note = surface.note
        self.note.value = (("<small>live, at the latest weights</small>" if live else "")
                           + (f"<small>{html.escape(note)}</small>" if note else ""))

    # --- the same weights with and without noise -------------------------------------
    def _noise_for(self, model):
        """The noise to draw ``model`` under: the spec's, for a quantum model; else None."""
        noise = self.spec.execution.noise
        return noise if noise is not None and hasattr(model, "with_noise") else None

    def _show_ideal(self, flag: bool) -> None:
        self.ideal_box.layout.display = None if flag else "none"
        if not flag:
            self.comparison = None

    def _draw_comparison(self, model, ds, resolution=None) -> None:
        from ..engine import boundary

        res = resolution or self.resolution
        ideal = self._ideal if (self._ideal is not None and self._ideal_of is model
                                and self._ideal.xs.size == res) else None
        try:
            comp = boundary.noise_comparison(model, ds, self._noise_for(model), resolution=res,
                                             ideal=ideal)
        except Exception as exc:
            self.note.value = message_html(f"noisy decision surface: {error_message(exc)}")
            return
        noisy_fig, ideal_fig = viz.noise_boundaries(comp, ds)
        sync_figure(self.figure, noisy_fig)
        if ideal is None:
            sync_figure(self.ideal_figure, ideal_fig)
            self.ideal_figure.layout.height = 380
        self._ideal, self._ideal_of = comp.ideal, model
        self._show_ideal(True)
        self.surface, self.comparison = comp.noisy, comp
        self.set_stale(False, self.figure)
        trained = self._trained_spec.execution.noise if self._trained_spec is not None else None
        note = comp.noisy.note
        self.note.value = (f"<small>weights trained with "
                           f"{html.escape(noise_label(trained))}; drawn under "
                           f"{html.escape(noise_label(comp.noise))} "
                           f"({html.escape(comp.path)}) and, below, without noise.</small>"
                           + (f"<small> {html.escape(note)}</small>" if note else ""))
