"""The whole picture: wires and their labels on every system, the items, the legend, the
``<svg>`` element sized to fit, fold or scroll; and the HTML wrapper that scrolls it."""

from __future__ import annotations

import math

from .glyphs import Svg, draw_item, esc, fmt, framed_rect
from .items import items_of
from .layout import Page, columns, plan
from .style import LEGEND, PANEL_WIDTH, merge_style, text_width


def _render(circuit, max_width_px, style):
    """``(svg, scroll, columns, label_svg, label_width)``: the picture, whether it scrolls,
    its column count, and the wire labels alone (to stick over a scrolling picture)."""
    st = merge_style(style)
    items, qlabels, clabels = items_of(circuit, st)
    rows = len(qlabels) + len(clabels)
    widths = columns(items, max(rows, 1), st)
    label_w = max([text_width(s, st["label_font_size"]) for s in qlabels + clabels] or [0]) + 12
    x0 = st["margin"] + label_w
    lfs = st["legend_font_size"]
    families = [f for f, _ in LEGEND if any(it.family == f for it in items)]
    legend_h = 24 if (st["legend"] and families) else 0
    legend_w = sum(16 + text_width(dict(LEGEND)[f], lfs) + 14 for f in families)
    min_font = min(st["font_size"], st["param_font_size"], st["label_font_size"],
                   lfs if legend_h else math.inf)
    min_scale = min(1.0, st["min_font_px"] / min_font)
    panel = PANEL_WIDTH if max_width_px is None else float(max_width_px)
    page = plan(widths, rows, x0, legend_w, legend_h, min_scale, panel, st)

    out, labels = Svg(), Svg()
    out.add(f'<rect width="100%" height="100%" fill="{st["background"]}"/>')
    _draw_wires(out, labels, page, qlabels, clabels, st)
    for it in items:
        k = page.system_of[it.column]
        draw_item(out, it, page.column_x[it.column], lambda row, k=k: page.y(k, row), st)
    if legend_h:
        _draw_legend(out, page.height - st["margin"] / 2 - legend_h / 2, families, st)

    name = getattr(circuit, "name", "") or "circuit"
    label = (f"{name}: {len(qlabels)} qubits, {len(widths)} columns, "
             f"{sum(it.kind != 'barrier' for it in items)} gates")
    svg = _svg_element(page, label, len(widths), min(page.width, panel), min_scale, st, out)
    lw = x0 + 6
    return svg, page.scroll, len(widths), _label_svg(lw, page.height, legend_h, labels, st), lw


def _draw_wires(out, labels, page: Page, qlabels, clabels, st):
    """Each wire's label on every system (the first system's also into ``labels``), one path
    per qubit and a double line per classical bit (a segment per system), and a › at the
    end of every system but the last."""
    nq, x0, n_sys, wire = len(qlabels), page.x0, len(page.systems), st["wire_color"]
    label_attr = (f'text-anchor="end" font-size="{st["label_font_size"]}" '
                  f'fill="{st["text_color"]}"')
    for i, lab in enumerate(qlabels + clabels):
        for k in range(n_sys):
            y = page.y(k, i)
            out.add(f'<text class="qb-label" x="{fmt(x0 - 8)}" y="{fmt(y)}" {label_attr}>'
                    f'{esc(lab)}</text>')
            if k == 0:
                labels.add(f'<text x="{fmt(x0 - 8)}" y="{fmt(y)}" {label_attr}>{esc(lab)}</text>')
        if i < nq:   # one path per qubit, a segment per system
            d = "".join(f"M{fmt(x0)},{fmt(page.y(k, i))}H{fmt(page.ends[k])}" for k in range(n_sys))
            out.add(f'<path class="qb-wire" data-qubit="{i}" d="{d}" stroke="{wire}" '
                    f'stroke-width="1.2" fill="none"/>')
            labels.add(f'<path d="M{fmt(x0)},{fmt(page.y(0, i))}h6" stroke="{wire}" '
                       f'stroke-width="1.2"/>')
        else:
            d = "".join(f"M{fmt(x0)},{fmt(page.y(k, i) + dy)}H{fmt(page.ends[k])}"
                        for k in range(n_sys) for dy in (-1.5, 1.5))
            out.add(f'<path class="qb-cwire" data-clbit="{i - nq}" d="{d}" '
                    f'stroke="{wire}" stroke-width="1" fill="none"/>')
    for k in range(n_sys - 1):   # "continued below" marks at the end of each system
        xe = page.ends[k]
        for i in range(nq):
            y = page.y(k, i)
            out.add(f'<path d="M{fmt(xe - 4)},{fmt(y - 4)}l4,4l-4,4" stroke="{wire}" '
                    f'stroke-width="1.2" fill="none"/>')


