"""The circuit as a picture: a self-contained inline SVG of gates on wires.

qiskit's text drawing wraps into continuation lines as soon as a circuit is a
little long (2 qubits, 3 reps), and its matplotlib drawer needs matplotlib and
gives a raster or an SVG with embedded glyphs.  This module draws the circuit
itself as plain SVG markup, no scripts, no external fonts, so it can sit in an
``ipywidgets.HTML`` value (robust in Voila, unlike a FigureWidget) or in any page.

What it draws: one horizontal wire per qubit (``q0``, ``q1``, ...; classical
bits as double lines below them), gates placed in columns as soon as their
wires are free (greedy as-soon-as-possible placement, the same columns as
qiskit's drawers; a barrier holds back what follows it), boxes with the gate
name and a short parameter text on a second line, the full text in an SVG
``<title>`` tooltip.  Controlled gates: a dot per control (an open circle for a
control on |0>), a vertical line, and the target (⊕ for X, a dot for Z, × for
swap, a box otherwise).  Swap ×-×, measurement meter, reset ``|0⟩``, barriers
as dashed lines, and one box spanning its wires for any other multi-qubit
instruction (a class-form ``ZZFeatureMap``, an ``Interaction`` block).

Colours say what a quantum-ML learner wants to see first: gates whose angle
depends on the inputs (parameters named ``x[...]``) in orange, trainable ones
(any other parameter, ``θ[...]`` here) in blue, gates that mix both in
vermillion, parameter-free entanglers in green, fixed gates in grey (the
Okabe-Ito colours of ``_style.CLASS_COLORS``).  A legend lists the families
present.

Sizing: the SVG has a ``viewBox`` and ``width="100%"``, so it scales to its
panel, never above its natural size nor below the scale at which the smallest
text is ``min_font_px`` (9 px) on screen.  When even that does not fit the
panel (``max_width_px``, 560 by default), a circuit on few wires folds into
systems stacked like lines of music (each wire's label repeated, a › at each
break; at most ``fold_rows`` wire rows in all: 2 qubits at 3 reps fold in two).
Otherwise, and for any circuit past ``scroll_columns`` columns, it is drawn at
its natural size and the wrapper from :func:`circuit_svg_html` scrolls
horizontally, with a "scroll →" hint and the wire labels held in view.
The text drawing (:func:`qmlbench.viz.circuit_html`) stays as the fallback.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field

from ._style import CLASS_COLORS, NEUTRAL_COLOR

__all__ = ["circuit_svg", "circuit_svg_html", "DEFAULT_STYLE", "PANEL_WIDTH"]

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

_LEGEND = (("input", "input x"), ("trainable", "trainable θ"), ("mixed", "input + trainable"),
           ("entangler", "entangler"), ("fixed", "fixed gate"), ("block", "block"),
           ("measure", "measure / reset"))

_NAMES = {
    "h": "H", "x": "X", "y": "Y", "z": "Z", "s": "S", "sdg": "S†", "t": "T", "tdg": "T†",
    "sx": "√X", "sxdg": "√X†", "id": "I", "rx": "Rx", "ry": "Ry", "rz": "Rz", "p": "P",
    "u": "U", "u1": "U1", "u2": "U2", "u3": "U3", "r": "R", "rxx": "Rxx", "ryy": "Ryy",
    "rzz": "Rzz", "rzx": "Rzx", "iswap": "iSwap", "ecr": "ECR", "dcx": "DCX",
    "xx_plus_yy": "XX+YY", "xx_minus_yy": "XX−YY", "global_phase": "GPhase", "delay": "Delay",
    "unitary": "Unitary", "initialize": "Init", "prepare_state": "Prep",
}

_NARROW = set(".,:;'|!il()[]{}·ıj/ ")
_SUBSCRIPT = set("₀₁₂₃₄₅₆₇₈₉")
_WIDE = set("MWm+=√…−⊕×—")


def _text_width(text: str, size: float) -> float:
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


def _esc(text) -> str:
    return html.escape(str(text), quote=True)


def _merge_style(style) -> dict:
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


def _tint(color: str, amount: float) -> str:
    """``color`` mixed with white (``amount`` 0 keeps it, 1 gives white)."""
    c = color.lstrip("#")
    if len(c) != 6:
        return color
    rgb = [int(c[i:i + 2], 16) for i in (0, 2, 4)]
    return "#" + "".join(f"{round(v + (255 - v) * amount):02x}" for v in rgb)


# ---------------------------------------------------------------- parameter text

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_INDEXED = re.compile(r"([^\W\d]\w*)\[(\d+)\]")


def _subscripts(text: str) -> str:
    """``θ[3]`` -> ``θ₃``: the textbook form, and a third narrower in a box."""
    return _INDEXED.sub(lambda m: m.group(1) + m.group(2).translate(_SUB), text)


def _name_key(name: str):
    m = _INDEXED.fullmatch(name)
    return (m.group(1), int(m.group(2))) if m else (name, -1)


def _param_names(params) -> list[str]:
    names = set()
    for p in params:
        for q in getattr(p, "parameters", ()) or ():
            names.add(q.name)
    return sorted(names, key=_name_key)


def _number_text(value) -> str:
    try:
        from qiskit.circuit.tools import pi_check
        return str(pi_check(float(value), output="text", ndigits=3))
    except Exception:  # noqa: BLE001 - a label is never worth an error
        try:
            return f"{float(value):.3g}"
        except (TypeError, ValueError):
            return str(value)


def _param_text(p) -> str:
    """One parameter as short text: ``2·x[0]``, ``θ[3]``, ``π/4``."""
    if getattr(p, "parameters", None):
        return _subscripts(str(p).replace(" ", "").replace("*", "·"))
    if isinstance(p, (int, float, complex)) or hasattr(p, "__float__"):
        return _number_text(p)
    return str(p)


def _vector_summary(names: list[str]) -> str:
    """``['x[0]', 'x[1]', 'x[2]']`` -> ``x[0..2]`` (runs of one vector collapsed)."""
    groups: dict[str, list[int]] = {}
    other = []
    for n in names:
        base, sep, rest = n.partition("[")
        if sep and rest.endswith("]") and rest[:-1].isdigit():
            groups.setdefault(base, []).append(int(rest[:-1]))
        else:
            other.append(n)
    parts = []
    for base, idx in groups.items():
        lo, hi = min(idx), max(idx)
        sub = str.translate
        if len(idx) == 1:
            parts.append(base + sub(str(lo), _SUB))
        elif len(idx) == hi - lo + 1:
            parts.append(f"{base}{sub(str(lo), _SUB)}–{base}{sub(str(hi), _SUB)}")
        else:
            parts.append(f"{len(idx)} {base}")
    return ", ".join(parts + other)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(1, limit - 1)] + "…"


def _params_label(params, limit: int, block: bool = False) -> str:
    """The second line of a box: every parameter, or a summary when that is too long."""
    if not params:
        return ""
    if block:  # a wide instruction's parameters: the vectors it reads
        names = _param_names(params)
        return _short(_vector_summary(names), limit + 4) if names else ""
    texts = [_param_text(p) for p in params]
    full = ",".join(texts)
    if len(full) <= limit:
        return full
    if len(params) == 1 and texts[0] and getattr(params[0], "parameters", None):
        names = _param_names(params)
        summary = "ƒ(" + ",".join(_subscripts(n) for n in names) + ")"
        if len(summary) <= limit + 2:
            return summary
    return _short(full, limit)


# ---------------------------------------------------------------- gate model

@dataclass
class _Item:
    kind: str               # box | wide | ctrl | swap | measure | reset | barrier
    rows: list[int]         # wire rows it touches (qubits first, then clbits)
    name: str = ""
    param: str = ""
    family: str = "fixed"
    title: str = ""
    controls: list = field(default_factory=list)   # (row, is_closed)
    targets: list = field(default_factory=list)    # rows of the target
    target_kind: str = "box"                       # box | x | z | swap | wide
    clbit_row: int | None = None
    clbit_label: str = ""
    width: float = 0.0
    column: int = 0

    @property
    def lo(self) -> int:
        return min(self.rows)

    @property
    def hi(self) -> int:
        return max(self.rows)


def _family(op, num_qubits: int, input_prefix: str) -> str:
    names = _param_names(op.params) if getattr(op, "params", None) else []
    if names:
        has_input = any(n == input_prefix or n.startswith(input_prefix + "[") for n in names)
        has_other = any(not (n == input_prefix or n.startswith(input_prefix + "[")) for n in names)
        if has_input and has_other:
            return "mixed"
        return "input" if has_input else "trainable"
    if num_qubits >= 2:
        return "entangler"
    return "fixed"


def _display_name(op) -> str:
    label = getattr(op, "label", None)
    if label:
        return str(label)
    name = op.name
    return _NAMES.get(name, name if not name.islower() or len(name) > 3 else name.upper())


def _bit_label(circuit, bit, prefix: str) -> str:
    """``q0``, ``q1`` ... for qiskit's default register (or none); ``anc0`` for register ``anc``."""
    loc = circuit.find_bit(bit)
    if loc.registers:
        reg, idx = loc.registers[0]
        return f"{prefix if reg.name == prefix else reg.name}{idx}"
    return f"{prefix}{loc.index}"


