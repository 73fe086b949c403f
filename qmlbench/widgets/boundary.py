"""Decision boundary: the fitted model's surface with the data, misclassified points marked."""

from __future__ import annotations

import html

import ipywidgets as W

from .. import viz
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
        self.controls = {"boundary": self.figure}
        self.session.listen("spec", self._on_spec)
        self.session.listen("run_started", lambda spec: self.draw(None))
        self.session.listen("snapshot", self._on_snapshot)
        self.session.listen("run_ended", self._on_ended)
        self.session.listen("reset", lambda: self.draw(None))
        self.session.listen("stale", self._on_stale)
        self.children = [self.stale_label, self.figure, self.note]
        self.draw(None)

    def _on_spec(self, old, new):
        o, n = old.to_dict(), new.to_dict()
        if o["dataset"] != n["dataset"] or old.seed != new.seed \
                or old.circuit.num_qubits != new.circuit.num_qubits:
            self.draw(None)

    def _on_stale(self, stale):
        # a new dataset already cleared the surface (data alone is never stale)
        self.set_stale(stale and self.surface is not None, self.figure)

    def _on_snapshot(self, run, model):
        self.draw(model, resolution=LIVE_RESOLUTION, live=True,
                  dataset=run.dataset)

    def _on_ended(self, run, status, model):
        if status in ("done", "stopped") and model is not None:
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
        if model is None:
            self.surface = None
            self.set_stale(False, self.figure)
            sync_figure(self.figure, viz.decision_boundary(None, ds))
            self.note.value = "<small>train a model to see its decision boundary</small>"
            return
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