def _draw_legend(out, ly, families, st):
    """One swatch and name per colour family present, in a row at height ``ly``."""
    lx, lfs = st["margin"], st["legend_font_size"]
    out.add('<g class="qb-legend">')
    for f in families:
        framed_rect(out, lx, ly - 6, 12, 12, st["colors"][f], cls="", rx=2)
        text = dict(LEGEND)[f]
        out.add(f'<text x="{fmt(lx + 16)}" y="{fmt(ly)}" text-anchor="start" '
                f'font-size="{lfs}" fill="{st["text_color"]}">{esc(text)}</text>')
        lx += 16 + text_width(text, lfs) + 14
    out.add("</g>")


def _svg_element(page: Page, label, ncols, max_width, min_scale, st, out) -> str:
    """The ``<svg>``: natural size when it scrolls, else 100% wide between the width that
    keeps text legible and ``max_width``."""
    width, height = page.width, page.height
    if page.scroll:
        size = (f'width="{fmt(width)}" height="{fmt(height)}" '
                f'style="display:block;max-width:none"')
    else:
        size = (f'width="100%" style="display:block;height:auto;max-width:'
                f'{fmt(max_width)}px;min-width:{fmt(math.ceil(width * min_scale * 10) / 10)}px"')
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="qb-circuit" viewBox="0 0 {fmt(width)} '
            f'{fmt(height)}" {size} role="img" aria-label="{esc(label)}" '
            f'data-columns="{ncols}" data-systems="{len(page.systems)}" '
            f'data-scroll="{str(page.scroll).lower()}" '
            f'font-family="{esc(st["font_family"])}" text-anchor="middle" dominant-baseline="central">'
            f'<title>{esc(label)}</title>')
    return head + "".join(out.parts) + "</svg>"


def _label_svg(lw, height, legend_h, labels, st) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {fmt(lw)} {fmt(height)}" '
            f'width="{fmt(lw)}" height="{fmt(height)}" style="display:block" aria-hidden="true" '
            f'font-family="{esc(st["font_family"])}" dominant-baseline="central">'
            f'<rect width="100%" height="{fmt(height - legend_h)}" fill="{st["background"]}"/>'
            + "".join(labels.parts) + "</svg>")


def circuit_svg(circuit, *, max_width_px=None, style=None) -> str:
    """The circuit as a self-contained inline SVG string (see the package docstring).

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
    svg, scroll, ncols, label_svg, label_w = _render(
        circuit, kw.pop("max_width_px", None), kw.pop("style", None))
    if kw:
        raise TypeError(f"circuit_svg_html: unexpected arguments {sorted(kw)}")
    style_ = "overflow-x:auto;max-width:100%"
    if not scroll:
        return f'<div class="qb-circuit-svg" style="{style_}">{svg}</div>'
    # the hint sticks to the left edge while the picture scrolls under it
    hint = (f'<div class="qb-circuit-hint" style="position:sticky;left:0;display:inline-block;'
            f'font:11px sans-serif;color:#555;padding:2px 4px">{ncols} columns, '
            f'scroll →</div>')
    # the wire labels stay in view too: a copy of them sticks over the picture's own
    sticky = (f'<div class="qb-circuit-labels" style="position:sticky;left:0;z-index:1;flex:none;'
              f'width:{fmt(label_w)}px;margin-right:-{fmt(label_w)}px">{label_svg}</div>')
    return (f'<div class="qb-circuit-svg qb-scroll" style="{style_}">'
            f'<div style="display:flex;width:max-content">{sticky}{svg}</div>{hint}</div>')
