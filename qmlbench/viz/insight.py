"""Figures of the insight measures, from their results or the plain dicts ``to_dict`` gives
(``qb.insight``: expressibility, entangling capability, effective dimension, Fourier
spectrum, layer views).

Trace layouts (fixed per figure kind, so a FigureWidget can be built once and refilled):

* :func:`fidelity_figure`: 0 the circuit's fidelity histogram (bars, probability per bin),
  1 the Haar bin masses (line, stepped at bin centres).
* :func:`fourier_figure`: 0 the amplitudes |c_ω| (bars), 1 the allowed band edge (dashed
  vertical line at the largest frequency the encoding allows).
* :func:`layer_views_figure`: one heatmap per (layer, qubit), row-major, on a grid of
  subplots (rows: layers, columns: qubits), sharing one colour axis.
* :func:`layer_grid_figure`: 0 one heatmap tiling every (layer, qubit) view with gaps
  (rows: layers, columns: qubits), so a live widget keeps one trace whatever the circuit.
* :func:`effective_dimension_figure`: 0 the normalised effective dimension against the
  dataset size, 1 the value 1 (the most a model can reach) dotted.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ._style import BINARY_COLORSCALE, CLASS_COLORS, base_layout

__all__ = ["fidelity_figure", "fourier_figure", "layer_views_figure", "layer_grid_figure",
           "effective_dimension_figure", "badge_text"]


def _get(result, name, default=None):
    if isinstance(result, dict):
        return result.get(name, default)
    return getattr(result, name, default)


def _arr(value):
    return np.array([np.nan if v is None else v for v in np.ravel(np.array(value, dtype=object))],
                    dtype=float).reshape(np.shape(np.array(value, dtype=object)))


def badge_text(result) -> str:
    """``"0.123 ± 0.004 (Haar 0.007)"`` for an expressibility or entangling-capability result."""
    return (f"{_get(result, 'value'):.3g} ± {_get(result, 'stderr'):.1g} "
            f"(Haar {_get(result, 'haar'):.3g})")


def fidelity_figure(result=None, title: str | None = None) -> go.Figure:
    """The circuit's fidelity histogram against the Haar distribution (expressibility)."""
    if result is None:
        centres, p, q, name = [], [], [], "circuit"
    else:
        edges = _arr(_get(result, "bin_edges"))
        centres = list((edges[:-1] + edges[1:]) / 2)
        p, q = list(_arr(_get(result, "histogram"))), list(_arr(_get(result, "haar_histogram")))
        name = f"circuit: KL {badge_text(result)}"
        n = _get(result, 'num_qubits')
        title = title or (f"Fidelity distribution, {n} qubit{'' if n == 1 else 's'}, "
                          f"{_get(result, 'samples')} pairs")
    traces = [
        go.Bar(x=centres, y=p, name=name, uid="circuit", marker_color=CLASS_COLORS[0],
               opacity=0.8),
        go.Scatter(x=centres, y=q, name="Haar", uid="haar", mode="lines",
                   line=dict(color=CLASS_COLORS[1], width=2, shape="hvh")),
    ]
    layout = base_layout(title or "Fidelity distribution", bargap=0.05,
                         xaxis=dict(title="fidelity |⟨ψ(θ)|ψ(φ)⟩|²", range=[0, 1]),
                         yaxis=dict(title="probability per bin"))
    return go.Figure(data=traces, layout=layout)


def fourier_figure(result=None, input_index: int = 0, title: str | None = None) -> go.Figure:
    """Amplitudes |c_ω| of the model's Fourier series along one input, and the band edge
    the encoding allows (nothing beyond it but round-off when the line is periodic)."""
    if result is None:
        w, a, edge, name = [], [], None, "|c_ω|"
    else:
        row = list(_get(result, "inputs")).index(input_index)
        w = _arr(_get(result, "frequencies"))[row]
        a = _arr(_get(result, "amplitudes"))[row]
        edge = float(_arr(_get(result, "allowed_max"))[row])
        periodic = _get(result, "periodic")[row]
        name = "|c_ω|" + ("" if periodic else " (windowed: encoding not periodic)")
        keep = w <= max(2 * (edge if np.isfinite(edge) else 0), 8) + 1e-9
        w, a = list(w[keep]), list(a[keep])
        title = title or f"Fourier spectrum along input {input_index}"
    top = max(a) if len(a) else 1.0
    line_x = [edge, edge] if edge is not None and np.isfinite(edge) else []
    traces = [
        go.Bar(x=w, y=a, name=name, uid="amplitudes", marker_color=CLASS_COLORS[0]),
        go.Scatter(x=line_x, y=[0, top] if line_x else [], name="allowed by the encoding",
                   uid="allowed", mode="lines", line=dict(color=CLASS_COLORS[5], dash="dash")),
    ]
    layout = base_layout(title or "Fourier spectrum", xaxis=dict(title="frequency ω"),
                         yaxis=dict(title="|c_ω|"))
    return go.Figure(data=traces, layout=layout)


_COMPONENTS = {"X": 0, "Y": 1, "Z": 2}


