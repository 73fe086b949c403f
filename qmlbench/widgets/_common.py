"""What every panel shares: the base class, figure syncing, hiding controls."""

from __future__ import annotations

import contextlib
import html

import ipywidgets as W
import plotly.graph_objects as go

from .session import Session, error_message


def figure_widget(fig: go.Figure, css_class: str | None = None) -> go.FigureWidget:
    """A FigureWidget holding every trace ``fig`` has (Voila shows only traces present at
    construction; later updates assign whole arrays to these)."""
    fw = go.FigureWidget(fig)
    if css_class:
        fw.add_class(css_class)
    return fw


def sync_figure(fw: go.FigureWidget, fig: go.Figure) -> None:
    """Copy ``fig`` into the live widget ``fw`` in one batch.

    With the same traces (count and types, as every qmlbench builder keeps),
    each trace's properties are replaced wholesale; properties the new trace
    leaves unset are cleared, so nothing stale survives (an old colour array,
    an old colour scale).
    """
    same = (len(fw.data) == len(fig.data)
            and all(a.type == b.type for a, b in zip(fw.data, fig.data)))
    with fw.batch_update():
        if same:
            for live, new in zip(fw.data, fig.data):
                new_json = new.to_plotly_json()
                new_json.pop("type", None)
                new_json.pop("uid", None)  # a FigureWidget keeps its own trace ids
                stale = {k: None for k in live.to_plotly_json()
                         if k not in new_json and k not in ("type", "uid")}
                if stale:
                    live.update(stale)
                live.update(new_json, overwrite=True)
        else:
            # Only in JupyterLab does this reliably redraw; qmlbench's builders avoid it.
            fw.data = []
            fw.add_traces(list(fig.data))
        fw.layout = fig.layout


class Panel(W.VBox):
    """A panel over a :class:`Session`. ``controls`` maps hideable names to widgets."""

    css_class = ""

    def __init__(self, session: Session | None = None, spec=None, **kwargs):
        super().__init__(**kwargs)
        self.session = session if session is not None else Session(spec)
        self.controls: dict[str, W.Widget] = {}
        self._syncing = False
        if self.css_class:
            self.add_class(self.css_class)

    @property
    def spec(self):
        return self.session.spec

    @contextlib.contextmanager
    def syncing(self):
        """Controls set from the spec inside this block do not write back to it."""
        old, self._syncing = self._syncing, True
        try:
            yield
        finally:
            self._syncing = old

    def hide(self, names) -> list[str]:
        """Hide the named controls; returns the names this panel knows."""
        done = []
        for name in names:
            w = self.controls.get(name)
            if w is not None:
                w.layout.display = "none"
                done.append(name)
        return done

    def show(self, names) -> None:
        for name in names:
            w = self.controls.get(name)
            if w is not None:
                w.layout.display = None


def message_html(text: str, kind: str = "error") -> str:
    if not text:
        return ""
    color = {"error": "#B00020", "warning": "#8A5300", "info": "#333333"}[kind]
    return f"<span style='color:{color}'>{html.escape(text, quote=False)}</span>"


def apply_or_report(panel: Panel, out: W.HTML, check=None, **sections) -> bool:
    """``session.update(**sections)``; a bad value shows its message in ``out`` and the
    controls go back to the spec's values. ``check(candidate_spec)`` may refuse more
    (by raising) before anything changes. Returns whether it applied."""
    try:
        if check is not None:
            check(panel.session.spec.replace(**sections))
        panel.session.update(**sections)
    except Exception as exc:
        out.value = message_html(error_message(exc))
        if hasattr(panel, "refresh_controls"):
            panel.refresh_controls()
        return False
    out.value = ""
    return True
