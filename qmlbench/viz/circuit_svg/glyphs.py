"""SVG markup for each kind of item: gate boxes, wide boxes, controls and targets, swap,
measurement meter, reset, barriers; each item one ``<g>`` with its ``<title>`` tooltip."""

from __future__ import annotations

import html

from .items import Item, needs_indices
from .style import tint


class Svg:
    """SVG elements collected in drawing order."""

    def __init__(self):
        self.parts: list[str] = []

    def add(self, s: str) -> None:
        self.parts.append(s)


def fmt(v: float) -> str:
    """A coordinate: one decimal at most, no trailing zeros."""
    return f"{v:.1f}".rstrip("0").rstrip(".")


def esc(text) -> str:
    return html.escape(str(text), quote=True)


def framed_rect(out, x, y, w, h, color, cls="qb-box", fill=0.78, rx=4):
    """A rectangle outlined in ``color`` and filled with its tint (top-left at x, y)."""
    cls_attr = f' class="{cls}"' if cls else ""
    out.add(f'<rect{cls_attr} x="{fmt(x)}" y="{fmt(y)}" width="{fmt(w)}" '
            f'height="{fmt(h)}" rx="{rx}" fill="{tint(color, fill)}" stroke="{color}" '
            f'stroke-width="1.4"/>')


def _box(out, cx, cy, w, h, name, param, color, st):
    framed_rect(out, cx - w / 2, cy - h / 2, w, h, color)
    _box_text(out, cx, cy, name, param, st)


def _box_text(out, cx, cy, name, param, st):
    fs, pfs, tc = st["font_size"], st["param_font_size"], st["text_color"]
    if param:
        out.add(f'<text class="qb-name" x="{fmt(cx)}" y="{fmt(cy - 6)}" font-size="{fs}" '
                f'fill="{tc}">{esc(name)}</text>')
        out.add(f'<text class="qb-param" x="{fmt(cx)}" y="{fmt(cy + 9)}" font-size="{pfs}" '
                f'fill="{tc}">{esc(param)}</text>')
    else:
        out.add(f'<text class="qb-name" x="{fmt(cx)}" y="{fmt(cy + 0.5)}" font-size="{fs}" '
                f'fill="{tc}">{esc(name)}</text>')


def _dot(out, x, y, color, closed=True, r=5.0):
    fill = color if closed else "#ffffff"
    cls = "qb-ctrl" if closed else "qb-ctrl-open"
    out.add(f'<circle class="{cls}" cx="{fmt(x)}" cy="{fmt(y)}" r="{fmt(r)}" fill="{fill}" '
            f'stroke="{color}" stroke-width="1.5"/>')


def _cross(out, x, y, color, s=6.0):
    out.add(f'<path class="qb-swap" d="M{fmt(x - s)},{fmt(y - s)}L{fmt(x + s)},{fmt(y + s)}'
            f'M{fmt(x - s)},{fmt(y + s)}L{fmt(x + s)},{fmt(y - s)}" stroke="{color}" '
            f'stroke-width="2" fill="none"/>')


def _vline(out, x, y0, y1, color, double=False):
    if double:
        for dx in (-1.5, 1.5):
            out.add(f'<line x1="{fmt(x + dx)}" y1="{fmt(y0)}" x2="{fmt(x + dx)}" y2="{fmt(y1)}" '
                    f'stroke="{color}" stroke-width="1"/>')
    else:
        out.add(f'<line class="qb-link" x1="{fmt(x)}" y1="{fmt(y0)}" x2="{fmt(x)}" '
                f'y2="{fmt(y1)}" stroke="{color}" stroke-width="2"/>')


def draw_item(out, it: Item, x: float, y_of, st):
    """``it`` centred on column ``x``; ``y_of(row)`` is a wire's height in its system."""
    colors = st["colors"]
    color = colors.get(it.family, colors["fixed"])
    cls = "qb-barrier" if it.kind == "barrier" else f"qb-gate qb-{it.family}"
    out.add(f'<g class="{cls}" data-kind="{it.kind}" data-column="{it.column}">'
            f'<title>{esc(it.title)}</title>')
    _DRAW[it.kind](out, it, x, y_of, st, color)
    out.add("</g>")


def _draw_barrier(out, it, x, y_of, st, color):
    """Each contiguous run of wires: one dashed line through a light band."""
    barrier, rh = st["colors"]["barrier"], st["row_height"]
    rows = sorted(set(it.rows))
    runs, start = [], rows[0]
    for a, b in zip(rows, rows[1:] + [None]):
        if b != a + 1:
            runs.append((start, a))
            start = b
    for a, b in runs:
        y0, y1 = y_of(a) - rh / 2 + 4, y_of(b) + rh / 2 - 4
        out.add(f'<rect x="{fmt(x - 6)}" y="{fmt(y0)}" width="12" height="{fmt(y1 - y0)}" '
                f'fill="{barrier}" fill-opacity="0.15"/>')
        out.add(f'<line x1="{fmt(x)}" y1="{fmt(y0)}" x2="{fmt(x)}" y2="{fmt(y1)}" '
                f'stroke="{barrier}" stroke-width="1.5" stroke-dasharray="4,3"/>')
    if it.name:
        out.add(f'<text x="{fmt(x)}" y="{fmt(y_of(rows[0]) - rh / 2 + 2)}" '
                f'font-size="{st["param_font_size"]}" fill="{st["text_color"]}">'
                f'{esc(it.name)}</text>')


