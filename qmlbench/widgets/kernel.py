"""Kernel view: the feature map's fidelity kernel on the training data, ordered by class."""

from __future__ import annotations

import ipywidgets as W
import numpy as np

from .. import viz
from ._common import Panel, figure_widget, message_html, sync_figure
from .session import error_message

#: Training points used at most (the matrix and its heatmap grow with the square).
MAX_POINTS = 120
#: Shown until a kernel is computed.
HINT = ("Press <b>Compute kernel</b> to see the Gram matrix of the feature map on the "
        "training data: how similar the circuit makes each pair of points.")


class KernelView(Panel):
    """Computed on Compute, and after each run of a kernel model. Hideable: ``kernel``."""

    css_class = "qb-kernel-panel"

    def __init__(self, session=None, spec=None):
        super().__init__(session, spec)
        self.compute_button = W.Button(description="Compute kernel", icon="th")
        self.compute_button.add_class("qb-kernel-compute")
        self.figure = figure_widget(viz.kernel_heatmap(np.zeros((0, 0))), "qb-kernel")
        self.note = W.HTML(f"<small>{HINT}</small>")
        self.note.add_class("qb-kernel-note")
        self.matrix = None
        self.controls = {"kernel": self.figure}
        self.compute_button.on_click(lambda _b: self.compute())
        self.session.listen("run_ended", self._on_ended)
        self.children = [self.compute_button, self.note, self.figure]

    def _on_ended(self, run, status, model):
        from ..engine import models

        entry = models.MODELS.get(self.spec.model.name)
        if status in ("done", "stopped") and getattr(entry, "kind", "") == "kernel":
            self.compute()

    def compute(self):
        from ..engine import circuits

        s = self.spec
        try:
            from ..engine import kernels

            ds = self.session.get_dataset()
            X, y = np.asarray(ds.X_train, float), np.asarray(ds.y_train)
            if len(X) > MAX_POINTS:
                keep = np.sort(np.random.default_rng(s.seed).choice(len(X), MAX_POINTS,
                                                                    replace=False))
                X, y = X[keep], y[keep]
            fm, _ = circuits.from_spec(s.circuit, X.shape[1])
            K = np.asarray(kernels.kernel_matrix(fm, X))
        except Exception as exc:
            self.note.value = message_html(f"kernel: {error_message(exc)}")
            return None
        self.matrix = K
        labels = y if ds.task == "classification" else None
        sync_figure(self.figure, viz.kernel_heatmap(K, labels, getattr(ds, "class_names", None)))
        self.note.value = (f"<small>{len(X)} training points, feature map "
                           f"{s.circuit.feature_map.name} (reps {s.circuit.feature_map.reps})</small>")
        return K
