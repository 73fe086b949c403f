"""Model panel: model, optimizer, iterations, learning rate, shots, hyper-parameters.

Only what applies is shown: the optimizer settings for models that train
weights, the learning rate for optimizers that take one, shots for quantum
models.
"""

from __future__ import annotations

import html
import math

import ipywidgets as W

from ._common import Panel, apply_or_report, message_html, updated_options
from .noise import NoiseControls
from .schema_form import SchemaForm, field_for
from ..engine.models import compat
from .session import dataset_task, error_message

SHOTS = [("exact", 0), ("128", 128), ("256", 256), ("1024", 1024), ("4096", 4096),
         ("8192", 8192)]


def _model_options(task, inputs=None):
    from ..engine import models

    names = models.models_for(task) if task else list(models.MODELS)
    if inputs is not None:      # quantum data (states) and features take different models
        names = [n for n in names if models.MODELS[n].inputs == inputs]
    quantum = [n for n in names if models.MODELS[n].quantum]
    classical = [n for n in names if not models.MODELS[n].quantum]
    return [(f"{models.MODELS[n].label} ({n})", n) for n in quantum + classical]


#: Shorter labels for hyper-parameters whose names do not fit the label column (the
#: engine's Option ``label`` wins when it declares one).
PARAM_LABELS = {"max_iter": "iterations", "num_steps": "steps", "interpretation": "classes by"}


def param_field(key: str, param):
    """The typed control for one hyper-parameter (an engine Option)."""
    f = field_for(param if param.name == key else param.with_(name=key))
    if not f.label and key in PARAM_LABELS:
        from dataclasses import replace

        f = replace(f, label=PARAM_LABELS[key])
    return f


def param_fields(model_name: str):
    from ..engine import models

    entry = models.MODELS.get(model_name)
    return [param_field(k, p) for k, p in (entry.params if entry else {}).items()]


def _visible(widget, flag: bool) -> None:
    widget.layout.display = None if flag else "none"


