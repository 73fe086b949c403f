"""Data panel: dataset picker, size, noise, test fraction, seed, and the data scatter."""

from __future__ import annotations

import html

import ipywidgets as W

from .. import viz
from ..engine.errors import SpecError
from ._common import (Panel, apply_or_report, figure_widget, message_html, sync_figure,
                      updated_options)
from .schema_form import SchemaForm, fields_for

#: The scatter sits inside the settings tab (see ``workbench.SETTINGS_WIDTH``).
SCATTER_WIDTH = 390


def _scatter(dataset):
    fig = viz.data_scatter(dataset)
    fig.layout.width = SCATTER_WIDTH
    return fig


def _dataset_options():
    from ..engine import datasets

    return [(f"{name} ({entry.task})", name) for name, entry in datasets.DATASETS.items()]


def dataset_fields(name: str):
    """Typed controls for the options of dataset ``name`` (gap, factor, ...), from its schema."""
    from ..engine import datasets

    entry = datasets.DATASETS.get(name)
    return fields_for(entry.schema if entry is not None else None)


def _slider(cls, opt, value, css, style, **kwargs):
    """A slider over an engine Option's usual span (widened to hold ``value``)."""
    lo, hi = opt.ui_range
    w = cls(value=value, min=min(lo, value), max=max(hi, value), step=opt.step,
            description=opt.label or opt.name, continuous_update=False, style=style,
            tooltip=opt.help, **kwargs)
    w.add_class(css)
    return w


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
        from ..engine import datasets

        # size, noise, test fraction: span, label and help from the engine's Options
        self.n_samples = _slider(W.IntSlider, datasets.N_SAMPLES, s.dataset.n_samples,
                                 "qb-n-samples", style)
        self.noise = _slider(W.FloatSlider, datasets.NOISE, s.dataset.noise, "qb-noise", style)
        self.test_size = _slider(W.FloatSlider, datasets.TEST_SIZE, s.dataset.test_size,
                                 "qb-test-size", style)
        # One typed control per option of the selected dataset, generated from its schema.
        self.dataset_options = SchemaForm("dataset.options", self._on_option,
                                          self._on_option_error, style=style,
                                          css_class="qb-dataset-options")
        self.dataset_options.set_fields(dataset_fields(s.dataset.name))
        self.dataset_options.set_values(s.dataset.options)
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
                         "noise": self.noise, "test_size": self.test_size, "seed": self.seed,
                         "dataset_options": self.dataset_options}
        for name, w in self.controls.items():
            if name != "dataset_options":  # the form reports its own changes
                w.observe(self._on_control, names="value")
        self.session.listen("spec", self._on_spec)
        self.children = [self.dataset_picker, self.n_samples, self.noise, self.test_size,
                         self.dataset_options, self.seed, self.error, self.info, self.figure]
        self.redraw()

    # controls -> spec
    def _on_control(self, change):
        if self._syncing:
            return
        # A new dataset starts from its own defaults, not the old dataset's options.
        options = (dict(self.spec.dataset.options)
                   if self.dataset_picker.value == self.spec.dataset.name else {})
        self._apply(options)

    def _on_option(self, key, value):
        """A dataset option changed: store it (only when it differs from its default)."""
        if self._syncing:
            return
        field = self.dataset_options.fields[key]
        self._apply(updated_options(self.spec.dataset.options, field, value))

    def _on_option_error(self, exc):
        from .session import error_message

        self.error.value = message_html(error_message(exc))

    def _apply(self, options):
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
                                 "options": options},
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
            _fit_range(self.test_size, s.dataset.test_size)
            self.test_size.value = s.dataset.test_size
            self.dataset_options.set_fields(dataset_fields(s.dataset.name))
            self.dataset_options.set_values(s.dataset.options)
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
