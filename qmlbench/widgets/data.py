"""Data panel: dataset picker, size, noise, test fraction, seed, and the data scatter."""

from __future__ import annotations

import html

import ipywidgets as W

from .. import viz
from ..engine.errors import SpecError
from ._common import Panel, apply_or_report, figure_widget, message_html, sync_figure

#: The scatter sits inside the settings tab (see ``workbench.SETTINGS_WIDTH``).
SCATTER_WIDTH = 390


def _scatter(dataset):
    fig = viz.data_scatter(dataset)
    fig.layout.width = SCATTER_WIDTH
    return fig


def _dataset_options():
    from ..engine import datasets

    return [(f"{name} ({entry.task})", name) for name, entry in datasets.DATASETS.items()]


class DataPanel(Panel):
    """Pick and shape the data; the scatter redraws on every change.

    Hideable controls: ``dataset``, ``n_samples``, ``noise``, ``test_size``, ``seed``.
    """

    css_class = "qb-data-panel"

    def __init__(self, session=None, spec=None):
        super().__init__(session, spec)
        s = self.spec
        style = {"description_width": "90px"}
        self.dataset_picker = W.Dropdown(options=_dataset_options(), value=s.dataset.name,
                                         description="dataset", style=style)
        self.dataset_picker.add_class("qb-dataset")
        self.n_samples = W.IntSlider(value=s.dataset.n_samples, min=min(10, s.dataset.n_samples),
                                     max=max(400, s.dataset.n_samples), step=10,
                                     description="samples", continuous_update=False, style=style)
        self.n_samples.add_class("qb-n-samples")
        self.noise = W.FloatSlider(value=s.dataset.noise, min=0.0, max=max(1.0, s.dataset.noise),
                                   step=0.05,
                                   description="noise", continuous_update=False, style=style)
        self.noise.add_class("qb-noise")
        self.test_size = W.FloatSlider(value=s.dataset.test_size, min=0.1, max=0.5, step=0.05,
                                       description="test fraction", continuous_update=False,
                                       style=style)
        self.test_size.add_class("qb-test-size")
        # Text, not IntText: ipywidgets' IntText showed "3.7" as 37 and stored 3.
        self.seed = W.Text(value=str(s.seed), description="seed", continuous_update=False,
                           style=style, layout=W.Layout(width="180px"))
        self.seed.add_class("qb-seed")
        self.info = W.HTML()
        self.info.add_class("qb-data-info")
        self.error = W.HTML()
        self.error.add_class("qb-data-error")
        self.figure = figure_widget(_scatter(_EmptyData()), "qb-scatter")
        self.controls = {"dataset": self.dataset_picker, "n_samples": self.n_samples,
                         "noise": self.noise, "test_size": self.test_size, "seed": self.seed}
        for w in self.controls.values():
            w.observe(self._on_control, names="value")
        self.session.listen("spec", self._on_spec)
        self.children = [self.dataset_picker, self.n_samples, self.noise, self.test_size,
                         self.seed, self.error, self.info, self.figure]
        self.redraw()

    # controls -> spec
    def _on_control(self, change):
        if self._syncing:
            return
        try:
            seed = parse_seed(self.seed.value)
        except SpecError as exc:
            self.error.value = message_html(str(exc))
            return
        apply_or_report(self, self.error,
                        dataset={"name": self.dataset_picker.value,
                                 "n_samples": int(self.n_samples.value),
                                 "noise": float(self.noise.value),
                                 "test_size": float(self.test_size.value),
                                 "options": (dict(self.spec.dataset.options)
                                             if self.dataset_picker.value == self.spec.dataset.name
                                             else {})},
                        seed=seed)

    # spec -> controls and scatter
    def refresh_controls(self):
        s = self.spec
        with self.syncing():
            self.dataset_picker.value = s.dataset.name
            _fit_range(self.n_samples, s.dataset.n_samples)
            self.n_samples.value = s.dataset.n_samples
            _fit_range(self.noise, s.dataset.noise)
            self.noise.value = s.dataset.noise
            self.test_size.value = s.dataset.test_size
            self.seed.value = str(s.seed)

    def _on_spec(self, old, new):
        self.refresh_controls()
        if (old.to_dict()["dataset"] != new.to_dict()["dataset"] or old.seed != new.seed
                or old.circuit.num_qubits != new.circuit.num_qubits):
            self.redraw()

    def redraw(self):
        try:
            ds = self.session.get_dataset()
        except Exception as exc:
            from .session import error_message

            self.error.value = message_html(error_message(exc))
            sync_figure(self.figure, _scatter(_EmptyData()))
            return
        self.error.value = ""
        notes = list(getattr(ds, "notes", None) or [])
        summary = ds.summary() if hasattr(ds, "summary") else ""
        self.info.value = (f"<small>{html.escape(summary)}"
                           + "".join(f"<br>{html.escape(str(n))}" for n in notes) + "</small>")
        sync_figure(self.figure, _scatter(ds))


MAX_SEED = 2**31 - 1


def parse_seed(text) -> int:
    """The seed a visitor typed: a whole number from 0 to 2**31 - 1, else SpecError."""
    value = str(text).strip()
    if not value.isdigit() or int(value) > MAX_SEED:
        raise SpecError("seed", value, reason=f"must be a whole number from 0 to {MAX_SEED}")
    return int(value)


def _fit_range(slider, value) -> None:
    # A spec from a file or link may hold values beyond the slider's usual range.
    if value > slider.max:
        slider.max = value
    if value < slider.min:
        slider.min = value


class _EmptyData:
    """A dataset with no points: gives the scatter its traces before any data loads."""

    import numpy as _np

    X_train = _np.zeros((0, 2))
    X_test = _np.zeros((0, 2))
    y_train = _np.zeros(0)
    y_test = _np.zeros(0)
    task = "classification"
    class_names = None
    feature_names = ["x0", "x1"]
