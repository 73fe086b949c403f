"""Every knob of the circuit picture (:data:`DEFAULT_STYLE`), the legend's families, and
the font metrics that size boxes without a browser."""

from __future__ import annotations

from .._style import CLASS_COLORS, NEUTRAL_COLOR

#: The composer panel's width in px; the default for ``max_width_px``.
PANEL_WIDTH = 560

#: Every knob of the drawing; ``style=`` overrides any of them (``colors`` merges by key).
DEFAULT_STYLE: dict = {
    "font_family": "'DejaVu Sans', Verdana, 'Segoe UI', Arial, sans-serif",
    "font_size": 13,          # gate names
    "param_font_size": 11,    # the parameter line under a gate name
    "label_font_size": 13,    # wire labels q0, q1, ...
    "legend_font_size": 11,
    "min_font_px": 9,         # never scale text below this on screen
    "scroll_columns": 40,     # longer circuits scroll instead of shrinking
    "fold_rows": 8,           # a circuit too wide for the panel folds into stacked systems
                              # while that makes at most this many wire rows; else it scrolls
    "row_height": 46,         # distance between wires
    "box_height": 34,
    "min_box_width": 28,
    "box_padding": 6,         # each side of the widest text line
    "column_gap": 6,
    "margin": 10,
    "max_param_chars": 12,    # longer parameter text is abbreviated (full text in the tooltip)
    "input_prefix": "x",      # parameters named x[...] are inputs; all others are trainable
    "wire_color": "#4d4d4d",
    "text_color": "#1a1a1a",
    "background": "#ffffff",
    "legend": True,
    "colors": {
        "input": CLASS_COLORS[1],      # orange: angle depends on the data
        "trainable": CLASS_COLORS[0],  # blue: angle depends on weights
        "mixed": CLASS_COLORS[5],      # vermillion: both
        "entangler": CLASS_COLORS[2],  # green: parameter-free multi-qubit gates
        "fixed": NEUTRAL_COLOR,        # H, X, fixed-angle rotations
        "block": CLASS_COLORS[3],      # parameter-free custom instructions
        "measure": "#333333",          # measure, reset
        "barrier": "#9a9a9a",
    },
}

#: The legend's entries, in order: (family, text).
LEGEND = (("input", "input x"), ("trainable", "trainable θ"), ("mixed", "input + trainable"),
          ("entangler", "entangler"), ("fixed", "fixed gate"), ("block", "block"),
          ("measure", "measure / reset"))


def merge_style(style) -> dict:
    """:data:`DEFAULT_STYLE` with ``style``'s overrides; an unknown key is an error."""
    merged = dict(DEFAULT_STYLE)
    merged["colors"] = dict(DEFAULT_STYLE["colors"])
    for key, value in (style or {}).items():
        if key == "colors":
            merged["colors"].update(value)
        elif key in DEFAULT_STYLE:
            merged[key] = value
        else:
            raise ValueError(f"style: {key!r} is not a style key; known: {sorted(DEFAULT_STYLE)}")
    return merged


def tint(color: str, amount: float) -> str:
    """``color`` mixed with white (``amount`` 0 keeps it, 1 gives white)."""
    c = color.lstrip("#")
    if len(c) != 6:
        return color
    rgb = [int(c[i:i + 2], 16) for i in (0, 2, 4)]
    return "#" + "".join(f"{round(v + (255 - v) * amount):02x}" for v in rgb)


_NARROW = set(".,:;'|!il()[]{}·ıj/ ")
_SUBSCRIPT = set("₀₁₂₃₄₅₆₇₈₉")
_WIDE = set("MWm+=√…−⊕×—")


def text_width(text: str, size: float) -> float:
    """Estimated advance width of ``text`` in px (DejaVu Sans metrics, slightly generous:
    narrower fallback fonts only leave more room)."""
    w = 0.0
    for ch in text:
        if ch in _NARROW:
            w += 0.36
        elif ch in _SUBSCRIPT:
            w += 0.45
        elif ch in _WIDE:
            w += 0.88
        elif ch.isupper() or ch in "θφλπ":
            w += 0.70
        elif ch.isdigit():
            w += 0.64
        else:
            w += 0.62
    return w * size
