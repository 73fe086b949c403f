"""Kernel view: the feature map's fidelity kernel on the training data, ordered by class."""

from __future__ import annotations

import html

import ipywidgets as W
import numpy as np

from .. import viz
from ..viz.boundary import noise_label
from ..engine import kernels, models
from ..engine.kernels import view as kernel_views
from ._common import Panel, figure_widget, message_html, sync_figure
from .session import error_message

#: Training points used at most (the engine's rule; kept here for code that read it).
MAX_POINTS = kernel_views.MAX_POINTS
#: Widths the concentration study sweeps (exact and quick on 2 cores).
CONCENTRATION_QUBITS = (2, 3, 4, 5, 6, 7, 8)
#: Random input pairs per width.
CONCENTRATION_SAMPLES = 300
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
        # with noise set: the noisy kernel beside the ideal one (shown only then)
        self.noise_figure = figure_widget(viz.kernel_noise_figure(None), "qb-kernel-noise")
        self.noise_note = W.HTML()
        self.noise_note.add_class("qb-kernel-noise-note")
        self.noise_box = W.VBox([self.noise_note, self.noise_figure])
        self.noise_views = None
        self._model = None
        self.controls = {"kernel": self.figure}
        self.compute_button.on_click(lambda _b: self.compute())
        self.concentration_button.on_click(lambda _b: self.compute_concentration())
        self.session.listen("run_ended", self._on_ended)
        self.session.listen("spec", self._on_spec)
        self.children = [W.HBox([self.compute_button, self.concentration_button]), self.note,
                         self.stale_label, self.figure, self.noise_box,
                         self.concentration_note, self.concentration_figure]
        self._show_noise(False)

    def _on_spec(self, old, new):
        from ..engine.boundary import same_but_noise

        if self.matrix is None:
            return
        if same_but_noise(old, new) and not self.session.running:
            # the ideal kernel still holds: only the noisy one is computed again
            self.compute_noise()
        else:
            self.set_stale(True, self.figure)

    def _on_ended(self, run, status, model):
        entry = models.MODELS[self.spec.model.name]
        if status in ("done", "stopped") and entry.kind == "kernel":
            self.compute(model)

    def compute(self, model=None):
        """The Gram matrix on (up to ``MAX_POINTS`` of) the training data.  After a
        trainable-kernel model (``qkt_qsvc``) ran, the *trained* kernel, and the
        kernel-target alignment it gained over the kernel it started from."""
        from ..engine.boundary import same_but_noise

        s = self.spec
        run = self.session.run
        if model is None and run is not None and same_but_noise(run.spec, s):
            # the last run's model only while it is a model of the settings on screen: after
            # a change it drew its own (projected, trained) kernel under the new names
            model = self.session.model
        if hasattr(model, "with_noise"):
            model = model.with_noise(None)   # this figure is the ideal kernel
        try:
            ds = self.session.get_dataset()
            view = kernels.kernel_view(s, ds, model, max_points=MAX_POINTS)
        except Exception as exc:
            self.note.value = message_html(f"kernel: {error_message(exc)}")
            return None
        self.matrix = view.matrix
        self.trained = view.trained
        gained = ""
        if view.alignment is not None:
            self.alignment = a0, a1 = view.alignment
            gained = (f"; kernel-target alignment {a0:.3f} before training, "
                      f"{a1:.3f} after ({a1 - a0:+.3f})")
        sync_figure(self.figure, viz.kernel_heatmap(view.matrix, view.labels, view.class_names))
        self.set_stale(False, self.figure)
        what = "the trained kernel" if view.trained else "feature map"
        what = ("the fidelity |⟨ψi|ψj⟩|² of the input states" if view.states
                else f"the projected kernel of {view.feature_map} (reps {view.reps}), "
                     f"γ = {view.gamma:.3g}" if view.projected
                else f"{what} {view.feature_map} (reps {view.reps})")
        entry = models.MODELS.get(s.model.name)
        if entry is not None and entry.kind == "classical":
            # the composer's feature map, beside a model that uses none: the heatmap is no
            # kernel of the model trained (it read as the RBF SVC's own)
            what += (f"; not the kernel of {s.model.name}, a classical model: the quantum "
                     f"kernel it is compared with")
        self.note.value = f"<small>{view.n_points} training points, {what}{gained}</small>"
        self._model, self._view = model, view
        self.compute_noise()
        return view.matrix

    def _show_noise(self, flag: bool) -> None:
        self.noise_box.layout.display = None if flag else "none"

    def compute_noise(self):
        """With noise set: the kernel under it beside the ideal one just computed (the same
        points and trained weights), with each one's off-diagonal spread."""
        noise = self.spec.execution.noise
        if noise is None or self.matrix is None:
            self.noise_views = None
            self._show_noise(False)
            return None
        try:
            views = kernels.noisy_kernel_views(self.spec, self.session.get_dataset(), noise,
                                               self._model, max_points=MAX_POINTS,
                                               ideal=self._view)
        except Exception as exc:
            self.noise_note.value = message_html(f"noisy kernel: {error_message(exc)}")
            self.noise_box.layout.display = None
            return None
        self.noise_views = views
        sync_figure(self.noise_figure, viz.kernel_noise_figure(views))
        self.noise_note.value = (
            f"<small>Under {html.escape(noise_label(noise))} ({html.escape(views.path)}), "
            f"kernel values are Tr(ρσ) of the noisy states: the off-diagonal spread falls "
            f"from {views.ideal_std:.3f} to {views.noisy_std:.3f} "
            f"(×{views.concentration:.2f}).</small>")
        self._show_noise(True)
        return views

    def compute_concentration(self):
        """Sweep the composer's feature map over ``CONCENTRATION_QUBITS`` (inputs uniform
        in the dataset's feature range) and draw the variance against the Haar value."""
        fm = self.spec.circuit.feature_map
        try:
            low, high = self.session.get_dataset().feature_range or (0, np.pi)
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