def _shown(params) -> list:
    """The parameters worth text: angles and numbers, not matrices, circuits or strings."""
    import numbers

    import numpy as np
    keep = []
    for p in params or []:
        if getattr(p, "parameters", None) is not None and hasattr(p, "bind"):
            keep.append(p)
        elif isinstance(p, numbers.Number) or (isinstance(p, np.generic) and np.ndim(p) == 0):
            keep.append(p)
    return keep


def _describe(op, qubit_labels, clbit_labels=()) -> str:
    params = _shown(getattr(op, "params", None))
    ptxt = "(" + ", ".join(str(p) for p in params) + ")" if params else ""
    text = f"{op.name}{ptxt} on {', '.join(qubit_labels)}"
    if clbit_labels:
        text += " → " + ", ".join(clbit_labels)
    n_ctrl = getattr(op, "num_ctrl_qubits", 0) or 0
    if n_ctrl:
        bits = format(int(op.ctrl_state), f"0{n_ctrl}b")[::-1]
        text += " (controls: " + ", ".join(
            f"{qubit_labels[i]}={bits[i]}" for i in range(n_ctrl)) + ")"
    return text


def _items(circuit, st) -> tuple[list[_Item], list[str], list[str]]:
    from qiskit.circuit import ControlledGate

    nq = circuit.num_qubits
    qlabels = [_bit_label(circuit, q, "q") for q in circuit.qubits]
    clabels = [_bit_label(circuit, c, "c") for c in circuit.clbits]
    limit = st["max_param_chars"]
    items: list[_Item] = []
    for inst in circuit.data:
        op = inst.operation
        qrows = [circuit.find_bit(q).index for q in inst.qubits]
        crows = [nq + circuit.find_bit(c).index for c in inst.clbits]
        qnames = [qlabels[r] for r in qrows]
        cnames = [clabels[r - nq] for r in crows]
        title = _describe(op, qnames, cnames)
        name = op.name
        if name == "barrier":
            if qrows:
                items.append(_Item("barrier", qrows, name=op.label or "", title=title,
                                   family="barrier"))
            continue
        if not qrows and not crows:   # global phase and the like: nothing on a wire
            continue
        if name == "measure" and len(qrows) == 1:
            it = _Item("measure", qrows + crows, title=title, family="measure")
            if crows:
                it.clbit_row, it.clbit_label = crows[0], str(circuit.find_bit(inst.clbits[0]).index)
            items.append(it)
            continue
        if name == "reset" and len(qrows) == 1:
            items.append(_Item("reset", qrows, name="|0⟩", title=title, family="measure"))
            continue
        family = _family(op, len(qrows), st["input_prefix"])
        if isinstance(op, ControlledGate) and op.num_ctrl_qubits < len(qrows):
            n_ctrl = op.num_ctrl_qubits
            bits = format(int(op.ctrl_state), f"0{n_ctrl}b")[::-1]
            base = op.base_gate
            tq = qrows[n_ctrl:]
            it = _Item("ctrl", qrows + crows, title=title, family=family,
                       controls=[(qrows[i], bits[i] == "1") for i in range(n_ctrl)], targets=tq)
            if base.name == "x" and len(tq) == 1:
                it.target_kind = "x"
            elif base.name == "z" and len(tq) == 1:
                it.target_kind = "z"
            elif base.name == "swap" and len(tq) == 2:
                it.target_kind = "swap"
            else:
                it.target_kind = "box" if len(tq) == 1 else "wide"
                it.name = _display_name(base)
                it.param = _params_label(_shown(base.params), limit)
            items.append(it)
            continue
        if name == "swap" and len(qrows) == 2:
            items.append(_Item("swap", qrows, title=title, family="entangler"))
            continue
        standard = name in _NAMES or getattr(op, "definition", None) is None
        if len(qrows) + len(crows) == 1:
            items.append(_Item("box", qrows, name=_display_name(op),
                               param=_params_label(_shown(op.params), limit), family=family, title=title))
        else:
            family = family if (standard or family != "entangler") else "block"
            items.append(_Item("wide", qrows + crows, name=_display_name(op),
                               param=_params_label(_shown(op.params), limit, block=not standard),
                               family=family, title=title))
    return items, qlabels, clabels


