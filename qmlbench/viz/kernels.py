"""Kernel matrix heatmap ordered by class, with the spread of its off-diagonal values."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ._style import CLASS_COLORS, base_layout, classes_of, label_index

#: Height of the figure before any kernel is computed (an empty strip, not empty axes).
EMPTY_HEIGHT = 20


def order_by_label(y) -> np.ndarray:
    """A stable permutation grouping equal labels (classes, or sorted targets)."""
    y = np.asarray(y)
    if y.dtype.kind in "fc" and len(np.unique(y)) > 10:
        return np.argsort(y, kind="stable")
    idx = label_index(y, classes_of(y)) if len(y) else np.zeros(0, int)
    return np.argsort(idx, kind="stable")


def off_diagonal(K, y=None) -> tuple[np.ndarray, np.ndarray]:
    """Off-diagonal entries of a square kernel matrix, split into same-label and
    different-label pairs (all entries are "same" when ``y`` is None)."""
    K = np.asarray(K, float)
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError(f"K: expected a square matrix, got shape {K.shape}")
    mask = ~np.eye(len(K), dtype=bool)
    if y is None:
        return K[mask], np.zeros(0)
    y = np.asarray(y).reshape(-1)
    same = (y[:, None] == y[None, :]) & mask
    return K[same], K[mask & ~same]


def kernel_heatmap(K, y=None, class_names=None, title: str | None = None) -> go.Figure:
    """Three traces, always: 0 = the kernel matrix (rows and columns ordered by label),
    1 = histogram of off-diagonal values between points of the same class,
    2 = the same between different classes (empty for regression or without labels).

    An empty ``K`` (nothing computed yet) gives the same traces in a collapsed figure
    with no axes and no statistics."""
    K = np.asarray(K, float)
    classification = y is not None and not (np.asarray(y).dtype.kind in "fc"
                                            and len(np.unique(y)) > 10)
    order = order_by_label(y) if y is not None else np.arange(len(K))
    Ko = K[np.ix_(order, order)]
    same, diff = off_diagonal(K, y if classification else None)
    everything = np.concatenate([same, diff])
    mean = float(everything.mean()) if everything.size else float("nan")
    std = float(everything.std()) if everything.size else float("nan")

    fig = make_subplots(rows=1, cols=2, column_widths=[0.58, 0.42], horizontal_spacing=0.2,
                        subplot_titles=("kernel matrix (ordered by class)" if classification
                                        else "kernel matrix (ordered by target)" if y is not None
                                        else "kernel matrix", "off-diagonal values"))
    fig.add_trace(go.Heatmap(z=Ko, zmin=0.0, zmax=max(1.0, float(np.max(K)) if K.size else 1.0),
                             colorscale="Viridis", uid="kernel", name="kernel",
                             colorbar=dict(len=0.8, thickness=10, x=0.47)), row=1, col=1)
    same_name = "same class" if classification else "all pairs"
    fig.add_trace(go.Histogram(x=same, name=same_name, uid="same", opacity=0.7,
                               marker_color="#0072B2", nbinsx=30), row=1, col=2)
    fig.add_trace(go.Histogram(x=diff, name="different class", uid="different", opacity=0.7,
                               marker_color="#D55E00", nbinsx=30), row=1, col=2)
    fig.update_yaxes(autorange="reversed", row=1, col=1)
    fig.update_layout(barmode="overlay")
    if classification and len(K):
        # Lines between class blocks make the block structure of a good kernel visible.
        sorted_y = np.asarray(y).reshape(-1)[order]
        cuts = [i for i in range(1, len(sorted_y)) if sorted_y[i] != sorted_y[i - 1]]
        for c in cuts:
            fig.add_shape(type="line", x0=c - 0.5, x1=c - 0.5, y0=-0.5, y1=len(K) - 0.5,
                          line=dict(color="white", width=1), row=1, col=1)
            fig.add_shape(type="line", y0=c - 0.5, y1=c - 0.5, x0=-0.5, x1=len(K) - 0.5,
                          line=dict(color="white", width=1), row=1, col=1)
    if not K.size:
        # Nothing computed yet: the same traces in a collapsed, empty figure (no axes, no
        # statistics of nothing); the panel says how to fill it.
        fig.update_layout(**base_layout(title or "", width=720, height=EMPTY_HEIGHT,
                                        margin=dict(l=0, r=0, t=0, b=0)))
        fig.layout.annotations = ()
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
        fig.update_traces(showlegend=False, showscale=False, selector=dict(type="heatmap"))
        fig.update_traces(showlegend=False, selector=dict(type="histogram"))
        return fig
    if title is None:
        title = f"Kernel: off-diagonal mean {mean:.3f}, std {std:.3f}"
        if everything.size and std < 1e-3:
            title += " (concentrated: the kernel barely tells points apart)"
    # Room above the plots for the title and, under it, the two subplot titles.
    fig.update_layout(**base_layout(title, width=720, height=420,
                                    margin=dict(l=60, r=20, t=85, b=50)))
    # the legend names the histogram's colours: under the histogram, not the matrix
    fig.update_layout(legend=dict(x=0.6, xanchor="left"))
    fig.layout.title.text = title
    fig.update_xaxes(title_text="training point", row=1, col=1)
    fig.update_yaxes(title_text="training point", row=1, col=1)
    fig.update_xaxes(title_text="kernel value k(x, x′)", row=1, col=2)
    fig.update_yaxes(title_text="pairs of points", row=1, col=2)
    return fig


def concentration_figure(result=None, title: str | None = None) -> go.Figure:
    """Kernel concentration against qubits on a log axis. Two traces, always:
    0 = the variance of the kernel between random inputs (error bars: its standard
    error), 1 = the Haar value it would reach as a 2-design. ``result`` is a
    ``qmlbench.kernels.ConcentrationResult`` (or its ``to_dict()``); None gives the
    empty figure a widget starts from."""
    r = result.to_dict() if hasattr(result, "to_dict") else (result or {})
    qubits = list(r.get("qubits", []))
    name = "kernel variance"
    if r:
        slope = r.get("decay_rate")
        name = f"{r['feature_map']} reps {r['reps']}"
        if slope is not None and np.isfinite(slope):
            name += f" · slope {slope:+.2f}/qubit"
    fig = go.Figure(layout=base_layout(
        title or "Kernel concentration: Var[k(x, x′)] vs qubits",
        xaxis=dict(title="qubits", dtick=1),
        yaxis=dict(title="Var[k(x, x′)]", type="log", exponentformat="power")))
    fig.add_trace(go.Scatter(x=qubits, y=list(r.get("variances", [])), mode="lines+markers",
                             name=name, uid="kernel-variance",
                             line=dict(color=CLASS_COLORS[0]), marker=dict(color=CLASS_COLORS[0]),
                             error_y=dict(type="data", array=list(r.get("stderr", [])),
                                          visible=True)))
    fig.add_trace(go.Scatter(x=qubits, y=list(r.get("haar_variances", [])), mode="lines",
                             name="Haar (2-design) value", uid="haar-variance",
                             line=dict(dash="dash", color="#888")))
    # Said explicitly: a live figure that was the empty strip (showlegend off) keeps
    # that setting otherwise, and the dashboard showed no legend.
    fig.update_layout(showlegend=True, legend=dict(x=1, xanchor="right", y=1))
    if not qubits:  # nothing measured yet: an empty strip, not empty log axes
        fig.update_layout(title_text="", height=EMPTY_HEIGHT, showlegend=False,
                          margin=dict(l=0, r=0, t=0, b=0))
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
    return fig


def kernel_noise_figure(views=None, title: str | None = None) -> go.Figure:
    """The ideal and the noisy kernel matrix side by side, with their off-diagonal values.
    Four traces, always: 0 = the ideal matrix, 1 = the noisy matrix (both ordered by label,
    on one colour scale), 2 and 3 = histograms of the ideal and the noisy off-diagonal
    values.  ``views`` is the engine's ``NoisyKernelViews``; None gives the empty strip a
    widget starts from."""
    fig = make_subplots(rows=1, cols=3, column_widths=[0.31, 0.31, 0.38], horizontal_spacing=0.11,
                        subplot_titles=("ideal", "noisy", "off-diagonal values"))
    # the shared colour bar sits in the gap right of the noisy matrix
    bar_x = fig.layout.xaxis2.domain[1] + 0.008
    if views is None:
        Ki = Kn = np.zeros((0, 0))
        y = None
        oi = on = np.zeros(0)
    else:
        Ki, Kn = np.asarray(views.ideal.matrix, float), np.asarray(views.noisy.matrix, float)
        y = views.ideal.labels
        order = order_by_label(y) if y is not None else np.arange(len(Ki))
        Ki, Kn = Ki[np.ix_(order, order)], Kn[np.ix_(order, order)]
        oi, on = off_diagonal(Ki)[0], off_diagonal(Kn)[0]
    top = max(1.0, float(Ki.max()) if Ki.size else 1.0)
    for k, (K, name) in enumerate(((Ki, "ideal"), (Kn, "noisy"))):
        fig.add_trace(go.Heatmap(z=K, zmin=0.0, zmax=top, colorscale="Viridis", uid=f"{name}-kernel",
                                 name=f"{name} kernel", showscale=k == 1,
                                 colorbar=dict(len=0.8, thickness=10, x=bar_x, xanchor="left")),
                      row=1, col=1 + k)
        fig.update_yaxes(autorange="reversed", row=1, col=1 + k)
    std_i = float(oi.std()) if oi.size else float("nan")
    std_n = float(on.std()) if on.size else float("nan")
    fig.add_trace(go.Histogram(x=oi, name=f"ideal (std {std_i:.3f})", uid="ideal-offdiag",
                               opacity=0.6, marker_color="#0072B2", nbinsx=30), row=1, col=3)
    fig.add_trace(go.Histogram(x=on, name=f"noisy (std {std_n:.3f})", uid="noisy-offdiag",
                               opacity=0.6, marker_color="#D55E00", nbinsx=30), row=1, col=3)
    fig.update_layout(barmode="overlay")
    if views is None:
        fig.update_layout(**base_layout(title or "", width=900, height=EMPTY_HEIGHT,
                                        margin=dict(l=0, r=0, t=0, b=0)))
        fig.layout.annotations = ()
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
        fig.update_traces(showscale=False, selector=dict(type="heatmap"))
        fig.update_layout(showlegend=False)
        return fig
    if title is None:
        ratio = std_n / std_i if std_i > 0 else float("nan")
        title = (f"Noise concentrates the kernel: off-diagonal std {std_i:.3f} ideal, "
                 f"{std_n:.3f} noisy (×{ratio:.2f})")
    fig.update_layout(**base_layout(title, width=900, height=380,
                                    margin=dict(l=50, r=20, t=85, b=50)))
    fig.update_layout(showlegend=True, legend=dict(x=0.72, xanchor="left", y=1))
    fig.layout.title.text = title
    # no y title on the histogram: it would sit on the colour bar's ticks
    fig.update_xaxes(title_text="kernel value (pairs of points per bin)", row=1, col=3)
    return fig
