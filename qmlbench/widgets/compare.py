"""Compare: the current model and a classical baseline on the same data, scores side by side."""

from __future__ import annotations

import html
import threading
import time

import ipywidgets as W

from .. import viz
from ._common import Panel, figure_widget, message_html, sync_figure
from .session import dataset_task, error_message


def normalise_scores(scores) -> dict:
    """``{"train": x, "test": y}`` from the engine's scores mapping (``train``/``train_score``)."""
    scores = dict(scores or {})
    return {"train": scores.get("train", scores.get("train_score")),
            "test": scores.get("test", scores.get("test_score"))}


def _baselines(task):
    from ..engine import models

    names = models.models_for(task) if task else list(models.MODELS)
    return [n for n in names if not models.MODELS[n].quantum]


class ComparePanel(Panel):
    """Hideable controls: ``baseline``."""

    css_class = "qb-compare-panel"

    def __init__(self, session=None, spec=None, timeout: float = 600.0):
        super().__init__(session, spec)
        self.timeout = timeout
        style = {"description_width": "90px"}
        options = _baselines(dataset_task(self.spec.dataset.name))
        self.baseline = W.Dropdown(options=options, value=options[0] if options else None,
                                   description="baseline", style=style)
        self.baseline.add_class("qb-baseline")
        self.compare_button = W.Button(description="Compare", icon="balance-scale")
        self.compare_button.add_class("qb-compare")
        self.status = W.HTML("")
        self.status.add_class("qb-compare-status")
        self.figure = figure_widget(viz.score_bars({}), "qb-compare-plot")
        self.results: dict = {}
        self.thread: threading.Thread | None = None
        self.controls = {"baseline": self.baseline}
        self.compare_button.on_click(lambda _b: self.compare())
        self.session.listen("spec", self._on_spec)
        self.children = [W.HBox([self.baseline, self.compare_button]), self.status, self.figure]

    def _on_spec(self, old, new):
        if old.dataset.name != new.dataset.name:
            options = _baselines(dataset_task(new.dataset.name))
            keep = self.baseline.value if self.baseline.value in options else None
            self.baseline.options = options
            self.baseline.value = keep or (options[0] if options else None)

    def compare(self, wait: bool = False):
        """Train the current model and the baseline in a background thread."""
        if self.thread is not None and self.thread.is_alive():
            return self.thread
        spec = self.spec
        baseline = self.baseline.value
        self.compare_button.disabled = True
        self.status.value = f"training {html.escape(spec.model.name)} and {html.escape(str(baseline))}…"
        self.thread = threading.Thread(target=self._work, args=(spec, baseline), daemon=True,
                                       name="qmlbench-compare")
        self.thread.start()
        if wait:
            self.thread.join(self.timeout)
        return self.thread

    def _work(self, spec, baseline):
        from ..engine import training

        results, times = {}, {}
        try:
            ds = self.session.get_dataset()
            specs = [(spec.model.name, spec)]
            if baseline and baseline != spec.model.name:
                specs.append((baseline, spec.replace(model={"name": baseline, "params": {}})))
            for name, sp in specs:
                t0 = time.perf_counter()
                run = training.train(sp, dataset=ds)
                run.wait(self.timeout)
                if getattr(run, "error", None) is not None:
                    raise run.error
                times[name] = time.perf_counter() - t0
                results[name] = normalise_scores(getattr(run, "scores", None))
        except Exception as exc:
            self.status.value = message_html(f"error: {error_message(exc)}")
            self.compare_button.disabled = False
            return
        self.results = results
        sync_figure(self.figure, viz.score_bars(
            results, title="Same data, same split",
            score_name="R²" if getattr(ds, "task", "") == "regression" else "accuracy"))
        rows = "".join(
            f"<tr><td>{html.escape(n)}</td><td>{_fmt(r['train'])}</td><td>{_fmt(r['test'])}</td>"
            f"<td>{times[n]:.2f} s</td></tr>" for n, r in results.items())
        self.status.value = ("done<table class='qb-compare-table'><tr><th>model</th><th>train</th>"
                             f"<th>test</th><th>time</th></tr>{rows}</table>")
        self.compare_button.disabled = False


def _fmt(v) -> str:
    return "–" if v is None else f"{v:.3f}"