# ---------------------------------------------------------------- layout

def _layout(items: list[_Item], num_rows: int, st) -> list[float]:
    """Give each item its column (greedy, as soon as every wire it spans is free) and width;
    returns the width of each column."""
    pad, fs, pfs = st["box_padding"], st["font_size"], st["param_font_size"]
    free = [0] * num_rows
    widths: list[float] = []
    for it in items:
        span = range(it.lo, it.hi + 1)
        col = max(free[r] for r in span)
        it.column = col
        for r in span:
            free[r] = col + 1
        if it.kind == "barrier":
            w = 14.0
        elif it.kind in ("box", "wide") or (it.kind == "ctrl" and it.target_kind in ("box", "wide")):
            text_w = max(_text_width(it.name, fs), _text_width(it.param, pfs) if it.param else 0)
            w = max(st["min_box_width"], text_w + 2 * pad)
            if it.kind == "wide" and _needs_indices(it):
                w += 12
        elif it.kind == "measure":
            w = max(st["min_box_width"], st["box_height"] * 1.05)
        elif it.kind == "reset":
            w = max(st["min_box_width"], _text_width(it.name, fs) + 2 * pad)
        else:  # ctrl with a symbol target, swap
            w = 26.0
        it.width = w
        while len(widths) <= col:
            widths.append(0.0)
        widths[col] = max(widths[col], w)
    return widths


