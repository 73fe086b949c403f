"""Training monitor: Train / Stop / Reset, live loss curve, score, progress, status."""

from __future__ import annotations

import base64
import html
import json
import math

import ipywidgets as W

from .. import viz
from ._common import Panel, figure_widget, sync_figure


def format_scores(scores) -> str:
    """``train 0.950 · test 0.900`` from the engine's scores (a mapping), or ''."""
    if not scores:
        return ""
    if not isinstance(scores, dict):
        return str(scores)
    parts = []
    for key in ("train", "train_score", "test", "test_score"):
        v = scores.get(key)
        if isinstance(v, (int, float)) and math.isfinite(v):
            parts.append(f"{key.replace('_score', '')} {v:.3f}")
    for key, v in scores.items():
        if key not in ("train", "train_score", "test", "test_score") and isinstance(v, (int, float)):
            parts.append(f"{key} {v:.3g}")
    return " · ".join(parts)


def _one_shot(session) -> bool:
    """A model fitted in one go (no optimizer steps): kernel SVMs, classical models."""
    from ..engine import models

    entry = models.MODELS.get(session.spec.model.name)
    return entry is not None and not entry.uses_optimizer


def _what_ran(session, run, steps: int) -> str:
    """"12 steps" for an iterative fit; what happened instead for a model fitted in
    one go (a kernel matrix and an SVM, a classical fit): its "steps" are not steps."""
    from ..engine import models

    spec = session.spec
    entry = models.MODELS.get(spec.model.name)
    if entry is None or entry.kind == "variational" or steps > 2:
        return f"{steps} steps"
    ds = run.dataset if run is not None else None
    n = len(ds.X_train) if ds is not None else None
    points = f" on {n} points" if n else ""
    if entry.kind == "kernel":
        size = f"{n}×{n} " if n else ""
        return f"{size}kernel matrix computed and {entry.label} fitted"
    return f"{entry.label} fitted{points}"


def _score_name(session) -> str:
    ds = session.dataset
    return "R²" if ds is not None and ds.task == "regression" else "accuracy"


