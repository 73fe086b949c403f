"""Compare: the current model and a classical baseline on the same data, scores side by side.

The baseline is part of the screen's state (``session.state.compare``); the training is
the engine's (:func:`qmlbench.engine.training.compare`, two ``Run``\\ s one after the other).
"""

from __future__ import annotations

import html

import ipywidgets as W

from .. import viz
from ..engine import training
from ..engine.models import compat
from ._common import Panel, figure_widget, message_html, sync_figure
from .session import error_message


def normalise_scores(scores) -> dict:
    """``{"train": x, "test": y}`` from the engine's scores mapping."""
    scores = dict(scores or {})
    return {"train": scores.get("train"), "test": scores.get("test")}


class ComparePanel(Panel):
    """Hideable controls: ``baseline``. ``comparison`` is the engine's latest
    :class:`~qmlbench.engine.training.Comparison`; ``results`` its scores once done."""

    css_class = "qb-compare-panel"

    def __init__(self, session=None, spec=None, timeout: float = 600.0):
        super().__init__(session, spec)
        self.timeout = timeout
        style = {"description_width": "90px"}
        self.baseline = W.Dropdown(options=self._options(), description="baseline", style=style)
        self.baseline.value = self._baseline()
        self.baseline.add_class("qb-baseline")
        self.compare_button = W.Button(description="Compare", icon="balance-scale")
        self.compare_button.add_class("qb-compare")
        self.status = W.HTML("")
        self.status.add_class("qb-compare-status")
        self.figure = figure_widget(viz.score_bars({}), "qb-compare-plot")
        self.results: dict = {}
        self.comparison: training.Comparison | None = None
        self.controls = {"baseline": self.baseline}
        self.compare_button.on_click(lambda _b: self.compare())
        self.baseline.observe(self._on_baseline, names="value")
        self.session.listen("spec", self._on_spec)
        self.session.listen("state", self._on_state)
        self.children = [W.HBox([self.baseline, self.compare_button]), self.status,
                         self.stale_label, self.figure]

    # --- the baseline lives in the session's state --------------------------------
    def _task(self):
        return compat.dataset_task(self.spec.dataset.name)

    def _options(self):
        return compat.baselines_for(self._task())

    def _baseline(self):
        return self.session.state.compare.resolved(self._task())

    def _show_baseline(self):
        with self.syncing():
            options = self._options()
            if list(self.baseline.options) != options:
                self.baseline.options = options
            self.baseline.value = self._baseline()

    def _on_baseline(self, change):
        if self._syncing or change["new"] is None:
            return
        if change["new"] != self.session.state.compare.baseline:
            self.session.update_state(compare={"baseline": change["new"], "params": {}})

    def _on_spec(self, old, new):
        if self.results:
            self.set_stale(True, self.figure)
        if old.dataset.name != new.dataset.name:
            self._show_baseline()

    def _on_state(self, parts, state):
        if "compare" in parts:
            self._show_baseline()

    # --- comparing ---------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.comparison is not None and not self.comparison.done

    def compare(self, wait: bool = False):
        """Train the current model and then the baseline (the engine's runs, in the
        background); ``wait=True`` blocks until both end. Returns the comparison."""
        if self.running:
            return self.comparison
        spec = self.spec
        baseline = self.baseline.value
        params = self.session.state.compare.params if baseline == \
            self.session.state.compare.baseline else {}
        self.compare_button.disabled = True
        self.status.value = (f"training {html.escape(spec.model.name)} and "
                             f"{html.escape(str(baseline))}…")
        try:
            ds = self.session.get_dataset()
            self.comparison = training.compare(spec, baseline, params=params, dataset=ds,
                                               on_end=self._on_end)
        except Exception as exc:
            self.status.value = message_html(f"error: {error_message(exc)}")
            self.compare_button.disabled = False
            return None
        if wait:
            try:
                self.comparison.wait(self.timeout)
            except Exception:  # noqa: BLE001 - on_end has put it in the status line
                pass
        return self.comparison

    def _on_end(self, comparison):
        # runs in the engine's training thread; setting widget traits from it works
        if comparison.error is not None:
            self.status.value = message_html(f"error: {error_message(comparison.error)}")
            self.compare_button.disabled = False
            return
        results = comparison.results
        times = comparison.times
        self.results = results
        ds = comparison.dataset
        sync_figure(self.figure, viz.score_bars(
            results, title="Same data, same split",
            score_name="R²" if ds.task == "regression" else "accuracy"))
        self.set_stale(False, self.figure)
        rows = "".join(
            f"<tr><td>{html.escape(n)}</td><td>{_fmt(r['train'])}</td><td>{_fmt(r['test'])}</td>"
            f"<td>{times[n]:.2f} s</td></tr>" for n, r in results.items())
        self.status.value = ("done<table class='qb-compare-table'><tr><th>model</th><th>train</th>"
                             f"<th>test</th><th>time</th></tr>{rows}</table>")
        self.compare_button.disabled = False


def _fmt(v) -> str:
    return "–" if v is None else f"{v:.3f}"