def layer_views_figure(result, component: str = "Z", title: str | None = None) -> go.Figure:
    """A grid of small heatmaps: rows layers, columns qubits; ``component`` "X", "Y", "Z"
    (Bloch component, -1..1) or "purity" (0.5..1)."""
    layers = list(_get(result, "layers"))
    n = int(_get(result, "num_qubits"))
    xs, ys = _arr(_get(result, "xs")), _arr(_get(result, "ys"))
    data, zmin, zmax, scale = _component(result, component)
    fig = make_subplots(rows=len(layers), cols=n, shared_xaxes=True, shared_yaxes=True,
                        horizontal_spacing=0.02, vertical_spacing=0.03,
                        column_titles=[f"qubit {q}" for q in range(n)], row_titles=layers)
    for l_idx in range(len(layers)):
        for q in range(n):
            fig.add_trace(go.Heatmap(
                x=xs, y=ys, z=data[l_idx, q], zmin=zmin, zmax=zmax, colorscale=scale,
                coloraxis=None, showscale=(l_idx == 0 and q == n - 1), uid=f"l{l_idx}q{q}",
                name=f"{layers[l_idx]}, qubit {q}",
                colorbar=dict(title=component if component != "purity" else "Tr ρ²", len=0.5)),
                row=l_idx + 1, col=q + 1)
    size = 130
    default = (f"⟨{component}⟩ per qubit and layer" if component != "purity"
               else "Single-qubit purity per layer")
    fig.update_layout(base_layout(title or default,
                                  width=80 + size * n, height=80 + size * len(layers),
                                  margin=dict(l=40, r=90, t=60, b=30)))
    fig.update_xaxes(showticklabels=False)
    fig.update_yaxes(showticklabels=False)
    return fig


def _component(result, component: str):
    if component == "purity":
        return _arr(_get(result, "purity")), 0.5, 1.0, "Viridis"
    if component in _COMPONENTS:
        return (_arr(_get(result, "bloch"))[:, :, _COMPONENTS[component]], -1.0, 1.0,
                BINARY_COLORSCALE)
    raise ValueError(f"component: {component!r} is not one of X, Y, Z, purity")


def layer_grid_figure(result=None, component: str = "Z", title: str | None = None,
                      tile_px: int = 90) -> go.Figure:
    """The per-qubit, per-layer views as ONE heatmap: tiles of the input grid separated by
    blank cells, labelled by qubit (columns) and layer (rows).  Same content as
    :func:`layer_views_figure`, but a live widget can refill it without new traces."""
    if result is None:
        fig = go.Figure(data=[go.Heatmap(z=[], uid="layers", colorscale=BINARY_COLORSCALE,
                                         zmin=-1, zmax=1, hoverinfo="skip")],
                        layout=base_layout(title or "Per-qubit views (train a variational model)",
                                           height=200))
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
        return fig
    data, zmin, zmax, scale = _component(result, component)
    layers = list(_get(result, "layers"))
    n_layers, n_qubits, res = data.shape[0], data.shape[1], data.shape[-1]
    gap = max(1, res // 8)
    step = res + gap
    z = np.full((n_layers * step - gap, n_qubits * step - gap), np.nan)
    for l_idx in range(n_layers):
        for q in range(n_qubits):
            # row 0 of the figure is the top: the first layer is drawn at the top
            r0 = (n_layers - 1 - l_idx) * step
            z[r0:r0 + res, q * step:q * step + res] = data[l_idx, q]
    label = f"⟨{component}⟩" if component != "purity" else "Tr ρ²"
    fig = go.Figure(data=[go.Heatmap(
        z=z, zmin=zmin, zmax=zmax, colorscale=scale, uid="layers", hoverongaps=False,
        colorbar=dict(title=label, len=0.8, thickness=12),
        hovertemplate=label + " %{z:.2f}<extra></extra>")])
    width = min(440, 190 + tile_px * n_qubits)     # labels, tiles and the colour bar
    fig.update_layout(base_layout(
        title or f"{label} of each qubit after each layer", width=width,
        height=110 + tile_px * n_layers, margin=dict(l=10, r=10, t=90, b=10)))
    # Fixed ranges: with autorange and a scale anchor, plotly fitted the x range to half a
    # tile for a one-qubit model (and kept a previous range in a live widget).  Labels are
    # tick labels, which plotly places outside the tiles and makes room for.
    ticks = dict(showgrid=False, zeroline=False, showline=False, ticks="", autorange=False,
                 constrain="domain", automargin=True, tickfont=dict(size=10))
    fig.update_xaxes(range=[-0.5, z.shape[1] - 0.5], side="top",
                     tickvals=[q * step + (res - 1) / 2 for q in range(n_qubits)],
                     ticktext=[f"q{q}" for q in range(n_qubits)], **ticks)
    fig.update_yaxes(range=[-0.5, z.shape[0] - 0.5], scaleanchor="x",
                     tickvals=[(n_layers - 1 - l) * step + (res - 1) / 2 for l in range(n_layers)],
                     ticktext=layers, **ticks)
    return fig


def effective_dimension_figure(results=None, title: str | None = None) -> go.Figure:
    """Normalised effective dimension against dataset size n (log axis); a list of results
    gives one line each (traces ``0 .. k-1``, the dotted 1 last)."""
    if results is None:
        results = []
    elif not isinstance(results, (list, tuple)):
        results = [results]
    traces = []
    for i, res in enumerate(results):
        traces.append(go.Scatter(
            x=list(_arr(_get(res, "dataset_sizes"))), y=list(_arr(_get(res, "normalized"))),
            name=f"{_get(res, 'network') or 'model'} (d = {_get(res, 'num_weights')})",
            uid=f"model{i}", mode="lines+markers",
            line=dict(color=CLASS_COLORS[i % len(CLASS_COLORS)])))
    if not traces:
        traces.append(go.Scatter(x=[], y=[], name="model", uid="model0", mode="lines+markers"))
    xs = [x for t in traces for x in t.x] or [1]
    traces.append(go.Scatter(x=[min(xs), max(xs)], y=[1, 1], name="d_eff = d", uid="full",
                             mode="lines", line=dict(color="#8C8C8C", dash="dot", width=1)))
    layout = base_layout(title or "Normalised effective dimension",
                         xaxis=dict(title="dataset size n", type="log"),
                         yaxis=dict(title="d_eff(n) / d", range=[0, 1.05]))
    return go.Figure(data=traces, layout=layout)