def _needs_indices(it: _Item) -> bool:
    """A wide box whose wires are not exactly its span in order shows each wire's index."""
    qrows = it.rows if it.kind == "wide" else it.targets
    return list(qrows) != list(range(min(qrows), min(qrows) + len(qrows)))


# ---------------------------------------------------------------- drawing

class _Svg:
    def __init__(self):
        self.parts: list[str] = []

    def add(self, s: str) -> None:
        self.parts.append(s)


def _fmt(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _draw_box(out, cx, cy, w, h, name, param, color, st, cls="qb-box"):
    out.add(f'<rect class="{cls}" x="{_fmt(cx - w / 2)}" y="{_fmt(cy - h / 2)}" width="{_fmt(w)}" '
            f'height="{_fmt(h)}" rx="4" fill="{_tint(color, 0.78)}" stroke="{color}" '
            f'stroke-width="1.4"/>')
    _box_text(out, cx, cy, name, param, st)


def _box_text(out, cx, cy, name, param, st):
    fs, pfs, tc = st["font_size"], st["param_font_size"], st["text_color"]
    if param:
        out.add(f'<text class="qb-name" x="{_fmt(cx)}" y="{_fmt(cy - 6)}" font-size="{fs}" '
                f'fill="{tc}">{_esc(name)}</text>')
        out.add(f'<text class="qb-param" x="{_fmt(cx)}" y="{_fmt(cy + 9)}" font-size="{pfs}" '
                f'fill="{tc}">{_esc(param)}</text>')
    else:
        out.add(f'<text class="qb-name" x="{_fmt(cx)}" y="{_fmt(cy + 0.5)}" font-size="{fs}" '
                f'fill="{tc}">{_esc(name)}</text>')


def _dot(out, x, y, color, closed=True, r=5.0):
    fill = color if closed else "#ffffff"
    cls = "qb-ctrl" if closed else "qb-ctrl-open"
    out.add(f'<circle class="{cls}" cx="{_fmt(x)}" cy="{_fmt(y)}" r="{_fmt(r)}" fill="{fill}" '
            f'stroke="{color}" stroke-width="1.5"/>')


def _cross(out, x, y, color, s=6.0):
    out.add(f'<path class="qb-swap" d="M{_fmt(x - s)},{_fmt(y - s)}L{_fmt(x + s)},{_fmt(y + s)}'
            f'M{_fmt(x - s)},{_fmt(y + s)}L{_fmt(x + s)},{_fmt(y - s)}" stroke="{color}" '
            f'stroke-width="2" fill="none"/>')


def _vline(out, x, y0, y1, color, double=False):
    if double:
        for dx in (-1.5, 1.5):
            out.add(f'<line x1="{_fmt(x + dx)}" y1="{_fmt(y0)}" x2="{_fmt(x + dx)}" y2="{_fmt(y1)}" '
                    f'stroke="{color}" stroke-width="1"/>')
    else:
        out.add(f'<line class="qb-link" x1="{_fmt(x)}" y1="{_fmt(y0)}" x2="{_fmt(x)}" '
                f'y2="{_fmt(y1)}" stroke="{color}" stroke-width="2"/>')


def _draw_item(out, it: _Item, x: float, y_of, st):
    colors = st["colors"]
    color = colors.get(it.family, colors["fixed"])
    bh = st["box_height"]
    cls = "qb-barrier" if it.kind == "barrier" else f"qb-gate qb-{it.family}"
    out.add(f'<g class="{cls}" data-kind="{it.kind}" data-column="{it.column}">'
            f'<title>{_esc(it.title)}</title>')
    if it.kind == "barrier":
        rows = sorted(set(it.rows))
        # contiguous runs of wires, each one dashed line through a light band
        runs, start = [], rows[0]
        for a, b in zip(rows, rows[1:] + [None]):
            if b != a + 1:
                runs.append((start, a))
                start = b
        for a, b in runs:
            y0, y1 = y_of(a) - st["row_height"] / 2 + 4, y_of(b) + st["row_height"] / 2 - 4
            out.add(f'<rect x="{_fmt(x - 6)}" y="{_fmt(y0)}" width="12" height="{_fmt(y1 - y0)}" '
                    f'fill="{colors["barrier"]}" fill-opacity="0.15"/>')
            out.add(f'<line x1="{_fmt(x)}" y1="{_fmt(y0)}" x2="{_fmt(x)}" y2="{_fmt(y1)}" '
                    f'stroke="{colors["barrier"]}" stroke-width="1.5" stroke-dasharray="4,3"/>')
        if it.name:
            out.add(f'<text x="{_fmt(x)}" y="{_fmt(y_of(rows[0]) - st["row_height"] / 2 + 2)}" '
                    f'font-size="{st["param_font_size"]}" fill="{st["text_color"]}">'
                    f'{_esc(it.name)}</text>')
    elif it.kind == "box":
        _draw_box(out, x, y_of(it.rows[0]), it.width, bh, it.name, it.param, color, st)
    elif it.kind == "reset":
        _draw_box(out, x, y_of(it.rows[0]), it.width, bh, it.name, "", color, st)
    elif it.kind == "measure":
        y = y_of(it.rows[0])
        if it.clbit_row is not None:
            yc = y_of(it.clbit_row)
            _vline(out, x, y, yc - 5, color, double=True)
            out.add(f'<path d="M{_fmt(x - 4)},{_fmt(yc - 7)}L{_fmt(x + 4)},{_fmt(yc - 7)}'
                    f'L{_fmt(x)},{_fmt(yc - 1)}Z" fill="{color}"/>')
            out.add(f'<text x="{_fmt(x + 9)}" y="{_fmt(yc + 10)}" font-size="{st["param_font_size"]}"'
                    f' fill="{st["text_color"]}">{_esc(it.clbit_label)}</text>')
        w, h = it.width, bh
        out.add(f'<rect class="qb-box" x="{_fmt(x - w / 2)}" y="{_fmt(y - h / 2)}" width="{_fmt(w)}" '
                f'height="{_fmt(h)}" rx="4" fill="{_tint(color, 0.85)}" stroke="{color}" '
                f'stroke-width="1.4"/>')
        r = w * 0.32
        out.add(f'<path class="qb-meter" d="M{_fmt(x - r)},{_fmt(y + h * 0.22)}A{_fmt(r)},{_fmt(r)} 0 0 1 '
                f'{_fmt(x + r)},{_fmt(y + h * 0.22)}M{_fmt(x)},{_fmt(y + h * 0.22)}'
                f'L{_fmt(x + r * 0.75)},{_fmt(y - h * 0.28)}" stroke="{color}" stroke-width="1.5" '
                f'fill="none"/>')
    elif it.kind == "swap":
        a, b = it.rows
        _vline(out, x, y_of(min(a, b)), y_of(max(a, b)), color)
        _cross(out, x, y_of(a), color)
        _cross(out, x, y_of(b), color)
    elif it.kind == "ctrl":
        qrows = [r for r, _ in it.controls] + list(it.targets)
        _vline(out, x, y_of(min(qrows)), y_of(max(qrows)), color)
        if it.target_kind == "x":
            yt, r = y_of(it.targets[0]), 11.0
            out.add(f'<circle class="qb-target" cx="{_fmt(x)}" cy="{_fmt(yt)}" r="{_fmt(r)}" '
                    f'fill="{_tint(color, 0.78)}" stroke="{color}" stroke-width="1.8"/>')
            out.add(f'<path d="M{_fmt(x - r)},{_fmt(yt)}L{_fmt(x + r)},{_fmt(yt)}M{_fmt(x)},'
                    f'{_fmt(yt - r)}L{_fmt(x)},{_fmt(yt + r)}" stroke="{color}" stroke-width="1.8"/>')
        elif it.target_kind == "z":
            _dot(out, x, y_of(it.targets[0]), color)
        elif it.target_kind == "swap":
            for t in it.targets:
                _cross(out, x, y_of(t), color)
        elif it.target_kind == "box":
            _draw_box(out, x, y_of(it.targets[0]), it.width, bh, it.name, it.param, color, st)
        else:
            _draw_wide(out, it, x, y_of, st, color, rows=list(it.targets))
        for row, closed in it.controls:
            _dot(out, x, y_of(row), color, closed=closed)
    elif it.kind == "wide":
        _draw_wide(out, it, x, y_of, st, color, rows=list(it.rows))
    out.add("</g>")


def _draw_wide(out, it, x, y_of, st, color, rows):
    bh = st["box_height"]
    y0, y1 = y_of(min(rows)) - bh / 2, y_of(max(rows)) + bh / 2
    w = it.width
    out.add(f'<rect class="qb-box qb-wide" x="{_fmt(x - w / 2)}" y="{_fmt(y0)}" width="{_fmt(w)}" '
            f'height="{_fmt(y1 - y0)}" rx="4" fill="{_tint(color, 0.78)}" stroke="{color}" '
            f'stroke-width="1.4"/>')
    shift = 0.0
    if _needs_indices(it):
        shift = 5.0
        for i, r in enumerate(rows):
            out.add(f'<text x="{_fmt(x - w / 2 + 7)}" y="{_fmt(y_of(r))}" '
                    f'font-size="{st["param_font_size"]}" fill="{st["text_color"]}">{i}</text>')
    _box_text(out, x + shift, (y0 + y1) / 2, it.name, it.param, st)


def _pack(widths, gap, room) -> list[tuple[int, int]]:
    """Columns into systems (rows of the folded picture), each at most ``room`` wide."""
    systems, c0, used = [], 0, 0.0
    for c, w in enumerate(widths):
        if c > c0 and used + w + gap > room:
            systems.append((c0, c))
            c0, used = c, 0.0
        used += w + gap
    systems.append((c0, len(widths)))
    return systems


def _fold(widths, gap, room, max_systems) -> list[tuple[int, int]] | None:
    """The fewest systems of at most ``room`` each, balanced; None if more than allowed."""
    if max_systems < 2 or room <= 0 or max(widths, default=0) + gap > room:
        return None
    systems = _pack(widths, gap, room)
    k = len(systems)
    if k > max_systems:
        return None
    # balance: the narrowest room that still gives k systems
    lo, hi = (sum(widths) + gap * len(widths)) / k, room
    for _ in range(20):
        mid = (lo + hi) / 2
        if len(_pack(widths, gap, mid)) <= k:
            hi = mid
        else:
            lo = mid
    return _pack(widths, gap, hi)


def _render(circuit, max_width_px, style):
    st = _merge_style(style)
    items, qlabels, clabels = _items(circuit, st)
    nq, nc = len(qlabels), len(clabels)
    rows = nq + nc
    widths = _layout(items, max(rows, 1), st)
    ncols = len(widths)
    gap, margin, rh = st["column_gap"], st["margin"], st["row_height"]
    label_w = max([_text_width(s, st["label_font_size"]) for s in qlabels + clabels] or [0]) + 12
    x0 = margin + label_w
    fonts, lfs = st["font_family"], st["legend_font_size"]

    families = [f for f, _ in _LEGEND if any(it.family == f for it in items)]
    legend_h = 24 if (st["legend"] and families) else 0
    legend_w = sum(16 + _text_width(dict(_LEGEND)[f], lfs) + 14 for f in families)
    min_font = min(st["font_size"], st["param_font_size"], st["label_font_size"],
                   lfs if legend_h else math.inf)
    min_scale = min(1.0, st["min_font_px"] / min_font)
    panel = PANEL_WIDTH if max_width_px is None else float(max_width_px)

    # fit (scaled to the panel, text never below min_font_px), fold (systems stacked like
    # lines of music, when few wires make that short), or scroll (long circuits)
    frame = x0 + gap + 4 + margin           # everything in a system's width but its columns
    natural = frame + sum(widths) + gap * ncols
    systems = [(0, ncols)]
    scroll = False
    if ncols > st["scroll_columns"]:
        scroll = True
    elif max(natural, legend_w + 2 * margin) * min_scale > panel:
        max_systems = st["fold_rows"] // max(rows, 1)
        folded = (_fold(widths, gap, panel - frame, max_systems)
                  or _fold(widths, gap, panel / min_scale - frame, max_systems))
        if folded:
            systems = folded
        else:
            scroll = True

    sys_gap = 10 if len(systems) > 1 else 0
    sys_h = rows * rh + sys_gap
    top = margin + rh / 2
    col_x = [0.0] * ncols
    ends = []
    for c0, c1 in systems:
        x = x0 + gap
        for c in range(c0, c1):
            col_x[c] = x + widths[c] / 2
            x += widths[c] + gap
        ends.append(max(x + 4, x0 + 60))
    sys_of = {c: i for i, (c0, c1) in enumerate(systems) for c in range(c0, c1)}
    height = top + (len(systems) * sys_h - sys_gap) - rh / 2 + legend_h + margin / 2
    width = max(max(ends) + margin, margin * 2 + legend_w if legend_h else 0)

    def y_at(system, row):
        return top + system * sys_h + row * rh

    out, labels = _Svg(), _Svg()
    out.add(f'<rect width="100%" height="100%" fill="{st["background"]}"/>')
    label_attr = (f'text-anchor="end" font-size="{st["label_font_size"]}" '
                  f'fill="{st["text_color"]}"')
    for i, lab in enumerate(qlabels + clabels):
        for k in range(len(systems)):
            y = y_at(k, i)
            out.add(f'<text class="qb-label" x="{_fmt(x0 - 8)}" y="{_fmt(y)}" {label_attr}>'
                    f'{_esc(lab)}</text>')
            if k == 0:
                labels.add(f'<text x="{_fmt(x0 - 8)}" y="{_fmt(y)}" {label_attr}>{_esc(lab)}</text>')
        if i < nq:   # one path per qubit, a segment per system
            d = "".join(f"M{_fmt(x0)},{_fmt(y_at(k, i))}H{_fmt(ends[k])}" for k in range(len(systems)))
            out.add(f'<path class="qb-wire" data-qubit="{i}" d="{d}" stroke="{st["wire_color"]}" '
                    f'stroke-width="1.2" fill="none"/>')
            labels.add(f'<path d="M{_fmt(x0)},{_fmt(y_at(0, i))}h6" stroke="{st["wire_color"]}" '
                       f'stroke-width="1.2"/>')
        else:
            d = "".join(f"M{_fmt(x0)},{_fmt(y_at(k, i) + dy)}H{_fmt(ends[k])}"
                        for k in range(len(systems)) for dy in (-1.5, 1.5))
            out.add(f'<path class="qb-cwire" data-clbit="{i - nq}" d="{d}" '
                    f'stroke="{st["wire_color"]}" stroke-width="1" fill="none"/>')
    for k in range(len(systems) - 1):   # "continued below" marks at the end of each system
        xe = ends[k]
        for i in range(nq):
            y = y_at(k, i)
            out.add(f'<path d="M{_fmt(xe - 4)},{_fmt(y - 4)}l4,4l-4,4" stroke="{st["wire_color"]}" '
                    f'stroke-width="1.2" fill="none"/>')
    for it in items:
        k = sys_of[it.column]
        _draw_item(out, it, col_x[it.column], lambda row, k=k: y_at(k, row), st)
    if legend_h:
        ly = height - margin / 2 - legend_h / 2
        lx = margin
        out.add('<g class="qb-legend">')
        for f in families:
            color = st["colors"][f]
            out.add(f'<rect x="{_fmt(lx)}" y="{_fmt(ly - 6)}" width="12" height="12" rx="2" '
                    f'fill="{_tint(color, 0.78)}" stroke="{color}" stroke-width="1.4"/>')
            text = dict(_LEGEND)[f]
            out.add(f'<text x="{_fmt(lx + 16)}" y="{_fmt(ly)}" text-anchor="start" '
                    f'font-size="{lfs}" fill="{st["text_color"]}">{_esc(text)}</text>')
            lx += 16 + _text_width(text, lfs) + 14
        out.add("</g>")

    name = getattr(circuit, "name", "") or "circuit"
    label = f"{name}: {nq} qubits, {ncols} columns, {sum(it.kind != 'barrier' for it in items)} gates"
    if scroll:
        size = (f'width="{_fmt(width)}" height="{_fmt(height)}" '
                f'style="display:block;max-width:none"')
    else:
        size = (f'width="100%" style="display:block;height:auto;max-width:'
                f'{_fmt(min(width, panel))}px;min-width:{_fmt(math.ceil(width * min_scale * 10) / 10)}px"')
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="qb-circuit" viewBox="0 0 {_fmt(width)} '
            f'{_fmt(height)}" {size} role="img" aria-label="{_esc(label)}" '
            f'data-columns="{ncols}" data-systems="{len(systems)}" '
            f'data-scroll="{str(scroll).lower()}" '
            f'font-family="{_esc(fonts)}" text-anchor="middle" dominant-baseline="central">'
            f'<title>{_esc(label)}</title>')
    svg = head + "".join(out.parts) + "</svg>"
    lw = x0 + 6
    label_svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_fmt(lw)} {_fmt(height)}" '
                 f'width="{_fmt(lw)}" height="{_fmt(height)}" style="display:block" aria-hidden="true" '
                 f'font-family="{_esc(fonts)}" dominant-baseline="central">'
                 f'<rect width="100%" height="{_fmt(height - legend_h)}" fill="{st["background"]}"/>'
                 + "".join(labels.parts) + "</svg>")
    return svg, scroll, ncols, label_svg, lw


