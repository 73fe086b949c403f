"""Decision boundary: the model's surface as a heatmap with the data over it."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ._style import (BINARY_COLORSCALE, SEQUENTIAL_COLORSCALE, as_2d, axis_extent, base_layout,
                     class_color, class_legend_name, classes_of, label_index)
from .data import LEGEND_UIDS, _feature_names, legend_traces, point_traces

#: Trace order of :func:`decision_boundary` (fixed, whatever the data): the legend-only
#: traces of :func:`qmlbench.viz.data.legend_traces` come last.
TRACES = ("surface", "fit", "train", "test", "misclassified") + LEGEND_UIDS


def _discrete_colorscale(k: int) -> list:
    if k <= 1:
        return [[0.0, class_color(0)], [1.0, class_color(0)]]
    scale = []
    for i in range(k):
        lo, hi = i / k, (i + 1) / k
        scale += [[lo, class_color(i)], [hi, class_color(i)]]
    return scale


def _surface_z(surface) -> tuple[np.ndarray, dict, str]:
    """Heatmap values and colour settings for a surface; the label says what z means."""
    raw = np.asarray(surface.values)
    kind = getattr(surface, "kind", "proba") or "proba"
    classes = list(getattr(surface, "classes", None) or [])
    if kind in ("label", "class"):
        # Labels (any type) become their position in ``classes``, one colour each.
        if classes and raw.size:
            values = label_index(raw.reshape(-1), classes).reshape(raw.shape).astype(float)
        else:
            values = raw.astype(float)
        k = max(len(classes), int(np.nanmax(values)) + 1 if values.size else 1)
        return values, dict(colorscale=_discrete_colorscale(k), zmin=-0.5, zmax=k - 0.5,
                            opacity=0.45, showscale=False, zmid=None, zsmooth=False), "predicted class"
    values = raw.astype(float)
    if values.ndim == 3:  # (ny, nx, k) class probabilities: show the winning class
        k = values.shape[2]
        z = np.argmax(values, axis=2).astype(float)
        return z, dict(colorscale=_discrete_colorscale(k), zmin=-0.5, zmax=k - 0.5,
                       opacity=0.45, showscale=False, zmid=None, zsmooth=False), "predicted class"
    if kind == "regression":
        return values, dict(colorscale=SEQUENTIAL_COLORSCALE, zmin=None, zmax=None, zmid=None,
                            opacity=0.75, showscale=True, zsmooth="best"), "prediction"
    if kind == "decision":
        span = float(np.nanmax(np.abs(values))) if values.size else 1.0
        return values, dict(colorscale=BINARY_COLORSCALE, zmin=-span, zmax=span, zmid=None,
                            opacity=0.7, showscale=True, zsmooth="best"), "decision value"
    label = f"P({classes[1]})" if len(classes) > 1 else "probability"
    return values, dict(colorscale=BINARY_COLORSCALE, zmin=0.0, zmax=1.0, zmid=None,
                        opacity=0.7, showscale=True, zsmooth="best"), label


def misclassified_points(dataset, y_pred_train=None, y_pred_test=None) -> tuple[np.ndarray, np.ndarray]:
    """First two coordinates of the points whose prediction differs from the label."""
    xs, ys = [], []
    for X, y, pred in ((dataset.X_train, dataset.y_train, y_pred_train),
                       (dataset.X_test, dataset.y_test, y_pred_test)):
        if pred is None:
            continue
        X = as_2d(X)
        wrong = np.asarray(pred).reshape(-1) != np.asarray(y).reshape(-1)
        if X.shape[1] >= 2:
            xs.append(X[wrong, 0])
            ys.append(X[wrong, 1])
        else:
            xs.append(X[wrong, 0])
            ys.append(np.zeros(int(wrong.sum())))
    if not xs:
        return np.zeros(0), np.zeros(0)
    return np.concatenate(xs), np.concatenate(ys)


def decision_boundary(surface=None, dataset=None, y_pred_train=None, y_pred_test=None,
                      title: str | None = None) -> go.Figure:
    """Five traces, always, in the order of :data:`TRACES`:

    0 ``surface``: heatmap of the model over the grid (``kind`` "proba": probability of
      the second class; "decision": decision value; "label": the predicted class, one
      colour each; "regression": the prediction; 3-D values: the most probable class);
    1 ``fit``: the fitted curve of a one-feature regression;
    2 ``train`` and 3 ``test``: the data points;
    4 ``misclassified``: rings around points whose prediction is wrong (classification).

    ``surface`` is the engine's ``Surface`` (``xs``, ``ys``, ``values``, ``kind``,
    ``classes``, ``note``); ``None`` draws the data alone.
    """
    task = getattr(dataset, "task", "classification") if dataset is not None else "classification"
    heat = go.Heatmap(x=[], y=[], z=[], name="surface", uid="surface", hoverinfo="x+y+z",
                      zsmooth="best", colorbar=dict(len=0.8, thickness=12), showscale=False)
    fit = go.Scatter(x=[], y=[], mode="lines", name="model", uid="fit",
                     line=dict(color="#222222", width=3), showlegend=False, legendrank=300)
    z_label = ""
    note = ""
    if surface is not None:
        note = getattr(surface, "note", "") or ""
        values = np.asarray(surface.values)
        xs = np.asarray(surface.xs, dtype=float)
        if values.ndim == 1:  # one-feature model: a curve, not a map
            fit.update(x=xs, y=values.astype(float), showlegend=True)
            z_label = "prediction"
        else:
            z, style, z_label = _surface_z(surface)
            heat.update(x=xs, y=np.asarray(surface.ys, dtype=float), z=z, **style)
            names = getattr(dataset, "class_names", None) if dataset is not None else None
            classes = list(getattr(surface, "classes", None) or [])
            if z_label.startswith("P(") and len(classes) > 1:
                # the legend's name for the class, so colour bar and legend agree
                z_label = f"P({class_legend_name(classes[1], names, 1)})"
            heat.colorbar.title = dict(text=z_label)
    if dataset is not None:
        classes = list(getattr(surface, "classes", None) or []) if surface is not None else []
        if task == "classification":
            data_classes = classes_of(dataset.y_train, dataset.y_test)
            if not classes or any(c not in classes for c in data_classes):
                classes = data_classes
        points = point_traces(dataset, classes=classes if task == "classification" else None)
        # A colour bar for the target would sit on top of the surface's own.
        for tr in points:
            tr.marker.showscale = False
        if task != "classification" and z_label == "prediction" and len(heat.z):
            # One colour bar for the surface (prediction) and the points (target): on
            # ranges of their own, a point the model fits exactly showed another colour
            # than the surface under it.
            both = np.concatenate([np.ravel(np.asarray(heat.z, float)),
                                   np.ravel(np.asarray(dataset.y_train, float)),
                                   np.ravel(np.asarray(dataset.y_test, float))])
            lo, hi = float(np.nanmin(both)), float(np.nanmax(both))
            heat.update(zmin=lo, zmax=hi)
            heat.colorbar.title.text = "prediction<br>(points: target)"
            for tr in points:
                tr.marker.update(cmin=lo, cmax=hi)
        mx, my = (misclassified_points(dataset, y_pred_train, y_pred_test)
                  if task == "classification" else (np.zeros(0), np.zeros(0)))
        names = _feature_names(dataset, 2)
        n_features = as_2d(dataset.X_train).shape[1]
        x_title, y_title = names[0], (names[1] if n_features > 1 else "target")
    else:
        points = [go.Scatter(x=[], y=[], mode="markers", name=s, uid=s, showlegend=False,
                             legendgroup=s) for s in ("train", "test")]
        mx, my = np.zeros(0), np.zeros(0)
        x_title = y_title = ""
    wrong = go.Scatter(x=mx, y=my, mode="markers", name=f"misclassified ({len(mx)})",
                       uid="misclassified", hoverinfo="skip", legendrank=400,
                       showlegend=len(mx) > 0 or y_pred_train is not None,
                       marker=dict(symbol="circle-open", size=15, color="#D00000",
                                   line=dict(width=2)))
    subtitle = False
    if title is None:
        title = "Decision boundary" if task == "classification" else "Model prediction"
        if note:
            # Its own smaller line: "(2-D slice through the training mean: ...)" after the
            # title ran past the plot's 440 px and was cut off (iris).
            title += f"<br><sup>{_short(note, SUBTITLE_CHARS)}</sup>"
            subtitle = True
    legend = legend_traces(dataset, classes=classes if dataset is not None
                           and task == "classification" else None)
    fig = go.Figure(data=[heat, fit, *points, wrong, *legend],
                    layout=base_layout(title, xaxis_title=x_title, yaxis_title=y_title))
    if subtitle:
        fig.update_layout(margin_t=62)
    # The legend sits at the foot of the figure, not below the plot by a fraction of its
    # height: in the live widget, a redraw whose legend had fewer rows (a dataset changed
    # after training drops "misclassified" and the colour bar) kept the plot's old height
    # for the legend and laid it over the x-axis title.  A fixed margin holds two rows.
    fig.update_layout(legend=dict(yref="container", y=0, yanchor="bottom"),
                      margin_b=LEGEND_MARGIN)
    if not len(heat.z) and dataset is not None:
        # the points alone (no surface, or a curve): a flat coordinate is not stretched
        fig.update_xaxes(**axis_extent(*(p.x for p in points)))
        fig.update_yaxes(**axis_extent(*(p.y for p in points), fit.y))
    return fig


#: Bottom margin of the boundary figure: tick labels, the x-axis title and two legend rows.
LEGEND_MARGIN = 112

#: About what fits on one line of a subtitle across the plot (440 px, small font).
SUBTITLE_CHARS = 70


def _short(text: str, limit: int) -> str:
    text = str(text)
    head = text.split(":")[0] if len(text) > limit else text
    return head if len(head) <= limit else head[: limit - 1] + "…"


def noise_label(noise) -> str:
    """A short name for a noise setting: its model and the strengths that are not zero."""
    if not noise:
        return "no noise"
    parts = [f"{k}={v:g}" for k, v in noise.items()
             if k not in ("model", "backend", "seed") and isinstance(v, (int, float)) and v]
    return noise["model"].replace("_", " ") + (" " + ", ".join(parts) if parts else "")


def noise_boundaries(comparison, dataset) -> tuple[go.Figure, go.Figure]:
    """``(noisy, ideal)``: two :func:`decision_boundary` figures (same traces, same grid) of
    an engine ``NoiseComparison``, the same weights under its noise and without noise, each
    with the points its own predictions get wrong ringed."""
    if comparison.flipped is not None:
        change = f"noise flips the class on {100 * comparison.flipped:.1f}% of the grid"
    else:
        change = f"mean change {comparison.mean_change:.3g}"
    noisy = decision_boundary(comparison.noisy, dataset, *(comparison.predictions or (None, None)),
                              title=f"Under noise: {_short(noise_label(comparison.noise), 48)}"
                                    f"<br><sup>{change}</sup>")
    noisy.update_layout(margin_t=62)
    ideal = decision_boundary(comparison.ideal, dataset,
                              *(comparison.ideal_predictions or (None, None)),
                              title="Same weights, no noise")
    return noisy, ideal
