"""Loss curve of a run: the training loss per step, and scores as they come."""

from __future__ import annotations

import math

import plotly.graph_objects as go

from ._style import base_layout

LOSS_COLOR = "#0072B2"
TRAIN_SCORE_COLOR = "#009E73"
TEST_SCORE_COLOR = "#D55E00"


def _finite(v) -> bool:
    return v is not None and isinstance(v, (int, float)) and math.isfinite(v)


def loss_series(history) -> dict:
    """Plain arrays from a run's history (a list of dicts with ``step``, ``loss``,
    ``train_score``, ``test_score``); entries without a value are skipped per series."""
    out = {"step": [], "loss": [], "train_step": [], "train_score": [], "test_step": [],
           "test_score": []}
    for i, h in enumerate(history or ()):
        step = h.get("step", i)
        if _finite(h.get("loss")):
            out["step"].append(step)
            out["loss"].append(float(h["loss"]))
        if _finite(h.get("train_score")):
            out["train_step"].append(step)
            out["train_score"].append(float(h["train_score"]))
        if _finite(h.get("test_score")):
            out["test_step"].append(step)
            out["test_score"].append(float(h["test_score"]))
    return out


def loss_curve(history=(), title: str = "Training loss", score_name: str = "score") -> go.Figure:
    """Three traces, always: 0 = training loss (one point per step), 1 = train score,
    2 = test score (scores on the right-hand axis)."""
    s = loss_series(history)
    fig = go.Figure(layout=base_layout(
        title, xaxis=dict(title="step", rangemode="tozero"),
        yaxis=dict(title="loss"),
        yaxis2=dict(title=score_name, overlaying="y", side="right", showgrid=False,
                    rangemode="tozero"),
    ))
    fig.add_trace(go.Scatter(x=s["step"], y=s["loss"], mode="lines+markers", name="train loss",
                             uid="loss", line=dict(color=LOSS_COLOR), marker=dict(size=4)))
    fig.add_trace(go.Scatter(x=s["train_step"], y=s["train_score"], mode="lines+markers",
                             name=f"train {score_name}", uid="train_score", yaxis="y2",
                             line=dict(color=TRAIN_SCORE_COLOR, dash="dot")))
    fig.add_trace(go.Scatter(x=s["test_step"], y=s["test_score"], mode="lines+markers",
                             name=f"test {score_name}", uid="test_score", yaxis="y2",
                             line=dict(color=TEST_SCORE_COLOR, dash="dot")))
    return fig
