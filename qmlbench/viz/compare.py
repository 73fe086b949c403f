"""Model comparison: train and test scores side by side."""

from __future__ import annotations

import math

import plotly.graph_objects as go

from ._style import base_layout


def score_bars(scores, title: str = "Scores", score_name: str = "score") -> go.Figure:
    """``scores`` maps a model label to ``{"train": x, "test": y}`` (missing or None values
    are drawn as gaps). Two traces, always: 0 = train, 1 = test, one bar per model."""
    names = list(scores)
    def get(name, key):
        v = (scores[name] or {}).get(key)
        return float(v) if v is not None and math.isfinite(float(v)) else None
    train = [get(n, "train") for n in names]
    test = [get(n, "test") for n in names]
    fig = go.Figure(layout=base_layout(title, barmode="group",
                                       yaxis=dict(title=score_name, rangemode="tozero")))
    fig.add_trace(go.Bar(x=names, y=train, name="train", uid="train", marker_color="#0072B2",
                         text=[f"{v:.3f}" if v is not None else "" for v in train],
                         textposition="outside"))
    fig.add_trace(go.Bar(x=names, y=test, name="test", uid="test", marker_color="#E69F00",
                         text=[f"{v:.3f}" if v is not None else "" for v in test],
                         textposition="outside"))
    return fig
