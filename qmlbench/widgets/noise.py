"""Noise controls for the Model panel: a noise model and sliders for its strengths.

The controls are generated from the engine's option schema of each noise model
(``engine.execution.noise.NOISE_MODELS``), the same schema that validates
``execution.noise`` in a spec; a value the engine refuses (T2 above 2 T1, a circuit too
wide for density matrices) shows its message in the panel's error line and the controls
go back to the spec.  Writing goes through the session (``execution.noise``), so the
setting is in the workbench state, its JSON export and share links.

CSS hooks: ``qb-noise`` (the box), ``qb-noise-model`` (Dropdown), ``qb-noise-options``
(the form; each control ``qb-option-<name>``, e.g. ``qb-option-p1``), ``qb-noise-note``.
"""

from __future__ import annotations

import html

import ipywidgets as W

from ..engine.execution import noise as noise_engine
from ..engine.limits import MAX_NOISY_QUBITS
from ._common import message_html
from .schema_form import SchemaForm, field_for
from .session import error_message

#: The dropdown's value for no noise (a Dropdown cannot hold None as a choice).
NONE = "none"

LABELS = {"depolarizing": "depolarizing", "amplitude_damping": "amplitude damping",
          "thermal_relaxation": "thermal relaxation (T1, T2)", "readout": "readout error only",
          "backend": "a device's noise (backend)"}


def noise_fields(model: str):
    """One control per option of ``model``'s schema that a person can set on screen (a
    BackendV2 object comes from Python, not from a form)."""
    return [field_for(o) for o in noise_engine.NOISE_MODELS[model] if o.kind != "any"]


class NoiseControls(W.VBox):
    """``execution.noise`` of ``session``'s spec as a dropdown and a form; ``error`` is the
    panel's error line."""

    def __init__(self, session, error: W.HTML, style=None):
        super().__init__()
        self.add_class("qb-noise")
        self.session = session
        self.error = error
        self._syncing = False
        style = style or {"description_width": "90px"}
        self.model = W.Dropdown(options=[("none (ideal)", NONE)]
                                + [(LABELS.get(n, n), n) for n in noise_engine.NOISE_MODELS],
                                value=NONE, description="noise", style=style,
                                tooltip="a channel after every gate (exact on density matrices)")
        self.model.add_class("qb-noise-model")
        self.form = SchemaForm("execution.noise", self._on_option, self._on_error, style=style,
                               css_class="qb-noise-options")
        self.note = W.HTML()
        self.note.add_class("qb-noise-note")
        self.model.observe(self._on_model, names="value")
        self.session.listen("spec", lambda old, new: self.refresh())
        self.children = [self.model, self.form, self.note]
        self.refresh()

    @property
    def setting(self):
        return self.session.spec.execution.noise

    # --- writing ----------------------------------------------------------------
    def set_noise(self, setting) -> bool:
        """Put ``setting`` (None, or a mapping with ``model``) in the spec; a refused value
        shows the engine's message in the error line.  Returns whether it applied."""
        try:
            self.session.update(execution={"noise": setting})
        except Exception as exc:
            self.error.value = message_html(error_message(exc))
            self.refresh()
            return False
        self.error.value = ""
        return True

    def _on_model(self, change):
        if self._syncing:
            return
        name = change["new"]
        self.set_noise(None if name == NONE else {"model": name})

    def _on_option(self, key, value):
        if self._syncing:
            return
        current = dict(self.setting or {"model": self.model.value})
        current[key] = value
        self.set_noise(current)

    def _on_error(self, exc):
        self.error.value = message_html(error_message(exc))

    # --- showing ----------------------------------------------------------------
    def refresh(self) -> None:
        s = self.setting
        name = NONE if s is None else s["model"]
        old, self._syncing = self._syncing, True
        try:
            self.model.value = name
            if s is None:
                self.form.set_fields([])
            else:
                self.form.set_fields(noise_fields(name))
                self.form.set_values(s)
        finally:
            self._syncing = old
        self.form.layout.display = "none" if s is None else None
        self.note.value = self._note(s)

    def _note(self, s) -> str:
        if s is None:
            return ""
        shots = self.session.spec.execution.shots
        how = (f"sampled, {shots} shots per term" if shots else
               f"exact: batched density matrices, up to {MAX_NOISY_QUBITS} qubits")
        return (f"<small>{html.escape(noise_engine.describe(s))}; {html.escape(how)}. "
                f"After training, moving a slider redraws the noisy boundary with the same "
                f"weights.</small>")
