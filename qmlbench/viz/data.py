"""Scatter of a dataset: train and test points, coloured by class (or by target)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ._style import (LEGEND_CLASSES, NEUTRAL_COLOR, SEQUENTIAL_COLORSCALE, as_2d, axis_extent,
                     base_layout, class_color, class_label, class_legend_name, classes_of,
                     label_index)

TRAIN_SYMBOL = "circle"
TEST_SYMBOL = "diamond"


def _feature_names(dataset, n: int) -> list[str]:
    names = list(getattr(dataset, "feature_names", None) or [])
    return [names[i] if i < len(names) else f"x{i}" for i in range(n)]


#: uids of the legend-only traces of :func:`legend_traces`, in order.
LEGEND_UIDS = tuple(f"legend-class-{i}" for i in range(LEGEND_CLASSES)) + (
    "legend-train", "legend-test")


def point_traces(dataset, *, classes=None, show_legend: bool = False) -> list[go.Scatter]:
    """The two point traces (``train``, ``test``) shared by the scatter and the boundary plot.

    Classification: colour per class (hover shows the class name). Regression
    with one feature: target on the y axis. Regression with two or more
    features: colour shows the target. Only the first two features are drawn.

    The points stay out of the legend (their markers mix colours);
    :func:`legend_traces` says what colour and shape mean. Each point trace
    shares its ``legendgroup`` with its shape's legend entry, so clicking
    "train points" in the legend hides the training points.
    """
    X_tr, X_te = as_2d(dataset.X_train), as_2d(dataset.X_test)
    y_tr, y_te = np.asarray(dataset.y_train), np.asarray(dataset.y_test)
    task = getattr(dataset, "task", "classification")
    n_features = X_tr.shape[1]
    traces = []
    if task == "classification":
        classes = classes if classes is not None else classes_of(y_tr, y_te)
        names = getattr(dataset, "class_names", None)
    else:
        lo = float(np.min(np.concatenate([y_tr, y_te]))) if len(y_tr) + len(y_te) else 0.0
        hi = float(np.max(np.concatenate([y_tr, y_te]))) if len(y_tr) + len(y_te) else 1.0
    for split, X, y, symbol in (("train", X_tr, y_tr, TRAIN_SYMBOL), ("test", X_te, y_te, TEST_SYMBOL)):
        marker = dict(symbol=symbol, size=8 if split == "train" else 9,
                      line=dict(width=1, color="#333333"), opacity=0.9,
                      colorscale=None, showscale=False, cmin=None, cmax=None, colorbar=None)
        if task == "classification":
            idx = label_index(y, classes) if len(y) else np.zeros(0, int)
            marker["color"] = [class_color(i) for i in idx]
            text = [f"{split}: {class_label(classes[i], names, i)}" for i in idx]
        else:
            text = [f"{split}: y = {v:.3g}" for v in y.astype(float)]
        if n_features == 1:
            xs, ys = X[:, 0], (y.astype(float) if task != "classification" else np.zeros(len(X)))
            if task != "classification":
                marker["color"] = class_color(0 if split == "train" else 1)
        else:
            xs, ys = X[:, 0], X[:, 1]
            if task != "classification":
                marker.update(color=y.astype(float), colorscale=SEQUENTIAL_COLORSCALE,
                              cmin=lo, cmax=hi, showscale=(split == "train"),
                              colorbar=dict(title=dict(text="target"), len=0.8))
        traces.append(go.Scatter(
            x=xs, y=ys, mode="markers", name=split, uid=split, marker=marker,
            hovertext=text, hoverinfo="text+x+y", showlegend=show_legend, legendgroup=split))
    return traces


def legend_traces(dataset, *, classes=None) -> list[go.Scatter]:
    """Legend-only traces, always ``len(LEGEND_UIDS)`` of them (uids in that order):

    one per class slot (``LEGEND_CLASSES``): a square in the class's colour named after
    the class, shown in the legend only for the classes the data has (classification);
    then ``train points`` (circle) and ``test points`` (diamond) in neutral grey, as
    colour means class, not split (in a one-feature regression, where colour does
    tell train from test, they take those colours).
    """
    task = getattr(dataset, "task", "classification") if dataset is not None else "classification"
    if dataset is not None and task == "classification":
        classes = list(classes) if classes is not None else classes_of(dataset.y_train,
                                                                       dataset.y_test)
        names = getattr(dataset, "class_names", None)
    else:
        classes, names = [], None
    one_feature_regression = (dataset is not None and task != "classification"
                              and as_2d(dataset.X_train).shape[1] == 1)
    traces = []
    for i in range(LEGEND_CLASSES):
        shown = i < len(classes)
        traces.append(go.Scatter(
            x=[None], y=[None], mode="markers", uid=LEGEND_UIDS[i], hoverinfo="skip",
            name=class_legend_name(classes[i], names, i) if shown else f"class {i}",
            marker=dict(symbol="square", size=11, color=class_color(i),
                        line=dict(width=1, color="#333333")),
            showlegend=shown, legendgroup=f"class-{i}", legendrank=100 + i))
    for j, (split, symbol) in enumerate((("train", TRAIN_SYMBOL), ("test", TEST_SYMBOL))):
        color = class_color(j) if one_feature_regression else NEUTRAL_COLOR
        traces.append(go.Scatter(
            x=[None], y=[None], mode="markers", uid=f"legend-{split}", hoverinfo="skip",
            name=f"{split} points",
            marker=dict(symbol=symbol, size=9, color=color, line=dict(width=1, color="#333333")),
            showlegend=True, legendgroup=split, legendrank=200 + j))
    return traces


def data_scatter(dataset, title: str | None = None) -> go.Figure:
    """Train (circles) and test (diamonds) points of ``dataset``.

    Always the same traces: ``fig.data[0]`` = train and ``fig.data[1]`` = test, then
    the legend-only traces of :func:`legend_traces` (class colours, then shapes).
    """
    n_features = as_2d(dataset.X_train).shape[1]
    names = _feature_names(dataset, max(n_features, 2))
    task = getattr(dataset, "task", "classification")
    if title is None:
        title = f"{len(dataset.X_train)} train / {len(dataset.X_test)} test points"
        if n_features > 2:
            title += f" (features 1-2 of {n_features})"
    if n_features == 1:
        x_title, y_title = names[0], ("target" if task != "classification" else "")
    else:
        x_title, y_title = names[0], names[1]
    points = point_traces(dataset)
    fig = go.Figure(data=points + legend_traces(dataset),
                    layout=base_layout(title, xaxis_title=x_title, yaxis_title=y_title))
    fig.update_xaxes(**axis_extent(*(p.x for p in points)))
    fig.update_yaxes(**axis_extent(*(p.y for p in points)))
    return fig
