"""A study's table as a figure: a score against the dimension (or any column), one line per
model, the mean over seeds with its standard error as error bars.

    table = qb.study.run("study.json", out="results/s")
    qb.viz.study_figure(table).show()                      # test score against dimension
    qb.viz.study_figure(table, x="layers", y="variance", by="cost", log_y=True)  # a plateau study
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ._style import CLASS_COLORS, base_layout

__all__ = ["study_figure", "study_series"]


def _rows(table) -> list[dict]:
    if hasattr(table, "to_dict"):       # a pandas DataFrame
        return table.to_dict("records")
    return [dict(r) for r in table]


def _number(v):
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _sort_key(v):
    return (0, float(v), "") if _number(v) is not None else (1, 0.0, str(v))


def study_series(table, x: str = "dimension", y: str = "test_score", by: str = "model",
                 facet: str | None = None) -> dict:
    """``{facet value: {line name: (xs, means, stderrs, counts)}}`` over the finished rows
    (status "done", a finite ``y``), the mean over every row sharing ``(facet, by, x)``."""
    groups: dict = {}
    for row in _rows(table):
        if row.get("status", "done") != "done" or _number(row.get(y)) is None:
            continue
        f = row.get(facet) if facet else None
        groups.setdefault(f, {}).setdefault(row.get(by), {}).setdefault(row.get(x), []).append(
            _number(row[y]))
    out = {}
    for f in sorted(groups, key=_sort_key):
        lines = {}
        for name, points in groups[f].items():
            xs = sorted(points, key=_sort_key)
            means, errs, counts = [], [], []
            for v in xs:
                vals = points[v]
                m = sum(vals) / len(vals)
                sd = math.sqrt(sum((a - m) ** 2 for a in vals) / (len(vals) - 1)) if len(vals) > 1 else 0.0
                means.append(m)
                errs.append(sd / math.sqrt(len(vals)))
                counts.append(len(vals))
            lines[name] = (xs, means, errs, counts)
        out[f] = lines
    return out


def study_figure(table, x: str = "dimension", y: str = "test_score", by: str = "model",
                 facet: str | None = "dataset", title: str | None = None,
                 log_y: bool = False) -> go.Figure:
    """``y`` against ``x``, one line per value of ``by`` (a model), one panel per value of
    ``facet`` (a dataset; None for one panel).  ``table``: what ``qb.study.run`` returns (a
    DataFrame or a list of records).  Each trace is named after its line, with
    ``uid = "<facet>/<line>"``, and the same line keeps its colour in every panel."""
    rows = _rows(table)
    if facet and not any(facet in r for r in rows):
        facet = None
    series = study_series(rows, x, y, by, facet)
    panels = list(series) or [None]
    fig = make_subplots(rows=1, cols=len(panels), shared_yaxes=True,
                        subplot_titles=[str(p) for p in panels] if facet else None)
    names = []
    for lines in series.values():
        names += [n for n in lines if n not in names]
    color = {n: CLASS_COLORS[i % len(CLASS_COLORS)] for i, n in enumerate(names)}
    shown = set()    # one legend entry per line, in the first panel that has it
    for col, panel in enumerate(panels, start=1):
        for name, (xs, means, errs, counts) in series.get(panel, {}).items():
            fig.add_trace(go.Scatter(
                x=xs, y=means, error_y=dict(type="data", array=errs, visible=True),
                mode="lines+markers", name=str(name), uid=f"{panel}/{name}",
                legendgroup=str(name), showlegend=name not in shown,
                line=dict(color=color[name]), customdata=counts,
                hovertemplate=f"{by} {name}<br>{x} %{{x}}<br>{y} %{{y:.4g}} ± %{{error_y.array:.2g}}"
                              f"<br>%{{customdata}} cells<extra></extra>"),
                row=1, col=col)
            shown.add(name)
    fig.update_layout(base_layout(title or f"{y.replace('_', ' ')} against {x}",
                                  width=max(440, 360 * len(panels)), legend_title_text=by))
    fig.update_xaxes(title_text=x)
    fig.update_yaxes(title_text=y.replace("_", " "), col=1)
    if log_y:
        fig.update_yaxes(type="log")
    return fig
