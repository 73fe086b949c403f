"""Kernel view: the feature map's fidelity kernel on the training data, ordered by class."""

from __future__ import annotations

import ipywidgets as W
import numpy as np

from .. import viz
from ._common import Panel, figure_widget, message_html, sync_figure
from .session import error_message

#: Training points used at most (the matrix and its heatmap grow with the square).
MAX_POINTS = 120
#: Widths the concentration study sweeps (exact and quick on 2 cores).
CONCENTRATION_QUBITS = (2, 3, 4, 5, 6, 7, 8)
#: Random input pairs per width.
CONCENTRATION_SAMPLES = 300
#: Shown until a kernel is computed.
HINT = ("Press <b>Compute kernel</b> to see the Gram matrix of the feature map on the "
        "training data: how similar the circuit makes each pair of points.")


def _trained_kernel(model):
    """``(weights, X) -> K`` of a fitted trainable-kernel model, else None."""
    fn = getattr(model, "_kernel_at", None)
    if fn is None or getattr(model, "weights_", None) is None \
            or getattr(model, "initial_point_", None) is None:
        return None
    return fn


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
        self.trained = False
        self.alignment = None
        # Concentration: how the same feature map's kernel flattens as qubits are added.
        self.concentration_button = W.Button(description="Concentration vs qubits",
                                             icon="line-chart",
                                             layout=W.Layout(width="auto"))
        self.concentration_button.add_class("qb-kernel-concentration")
        self.concentration_figure = figure_widget(viz.concentration_figure(),
                                                  "qb-kernel-concentration-plot")
        self.concentration_note = W.HTML(
            "<small>Random inputs on a wider feature map give ever more similar kernel "
            "values (Thanasilp et al. 2022): press <b>Concentration vs qubits</b> to measure "
            "it against the Haar value.</small>")
        self.concentration = None
        self.controls = {"kernel": self.figure}
        self.compute_button.on_click(lambda _b: self.compute())
        self.concentration_button.on_click(lambda _b: self.compute_concentration())
        self.session.listen("run_ended", self._on_ended)
        self.children = [W.HBox([self.compute_button, self.concentration_button]), self.note,
                         self.figure, self.concentration_note, self.concentration_figure]

    def _on_ended(self, run, status, model):
        from ..engine import models

        entry = models.MODELS.get(self.spec.model.name)
        if status in ("done", "stopped") and getattr(entry, "kind", "") == "kernel":
            self.compute(model)

    def compute(self, model=None):
        """The Gram matrix on (up to ``MAX_POINTS`` of) the training data.  After a
        trainable-kernel model (``qkt_qsvc``) ran, the *trained* kernel, and the
        kernel-target alignment it gained over the kernel it started from."""
        from ..engine import circuits

        s = self.spec
        if model is None:
            model = getattr(self.session, "model", None)
        trained = _trained_kernel(model)
        try:
            from ..engine import kernels

            ds = self.session.get_dataset()
            X, y = np.asarray(ds.X_train, float), np.asarray(ds.y_train)
            if len(X) > MAX_POINTS:
                keep = np.sort(np.random.default_rng(s.seed).choice(len(X), MAX_POINTS,
                                                                    replace=False))
                X, y = X[keep], y[keep]
            gained = ""
            if trained is not None:
                K = np.asarray(trained(model.weights_, X))
                K0 = np.asarray(trained(model.initial_point_, X))
                if ds.task == "classification":
                    a0 = kernels.kernel_target_alignment(K0, y)
                    a1 = kernels.kernel_target_alignment(K, y)
                    gained = (f"; kernel-target alignment {a0:.3f} before training, "
                              f"{a1:.3f} after ({a1 - a0:+.3f})")
                    self.alignment = (a0, a1)
            else:
                fm, _ = circuits.from_spec(s.circuit, X.shape[1])
                K = np.asarray(kernels.kernel_matrix(fm, X))
        except Exception as exc:
            self.note.value = message_html(f"kernel: {error_message(exc)}")
            return None
        self.matrix = K
        self.trained = trained is not None
        labels = y if ds.task == "classification" else None
        sync_figure(self.figure, viz.kernel_heatmap(K, labels, getattr(ds, "class_names", None)))
        what = "the trained kernel" if trained is not None else "feature map"
        self.note.value = (f"<small>{len(X)} training points, {what} "
                           f"{s.circuit.feature_map.name} (reps {s.circuit.feature_map.reps})"
                           f"{gained}</small>")
        return K

    def compute_concentration(self):
        """Sweep the composer's feature map over ``CONCENTRATION_QUBITS`` (inputs uniform
        in the dataset's feature range) and draw the variance against the Haar value."""
        from ..engine import kernels

        fm = self.spec.circuit.feature_map
        try:
            low, high = getattr(self.session.get_dataset(), "feature_range", None) or (0, np.pi)
            res = kernels.concentration(fm.name, qubits=CONCENTRATION_QUBITS, reps=fm.reps,
                                        entanglement=fm.entanglement,
                                        samples=CONCENTRATION_SAMPLES,
                                        data_range=(low, high), seed=self.spec.seed,
                                        options=dict(fm.options) or None)
        except Exception as exc:
            self.concentration_note.value = message_html(f"concentration: {error_message(exc)}")
            return None
        self.concentration = res
        sync_figure(self.concentration_figure, viz.concentration_figure(res))
        self.concentration_note.value = (
            f"<small>{fm.name} (reps {fm.reps}), {res.samples} random input pairs per width in "
            f"[{low:.2f}, {high:.2f}]: the variance falls by a factor "
            f"{np.exp(-res.decay_rate):.1f} per added qubit.</small>")
        return res
