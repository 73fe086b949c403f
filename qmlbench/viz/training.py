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


_NICE_STEPS = (0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10, 20, 25, 50, 100)


def score_axis(scores=()) -> dict:
    """The right-hand (score) axis: 0 to 1 with ticks every 0.2, whatever the data, so
    accuracies read the same in every run. Scores below 0 (an R² worse than predicting
    the mean) extend it downwards, still on round ticks through 0."""
    finite = [float(v) for v in scores if _finite(v)]
    low = min([0.0] + finite)
    if low >= 0:
        lo, step = 0.0, 0.2
    else:
        step = next((d for d in _NICE_STEPS if (1 - low) / d <= 6), _NICE_STEPS[-1])
        lo = math.floor(low / step) * step
    pad = 0.02 * (1 - lo)  # points at exactly 0 or 1 are not cut in half
    return dict(range=[lo - pad, 1 + min(pad, 0.05)], tickmode="linear", tick0=0.0, dtick=step,
                autorange=False, zeroline=lo < 0)


def loss_curve(history=(), title: str = "Training loss", score_name: str = "score") -> go.Figure:
    """Three traces, always: 0 = training loss (one point per step), 1 = train score,
    2 = test score (scores on the right-hand axis, see :func:`score_axis`)."""
    s = loss_series(history)
    fig = go.Figure(layout=base_layout(
        title, xaxis=dict(title="step", rangemode="tozero"),
        yaxis=dict(title="loss"),
        yaxis2=dict(title=score_name, overlaying="y", side="right", showgrid=False,
                    **score_axis(s["train_score"] + s["test_score"])),
    ))
    if not s["step"]:
        # Nothing yet: plain 0-1 axes rather than plotly's arbitrary -1..4 for no data.
        fig.update_layout(xaxis_range=[0, 10], yaxis_range=[0, 1])
    else:
        # explicit, so a live figure that showed the empty ranges lets them go
        fig.update_layout(xaxis_autorange=True, yaxis_autorange=True)
    fig.add_trace(go.Scatter(x=s["step"], y=s["loss"], mode="lines+markers", name="train loss",
                             uid="loss", line=dict(color=LOSS_COLOR), marker=dict(size=4)))
    fig.add_trace(go.Scatter(x=s["train_step"], y=s["train_score"], mode="lines+markers",
                             name=f"train {score_name}", uid="train_score", yaxis="y2",
                             line=dict(color=TRAIN_SCORE_COLOR, dash="dot")))
    fig.add_trace(go.Scatter(x=s["test_step"], y=s["test_score"], mode="lines+markers",
                             name=f"test {score_name}", uid="test_score", yaxis="y2",
                             line=dict(color=TEST_SCORE_COLOR, dash="dot")))
    return fig
