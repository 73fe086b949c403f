"""Figures of barren-plateau studies, from :class:`~qmlbench.engine.plateau.PlateauResult`.

Trace layout of :func:`variance_figure` (fixed for a given ``slots``, so a
FigureWidget can be built once and refilled): traces ``0 .. slots-1`` are the
configurations' variance lines (error bars = standard error of the variance, the
fitted slope in the legend), traces ``slots .. 2*slots-1`` the matching 2-design
reference values as dashed lines.  A depth-swept result gives one line per layer
count.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from ._style import CLASS_COLORS, base_layout

__all__ = ["variance_figure", "variance_lines", "slope_text", "reference_line", "depth_figure",
           "landscape_figure", "empty_variance_figure", "noise_depth_figure",
           "depth_slope_text"]


def slope_text(rate, err) -> str:
    if rate is None or not math.isfinite(rate):
        return "slope n/a"
    if err is None or not math.isfinite(err):
        return f"slope {rate:+.2f}/qubit"
    return f"slope {rate:+.2f}±{err:.2f}/qubit"


def variance_lines(result) -> list[dict]:
    """Plain data for each line of ``result``: x, y, stderr, name (one per layer count)."""
    q = np.asarray(result.qubits, dtype=float)
    if getattr(result, "noise", None):   # a line of a noise sweep says its noise
        result = _Labelled(result, f"{result.label}, {_noise_name(result)}")
    if result.depth_swept:
        lines = []
        for j, layers in enumerate(result.layers):
            name = f"{result.label.replace('L=swept', f'L={layers}')} · " + slope_text(
                result.decay_rate[j], result.decay_rate_stderr[j])
            lines.append(dict(x=q, y=np.asarray(result.variances)[:, j],
                              err=np.asarray(result.stderr)[:, j], name=name))
        return lines
    return [dict(x=q, y=np.asarray(result.variances, dtype=float),
                 err=np.asarray(result.stderr, dtype=float),
                 name=f"{result.label} · {slope_text(result.decay_rate, result.decay_rate_stderr)}")]


class _Labelled:
    """A result whose ``label`` says more (its noise); everything else is the result's."""

    def __init__(self, result, label):
        self._result, self.label = result, label

    def __getattr__(self, name):
        return getattr(self._result, name)


def reference_line(result) -> dict:
    return dict(x=np.asarray(result.qubits, dtype=float), y=np.asarray(result.reference, dtype=float),
                name=f"2-design value ({result.observable})")


def _color(i: int) -> str:
    return CLASS_COLORS[i % len(CLASS_COLORS)]


def _line_trace(i: int, line: dict | None) -> go.Scatter:
    line = line or dict(x=[], y=[], err=[], name=f"configuration {i + 1}")
    return go.Scatter(x=list(line["x"]), y=list(line["y"]), name=line["name"], uid=f"config{i}",
                      mode="lines+markers", line=dict(color=_color(i), width=2),
                      error_y=dict(type="data", array=list(line["err"]), visible=True, thickness=1),
                      showlegend=bool(len(line["x"])))


def _reference_trace(i: int, ref: dict | None) -> go.Scatter:
    ref = ref or dict(x=[], y=[], name="2-design value")
    return go.Scatter(x=list(ref["x"]), y=list(ref["y"]), name=ref["name"], uid=f"reference{i}",
                      mode="lines", line=dict(color=_color(i), dash="dash", width=1),
                      showlegend=bool(len(ref["x"])), hoverinfo="x+y+name")


def _layout(title: str) -> dict:
    return base_layout(title, xaxis=dict(title="qubits", dtick=1),
                       yaxis=dict(title="Var[∂C/∂θ]", type="log", exponentformat="power"),
                       legend=dict(orientation="h", y=-0.25, font=dict(size=10)), height=460)


def empty_variance_figure(slots: int = 6, title: str = "Gradient variance vs qubits") -> go.Figure:
    return variance_figure([], slots=slots, title=title)


def variance_figure(results, slots: int | None = None, show_reference: bool = True,
                    title: str = "Gradient variance vs qubits") -> go.Figure:
    """Variance against qubits on a log axis for one result or a list of them."""
    if results is None:
        results = []
    elif not isinstance(results, (list, tuple)):
        results = [results]
    lines, refs = [], []
    for res in results:
        for line in variance_lines(res):
            lines.append(line)
            refs.append(reference_line(res) if show_reference else None)
    slots = len(lines) if slots is None else slots
    if len(lines) > slots:
        raise ValueError(f"slots: {slots} is fewer than the {len(lines)} lines to draw")
    lines += [None] * (slots - len(lines))
    refs += [None] * (slots - len(refs))
    # Different configurations with the same observable share one reference: draw it once.
    seen = set()
    for k, ref in enumerate(refs):
        if ref is None:
            continue
        key = (ref["name"], tuple(ref["x"]))
        if key in seen:
            refs[k] = None
        seen.add(key)
    traces = [_line_trace(i, ln) for i, ln in enumerate(lines)]
    traces += [_reference_trace(i, rf) for i, rf in enumerate(refs)]
    return go.Figure(data=traces, layout=_layout(title))