class ModelPanel(Panel):
    """Hideable controls: ``model``, ``model_params``, ``optimizer``, ``maxiter``,
    ``learning_rate``, ``shots``, ``noise_model``."""

    css_class = "qb-model-panel"

    def __init__(self, session=None, spec=None):
        super().__init__(session, spec)
        from ..engine import optimizers

        s = self.spec
        self._user_hidden: set[str] = set()
        style = {"description_width": "90px"}
        self.model = W.Dropdown(options=self._options_for(s), value=s.model.name,
                                description="model", style=style,
                                layout=W.Layout(width="360px"))
        self.model.add_class("qb-model")
        # One typed control per hyper-parameter of the selected model (no JSON to type).
        self.model_params = SchemaForm("model.params", self._on_param, self._on_param_error,
                                       style=style, css_class="qb-model-params")
        self.model_params.set_fields(param_fields(s.model.name))
        self.model_params.set_values(s.model.params)
        self.params_help = W.HTML()
        self.optimizer = W.Dropdown(options=[(e.label, n) for n, e in optimizers.OPTIMIZERS.items()],
                                    value=s.optimizer.name, description="optimizer", style=style)
        self.optimizer.add_class("qb-optimizer")
        # iterations and learning rate: span, label and help from the engine's Options
        it, lr = optimizers.MAXITER, optimizers.LEARNING_RATE
        self.maxiter = W.IntSlider(value=s.optimizer.maxiter, min=it.low,
                                   max=max(it.ui_range[1], s.optimizer.maxiter),
                                   description=it.label, continuous_update=False, style=style,
                                   tooltip=it.help)
        self.maxiter.add_class("qb-maxiter")
        self.learning_rate = W.FloatLogSlider(value=s.optimizer.learning_rate or 0.1, base=10,
                                              min=math.log10(lr.ui_range[0]),
                                              max=math.log10(lr.ui_range[1]), step=0.1,
                                              description=lr.label, continuous_update=False,
                                              readout_format=".3g", style=style, tooltip=lr.help)
        self.learning_rate.add_class("qb-learning-rate")
        self.shots = W.Dropdown(options=SHOTS, value=s.execution.shots or 0, description="shots",
                                style=style)
        if s.execution.shots and s.execution.shots not in dict(SHOTS).values():
            self.shots.options = SHOTS + [(str(s.execution.shots), s.execution.shots)]
            self.shots.value = s.execution.shots
        self.shots.add_class("qb-shots")
        self.error = W.HTML()
        self.error.add_class("qb-model-error")
        self.description = W.HTML()
        self.controls = {"model": self.model, "model_params": self.model_params,
                         "optimizer": self.optimizer, "maxiter": self.maxiter,
                         "learning_rate": self.learning_rate, "shots": self.shots}
        for name, w in self.controls.items():
            if name != "model_params":  # the form reports its own changes
                w.observe(self._on_control, names="value")
        # noise (execution.noise) writes itself and reports into this panel's error line
        self.noise_model = self.controls["noise_model"] = NoiseControls(self.session, self.error)
        self.session.listen("spec", self._on_spec)
        self.children = [self.model, self.description, self.model_params, self.params_help,
                         self.optimizer, self.maxiter, self.learning_rate, self.shots,
                         self.noise_model, self.error]
        self._apply_visibility()

    @staticmethod
    def _options_for(spec):
        try:
            task = dataset_task(spec.dataset.name)
            inputs = compat.dataset_inputs(spec.dataset.name)
        except Exception:
            task = inputs = None
        opts = _model_options(task, inputs)
        if spec.model.name not in [v for _, v in opts]:
            opts = _model_options(None)
        return opts

    def _on_control(self, change):
        if self._syncing:
            return
        owner = change["owner"]
        if owner is self.model:
            params = {}  # another model's hyper-parameters would not apply
        else:
            params = dict(self.spec.model.params)
        self._apply(params, owner)

    def _on_param(self, key, value):
        """A hyper-parameter control changed: store it (only when it differs from its default)."""
        if self._syncing:
            return
        field = self.model_params.fields[key]
        self._apply(updated_options(self.spec.model.params, field, value), self.model_params)

    def _on_param_error(self, exc):
        self.error.value = message_html(error_message(exc))

    def _apply(self, params, owner):
        from ..engine import optimizers

        opt = self.optimizer.value
        takes_rate = optimizers.OPTIMIZERS[opt].learning_rate_arg is not None
        rate = self.spec.optimizer.learning_rate
        if owner is self.learning_rate:
            rate = float(self.learning_rate.value)
        if not takes_rate:
            rate = None
        changes = dict(model={"name": self.model.value, "params": params},
                       optimizer={"name": opt, "maxiter": int(self.maxiter.value),
                                  "learning_rate": rate,
                                  "options": (dict(self.spec.optimizer.options)
                                              if opt == self.spec.optimizer.name else {})},
                       execution={"shots": self.shots.value or None})
        apply_or_report(self, self.error, **changes)

    def refresh_controls(self):
        s = self.spec
        with self.syncing():
            self.model.options = self._options_for(s)
            self.model.value = s.model.name
            self.model_params.set_fields(param_fields(s.model.name))
            self.model_params.set_values(s.model.params)
            self.optimizer.value = s.optimizer.name
            self.maxiter.max = max(self.maxiter.max, s.optimizer.maxiter)
            self.maxiter.value = s.optimizer.maxiter
            if s.optimizer.learning_rate is not None:
                self.learning_rate.value = s.optimizer.learning_rate
            shots = s.execution.shots or 0
            if shots not in [v for _, v in self.shots.options]:
                self.shots.options = list(self.shots.options) + [(str(shots), shots)]
            self.shots.value = shots
        self._apply_visibility()

    def _on_spec(self, old, new):
        self.refresh_controls()

    def _apply_visibility(self):
        from ..engine import models, optimizers

        s = self.spec
        entry = models.MODELS[s.model.name]
        uses_opt = entry.uses_optimizer
        shown = {
            "optimizer": uses_opt, "maxiter": uses_opt,
            "learning_rate": uses_opt and optimizers.OPTIMIZERS[s.optimizer.name].learning_rate_arg
            is not None,
            "shots": entry.quantum,
            "noise_model": entry.quantum,
            "model_params": bool(entry.params),
        }
        for name, flag in shown.items():
            w = self.controls[name]
            _visible(w, flag and name not in self._user_hidden)
        kind = {"kernel": "quantum kernel", "variational": "variational quantum",
                "classical": "classical baseline"}.get(entry.kind, entry.kind)
        self.description.value = (f"<small><i>{html.escape(kind)}</i>: "
                                  f"{html.escape(entry.description or entry.label)}</small>")
        # The help for each hyper-parameter sits under its control.
        self.params_help.value = ""
        _visible(self.params_help, False)

    def hide(self, names):
        done = super().hide(names)
        self._user_hidden.update(done)
        self._apply_visibility()
        return done