class TrainingMonitor(Panel):
    """Hideable controls: ``reset``, ``progress``, ``loss``."""

    css_class = "qb-training-monitor"

    def __init__(self, session=None, spec=None):
        super().__init__(session, spec)
        self.train_button = W.Button(description="Train", button_style="success", icon="play",
                                     tooltip="fit the model of the current settings")
        self.train_button.add_class("qb-train")
        self.stop_button = W.Button(description="Stop", button_style="danger", icon="stop",
                                    disabled=True, tooltip="stop; keeps what was learned")
        self.stop_button.add_class("qb-stop")
        self.reset_button = W.Button(description="Reset", icon="undo",
                                     tooltip="forget the trained model and the curve")
        self.reset_button.add_class("qb-reset")
        self.progress = W.IntProgress(value=0, min=0, max=self.spec.optimizer.maxiter,
                                      description="", layout=W.Layout(width="300px"))
        self.progress.add_class("qb-progress")
        self.elapsed = W.Label("")
        self.elapsed.add_class("qb-elapsed")
        self.status = W.HTML("ready")
        self.status.add_class("qb-status")
        self.score = W.HTML("")
        self.score.add_class("qb-score")
        # The numbers of the last run, to keep: history, the model's weights, scores.
        self.download = W.HTML("")
        self.download.add_class("qb-run-download-box")
        self._view_error = ""
        self.loss_figure = figure_widget(viz.loss_curve([], score_name=_score_name(self.session)),
                                         "qb-loss")
        self.controls = {"reset": self.reset_button, "progress": self.progress,
                         "loss": self.loss_figure}
        self.train_button.on_click(self._on_train)
        self.stop_button.on_click(self._on_stop)
        self.reset_button.on_click(self._on_reset)
        for event, fn in (("run_started", self._on_started), ("progress", self._on_progress),
                          ("run_ended", self._on_ended), ("reset", self._on_reset_done),
                          ("error", self._on_error), ("stale", self._on_stale)):
            self.session.listen(event, fn)
        # The time taken is part of the status line at the end of a run; ``elapsed`` keeps
        # it for code that reads it, off the screen so it is not said twice.
        self.children = [
            W.HBox([self.train_button, self.stop_button, self.reset_button]),
            self.progress, self.status, self.score, self.download, self.stale_label,
            self.loss_figure]

    # buttons (kernel message loop; the work happens in the engine's thread)
    def _on_train(self, _button=None):
        if self.session.running:
            return
        self.train_button.disabled = True
        try:
            self.session.train()
        except Exception as exc:  # never silent: whatever escapes lands in the status
            from .session import error_message

            self._set_status("error", error_message(exc))
            self.train_button.disabled = False

    def _on_stop(self, _button=None):
        self.stop_button.disabled = True
        self.status.value = "stopping…"
        self.session.stop()

    def _on_reset(self, _button=None):
        self.session.reset()

    # session events
    def _on_stale(self, stale):
        self.set_stale(stale and bool(self.session.history), self.loss_figure, self.score)

    def _on_started(self, spec):
        from ..engine import models

        self.set_stale(False, self.loss_figure, self.score)
        self.train_button.disabled = True
        self.stop_button.disabled = False
        self.progress.max = models.planned_steps(spec)
        self.progress.value = 0
        self.progress.bar_style = "info"
        self.score.value = ""
        self.download.value = ""
        self.elapsed.value = ""
        self._view_error = ""
        self.status.value = f"running: {html.escape(spec.model.name)}…"
        sync_figure(self.loss_figure, viz.loss_curve([], score_name=_score_name(self.session)))

    def _plot_history(self, points, history):
        # the run's own history: one entry per step, with its loss and any scores
        fig = viz.loss_curve(history, score_name=_score_name(self.session))
        if _one_shot(self.session) and len(points) <= 2:
            # a kernel SVM or a classical model has no curve: say so, not a lone dot
            fig.layout.title.text = "Fitted in one go: no loss curve"
        sync_figure(self.loss_figure, fig)

    def _on_progress(self, points, history, elapsed, final):
        self._plot_history(points, history)
        self.elapsed.value = f"{elapsed:.1f} s"
        if points:
            step, loss, _ = points[-1]
            self.progress.value = min(len(points), self.progress.max)
            if not final and self.session.running:
                loss_text = f", loss {loss:.4f}" if loss is not None else ""
                phase = history[-1].get("phase") if history else None
                phase_text = f" ({html.escape(str(phase))})" if phase else ""
                self.status.value = (f"running: step {step}{loss_text}{phase_text}, "
                                     f"{elapsed:.1f} s" + self._view_error)
        scores = [h for h in history if h.get("test_score") is not None
                  or h.get("train_score") is not None]
        if scores:
            last = scores[-1]
            self._show_scores({"train": last.get("train_score"), "test": last.get("test_score")})

    def _on_ended(self, run, status, model):
        self.train_button.disabled = False
        self.stop_button.disabled = True
        elapsed = self.session.elapsed()
        self.elapsed.value = f"{elapsed:.1f} s"
        if run is not None:
            self._show_scores(run.scores)
            self.download.value = run_download_link(run)
        if status == "error":
            self.progress.bar_style = "danger"
            self._set_status("error", self.session.message)
            return
        self.progress.bar_style = "success" if status == "done" else "warning"
        if status == "done":
            self.progress.value = self.progress.max
        steps = run.steps if run is not None else 0
        # The scores have their own line (self.score): said once, not here again.
        text = f"{status}: {_what_ran(self.session, run, steps)} in {elapsed:.1f} s"
        if status == "stopped":
            text += " (the model keeps what it learned)"
        text += _path_note(run)
        self.status.value = text + self._view_error

    def _show_scores(self, scores) -> None:
        """The score line: what the numbers are (accuracy or R²), then train and test."""
        text = format_scores(scores)
        if text:
            self.score.value = (f"<b>{html.escape(_score_name(self.session))}</b>: "
                                f"{html.escape(text)}")

    def _on_reset_done(self):
        self.set_stale(False, self.loss_figure, self.score)
        self.train_button.disabled = False
        self.stop_button.disabled = True
        self.progress.value = 0
        self.progress.bar_style = ""
        self.elapsed.value = ""
        self.score.value = ""
        self.download.value = ""
        self.status.value = "ready"
        self._view_error = ""
        sync_figure(self.loss_figure, viz.loss_curve([], score_name=_score_name(self.session)))

    def _on_error(self, message, detail=""):
        # A view failed (not training): show it until the next run, do not touch the run.
        self._view_error = f"<br><span style='color:#B00020'>{html.escape(message)}</span>"
        self.status.value = self.status.value.split("<br>")[0] + self._view_error

    def _set_status(self, kind, message):
        self.status.value = (f"<span style='color:#B00020'>{html.escape(kind)}: "
                             f"{html.escape(message or 'unknown error')}</span>")


def run_download_link(run) -> str:
    """An HTML link that saves the run's JSON (``Run.to_dict``) as ``run.json``."""
    try:
        data = json.dumps(run.to_dict()).encode()
    except Exception as exc:  # noqa: BLE001 - the link is a convenience, never a crash
        return f"<small>(run not downloadable: {html.escape(type(exc).__name__)})</small>"
    href = "data:application/json;base64," + base64.b64encode(data).decode("ascii")
    return (f"<a class='qb-run-download' download='run.json' href='{href}' "
            f"title='history, weights and scores of this run as JSON'>"
            f"<small>download this run (JSON, {len(data) / 1024:.0f} kB)</small></a>")


def _path_note(run) -> str:
    """Which execution path ran, and why it fell back, in small print under the status."""
    path = run.path if run is not None else None
    if not path:
        return ""
    note = f"<div><small>ran on: {html.escape(str(path))}"
    reason = run.fallback_reason
    if reason:
        note += f" (fell back: {html.escape(str(reason))})"
    return note + "</small></div>"