def _draw_box(out, it, x, y_of, st, color):
    _box(out, x, y_of(it.rows[0]), it.width, st["box_height"], it.name, it.param, color, st)


def _draw_measure(out, it, x, y_of, st, color):
    """The meter box; a double line down to the classical bit, an arrow and its index."""
    y = y_of(it.rows[0])
    if it.clbit_row is not None:
        yc = y_of(it.clbit_row)
        _vline(out, x, y, yc - 5, color, double=True)
        out.add(f'<path d="M{fmt(x - 4)},{fmt(yc - 7)}L{fmt(x + 4)},{fmt(yc - 7)}'
                f'L{fmt(x)},{fmt(yc - 1)}Z" fill="{color}"/>')
        out.add(f'<text x="{fmt(x + 9)}" y="{fmt(yc + 10)}" font-size="{st["param_font_size"]}"'
                f' fill="{st["text_color"]}">{esc(it.clbit_label)}</text>')
    w, h = it.width, st["box_height"]
    framed_rect(out, x - w / 2, y - h / 2, w, h, color, fill=0.85)
    r = w * 0.32
    out.add(f'<path class="qb-meter" d="M{fmt(x - r)},{fmt(y + h * 0.22)}A{fmt(r)},{fmt(r)} 0 0 1 '
            f'{fmt(x + r)},{fmt(y + h * 0.22)}M{fmt(x)},{fmt(y + h * 0.22)}'
            f'L{fmt(x + r * 0.75)},{fmt(y - h * 0.28)}" stroke="{color}" stroke-width="1.5" '
            f'fill="none"/>')


def _draw_swap(out, it, x, y_of, st, color):
    a, b = it.rows
    _vline(out, x, y_of(min(a, b)), y_of(max(a, b)), color)
    _cross(out, x, y_of(a), color)
    _cross(out, x, y_of(b), color)


def _draw_ctrl(out, it, x, y_of, st, color):
    """The link through all its qubits, the target, then the control dots over the link."""
    qrows = [r for r, _ in it.controls] + list(it.targets)
    _vline(out, x, y_of(min(qrows)), y_of(max(qrows)), color)
    if it.target_kind == "x":
        yt, r = y_of(it.targets[0]), 11.0
        out.add(f'<circle class="qb-target" cx="{fmt(x)}" cy="{fmt(yt)}" r="{fmt(r)}" '
                f'fill="{tint(color, 0.78)}" stroke="{color}" stroke-width="1.8"/>')
        out.add(f'<path d="M{fmt(x - r)},{fmt(yt)}L{fmt(x + r)},{fmt(yt)}M{fmt(x)},'
                f'{fmt(yt - r)}L{fmt(x)},{fmt(yt + r)}" stroke="{color}" stroke-width="1.8"/>')
    elif it.target_kind == "z":
        _dot(out, x, y_of(it.targets[0]), color)
    elif it.target_kind == "swap":
        for t in it.targets:
            _cross(out, x, y_of(t), color)
    elif it.target_kind == "box":
        _box(out, x, y_of(it.targets[0]), it.width, st["box_height"], it.name, it.param, color, st)
    else:
        _wide(out, it, x, y_of, st, color, rows=list(it.targets))
    for row, closed in it.controls:
        _dot(out, x, y_of(row), color, closed=closed)


def _draw_wide(out, it, x, y_of, st, color):
    _wide(out, it, x, y_of, st, color, rows=list(it.rows))


def _wide(out, it, x, y_of, st, color, rows):
    """One box spanning ``rows``; each wire's index at its left when they are not in order."""
    bh = st["box_height"]
    y0, y1 = y_of(min(rows)) - bh / 2, y_of(max(rows)) + bh / 2
    w = it.width
    framed_rect(out, x - w / 2, y0, w, y1 - y0, color, cls="qb-box qb-wide")
    shift = 0.0
    if needs_indices(it):
        shift = 5.0
        for i, r in enumerate(rows):
            out.add(f'<text x="{fmt(x - w / 2 + 7)}" y="{fmt(y_of(r))}" '
                    f'font-size="{st["param_font_size"]}" fill="{st["text_color"]}">{i}</text>')
    _box_text(out, x + shift, (y0 + y1) / 2, it.name, it.param, st)


_DRAW = {"barrier": _draw_barrier, "box": _draw_box, "reset": _draw_box,
         "measure": _draw_measure, "swap": _draw_swap, "ctrl": _draw_ctrl, "wide": _draw_wide}
