"""Shared look of qmlbench figures: class colours, sizes, a base layout.

Every builder returns a figure whose trace count and trace types depend only
on the kind of figure, never on the data, so that a widget can keep one
FigureWidget alive and copy new arrays into it (Voila shows only the traces a
FigureWidget was constructed with).
"""

from __future__ import annotations

import numpy as np

#: One colour per class, colour-blind friendly (Okabe-Ito), cycled for more classes.
CLASS_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
                "#000000")
#: Two-class heatmaps run from class 0's colour to class 1's through white.
BINARY_COLORSCALE = [[0.0, "#0072B2"], [0.5, "#FFFFFF"], [1.0, "#E69F00"]]
SEQUENTIAL_COLORSCALE = "Viridis"
#: Legend markers that show a shape (train/test) only, in no class's colour.
NEUTRAL_COLOR = "#8C8C8C"
#: Legend entries reserved for classes in figures with points (a fixed number: trace
#: counts never depend on the data); classes beyond it share the last entries' colours.
LEGEND_CLASSES = len(CLASS_COLORS)

#: Sized so that settings, training monitor and decision boundary share one row
#: of a 1400 px screen.
WIDTH = 440
HEIGHT = 400


def class_color(index: int) -> str:
    return CLASS_COLORS[int(index) % len(CLASS_COLORS)]


def base_layout(title: str | None = None, **extra) -> dict:
    # A fixed size: a figure first drawn in a hidden tab would otherwise get zero width.
    layout = dict(
        title=dict(text=title or "", x=0.02, font=dict(size=14)),
        width=WIDTH, height=HEIGHT, margin=dict(l=50, r=20, t=40, b=45),
        template="plotly_white", legend=dict(orientation="h", y=-0.18, font=dict(size=11)),
    )
    layout.update(extra)
    return layout


def label_index(y, classes) -> np.ndarray:
    """Position of each label in ``classes`` (labels may be strings, ints or +-1)."""
    y = np.asarray(y)
    lookup = {c: i for i, c in enumerate(list(classes))}
    try:
        return np.array([lookup[v.item() if hasattr(v, "item") else v] for v in y], dtype=int)
    except KeyError as exc:
        raise ValueError(f"labels: {exc.args[0]!r} is not one of the classes {list(classes)}") from None


def classes_of(*ys) -> list:
    values = [np.asarray(y) for y in ys if y is not None and len(np.asarray(y))]
    if not values:
        return []
    return [v.item() if hasattr(v, "item") else v for v in np.unique(np.concatenate(values))]


def class_label(cls, class_names, index: int) -> str:
    if class_names is not None and len(class_names) > index:
        return str(class_names[index])
    return str(cls)


def class_legend_name(cls, class_names, index: int) -> str:
    """The legend's name for a class: its name, or ``class 0`` for a bare number."""
    label = class_label(cls, class_names, index)
    try:
        float(label)
    except ValueError:
        return label
    return f"class {label}"


def as_2d(X) -> np.ndarray:
    """Features as (samples, features); a 1-D array is one feature."""
    X = np.asarray(X, dtype=float)
    return X[:, None] if X.ndim == 1 else X


#: Drawn values that spread less than this, relative to the largest of them (at least 1),
#: are one value up to round-off.
FLAT_SPAN = 1e-6


def axis_extent(*arrays) -> dict:
    """Axis settings for the values drawn along it: plotly's autorange, or for values equal
    up to round-off a fixed range around them.  Autorange stretched such a spread (an
    amplitude that is zero by symmetry, solved to 1e-7) over the whole axis, ticked in
    nano-units, as if the points differed there.  Said explicitly either way, so a live
    figure lets a fixed range go."""
    parts = [np.ravel(np.asarray(a, dtype=float)) for a in arrays if a is not None]
    v = np.concatenate(parts) if parts else np.zeros(0)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return dict(autorange=True)
    lo, hi = float(v.min()), float(v.max())
    scale = max(1.0, float(np.abs(v).max()))
    if hi - lo > FLAT_SPAN * scale:
        return dict(autorange=True)
    mid = (lo + hi) / 2
    return dict(range=[mid - scale / 2, mid + scale / 2], autorange=False)