def circuit_svg(circuit, *, max_width_px=None, style=None) -> str:
    """The circuit as a self-contained inline SVG string (see the module docstring).

    ``max_width_px``: the width of the panel it goes in (default :data:`PANEL_WIDTH`);
    the picture scales to its container but is never wider than that, unless it would
    have to shrink text below ``style["min_font_px"]``: then it keeps its natural size
    (and ``data-scroll="true"``), meant to scroll inside :func:`circuit_svg_html`'s div.
    ``style``: overrides for :data:`DEFAULT_STYLE` (``colors`` merges by family).

    Every gate is a ``<g class="qb-gate qb-<family>">`` with a ``<title>`` holding its
    full text; barriers are ``qb-barrier``; each qubit wire is one ``path.qb-wire``
    (a segment per system when the picture is folded)."""
    return _render(circuit, max_width_px, style)[0]


def circuit_svg_html(circuit, **kw) -> str:
    """:func:`circuit_svg` inside ``<div class="qb-circuit-svg" style="overflow-x:auto">``,
    for an ``ipywidgets.HTML`` value; a long circuit scrolls there, with a "scroll →" hint
    that stays in view."""
    svg, scroll, columns, label_svg, label_w = _render(circuit, kw.pop("max_width_px", None), kw.pop("style", None))
    if kw:
        raise TypeError(f"circuit_svg_html: unexpected arguments {sorted(kw)}")
    style_ = "overflow-x:auto;max-width:100%"
    if not scroll:
        return f'<div class="qb-circuit-svg" style="{style_}">{svg}</div>'
    # the hint sticks to the left edge while the picture scrolls under it
    hint = (f'<div class="qb-circuit-hint" style="position:sticky;left:0;display:inline-block;'
            f'font:11px sans-serif;color:#555;padding:2px 4px">{columns} columns, '
            f'scroll →</div>')
    # the wire labels stay in view too: a copy of them sticks over the picture's own
    sticky = (f'<div class="qb-circuit-labels" style="position:sticky;left:0;z-index:1;flex:none;'
              f'width:{_fmt(label_w)}px;margin-right:-{_fmt(label_w)}px">{label_svg}</div>')
    return (f'<div class="qb-circuit-svg qb-scroll" style="{style_}">'
            f'<div style="display:flex;width:max-content">{sticky}{svg}</div>{hint}</div>')