def depth_figure(result, title: str = "Gradient variance vs layers") -> go.Figure:
    """For a depth sweep: one line per qubit count against layers, with each width's
    2-design value dotted; the lines flatten onto their references once deep enough."""
    if not result.depth_swept:
        raise ValueError("depth_figure: the result has a single layer count; sweep layers "
                         "(layers=[...]) to plot against depth")
    traces = []
    L = np.asarray(result.layers, dtype=float)
    for i, n in enumerate(result.qubits):
        traces.append(go.Scatter(
            x=L, y=np.asarray(result.variances)[i], uid=f"qubits{n}", name=f"{n} qubits",
            mode="lines+markers", line=dict(color=_color(i)),
            error_y=dict(type="data", array=np.asarray(result.stderr)[i], visible=True)))
        traces.append(go.Scatter(
            x=[L.min(), L.max()], y=[result.reference[i]] * 2, uid=f"reference{n}",
            name=f"2-design, {n} qubits", mode="lines", showlegend=False,
            line=dict(color=_color(i), dash="dot", width=1)))
    layout = base_layout(title, xaxis=dict(title="layers"),
                         yaxis=dict(title="Var[∂C/∂θ]", type="log", exponentformat="power"))
    return go.Figure(data=traces, layout=layout)


def landscape_figure(landscape, title: str | None = None) -> go.Figure:
    """A 1-D cut (line) or a 2-D grid (heatmap) of the cost through a point."""
    dirs = landscape.directions
    title = title or (f"Cost landscape, {landscape.num_qubits} qubits, "
                      f"{landscape.layers} layers ({landscape.observable})")
    if len(dirs) == 1:
        fig = go.Figure(
            data=[go.Scatter(x=landscape.offsets, y=landscape.values, uid="landscape",
                             name="cost", mode="lines")],
            layout=base_layout(title, xaxis=dict(title=f"Δθ[{dirs[0]}]"),
                               yaxis=dict(title="cost")))
        return fig
    return go.Figure(
        data=[go.Heatmap(x=landscape.offsets, y=landscape.offsets, z=np.asarray(landscape.values).T,
                         uid="landscape", colorscale="Viridis", colorbar=dict(title="cost"))],
        layout=base_layout(title, xaxis=dict(title=f"Δθ[{dirs[0]}]"),
                           yaxis=dict(title=f"Δθ[{dirs[1]}]")))


def _noise_name(result) -> str:
    noise = getattr(result, "noise", None)
    if not noise:
        return "ideal (no noise)"
    keys = [k for k in ("p1", "p2", "gamma1", "gamma2", "p01", "p10") if noise.get(k)]
    values = {noise[k] for k in keys}
    strength = f"p={next(iter(values)):g}" if len(values) == 1 else \
        ", ".join(f"{k}={noise[k]:g}" for k in keys)
    return f"{noise['model'].replace('_', ' ')} {strength}"


def depth_slope_text(result) -> str:
    """``"<noise> slope -0.20±0.02/layer"`` of a depth-swept result's first width."""
    rate, err = result.depth_decay()
    if not np.isfinite(rate[0]):
        return f"{_noise_name(result)}: slope n/a"
    return f"{_noise_name(result)}: slope {rate[0]:+.3f}±{err[0]:.3f}/layer"


def noise_depth_figure(results=None, slots: int = 6,
                       title: str = "Gradient variance vs layers, ideal and noisy") -> go.Figure:
    """Variance against depth at one width, one line per noise setting (the plateau lab's
    noise sweep), each named with its fitted slope of ln variance per layer
    (``PlateauResult.depth_decay``).  ``slots`` lines, always (trace ``k`` holds setting
    ``k``; the rest are empty), so a FigureWidget can be built once and refilled."""
    results = list(results or [])
    if len(results) > slots:
        raise ValueError(f"slots: {slots} is fewer than the {len(results)} lines to draw")
    traces = []
    width = None
    for k in range(slots):
        res = results[k] if k < len(results) else None
        if res is None or not res.depth_swept:
            traces.append(go.Scatter(x=[], y=[], uid=f"noise{k}", name=f"setting {k + 1}",
                                     mode="lines+markers", showlegend=False,
                                     line=dict(color=_color(k)),
                                     error_y=dict(type="data", array=[], visible=True)))
            continue
        width = res.qubits[0]
        rate, err = res.depth_decay()
        slope = (f"slope {rate[0]:+.3f}±{err[0]:.3f}/layer" if np.isfinite(rate[0])
                 else "slope n/a")
        traces.append(go.Scatter(
            x=list(res.layers), y=list(np.asarray(res.variances, float)[0]), uid=f"noise{k}",
            name=f"{_noise_name(res)} · {slope}", mode="lines+markers", showlegend=True,
            line=dict(color=_color(k), dash="solid" if getattr(res, "noise", None) else "dot"),
            error_y=dict(type="data", array=list(np.asarray(res.stderr, float)[0]),
                         visible=True, thickness=1)))
    if width is not None:
        title = f"{title} ({width} qubits)"
    layout = base_layout(title, xaxis=dict(title="layers"),
                         yaxis=dict(title="Var[∂C/∂θ]", type="log", exponentformat="power"),
                         legend=dict(orientation="h", y=-0.25, font=dict(size=10)), height=460)
    return go.Figure(data=traces, layout=layout)
