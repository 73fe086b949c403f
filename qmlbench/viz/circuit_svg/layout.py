"""Where everything goes: items into columns (greedy, as soon as their wires are free),
each column's width, and the page: fit, fold into stacked systems, or scroll."""

from __future__ import annotations

from dataclasses import dataclass

from .items import Item, needs_indices
from .style import text_width


def columns(items: list[Item], num_rows: int, st) -> list[float]:
    """Give each item its column (greedy, as soon as every wire it spans is free) and width;
    returns the width of each column."""
    free = [0] * num_rows
    widths: list[float] = []
    for it in items:
        span = range(it.lo, it.hi + 1)
        col = max(free[r] for r in span)
        it.column = col
        for r in span:
            free[r] = col + 1
        it.width = _item_width(it, st)
        while len(widths) <= col:
            widths.append(0.0)
        widths[col] = max(widths[col], it.width)
    return widths


def _item_width(it: Item, st) -> float:
    pad, fs, pfs = st["box_padding"], st["font_size"], st["param_font_size"]
    if it.kind == "barrier":
        return 14.0
    if it.kind in ("box", "wide") or (it.kind == "ctrl" and it.target_kind in ("box", "wide")):
        text_w = max(text_width(it.name, fs), text_width(it.param, pfs) if it.param else 0)
        w = max(st["min_box_width"], text_w + 2 * pad)
        if it.kind == "wide" and needs_indices(it):
            w += 12
        return w
    if it.kind == "measure":
        return max(st["min_box_width"], st["box_height"] * 1.05)
    if it.kind == "reset":
        return max(st["min_box_width"], text_width(it.name, fs) + 2 * pad)
    return 26.0   # ctrl with a symbol target, swap


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


@dataclass
class Page:
    """The picture's geometry: systems (column ranges stacked like lines of music), the
    centre of each column, where each system's wires end, and the whole size."""
    x0: float                      # where the wires start (right of the labels)
    top: float                     # the first wire's height
    row_height: float
    system_height: float
    systems: list[tuple[int, int]]
    column_x: list[float]
    ends: list[float]
    system_of: dict[int, int]      # column -> system
    width: float
    height: float
    scroll: bool

    def y(self, system: int, row: int) -> float:
        return self.top + system * self.system_height + row * self.row_height


def plan(widths, num_rows, x0, legend_w, legend_h, min_scale, panel, st) -> Page:
    """Fit (scaled to the panel, text never below min_font_px), fold (systems stacked like
    lines of music, when few wires make that short), or scroll (long circuits)."""
    systems, scroll = _systems(widths, num_rows, x0, legend_w, min_scale, panel, st)
    gap, margin, rh = st["column_gap"], st["margin"], st["row_height"]
    sys_gap = 10 if len(systems) > 1 else 0
    sys_h = num_rows * rh + sys_gap
    top = margin + rh / 2
    col_x = [0.0] * len(widths)
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
    return Page(x0, top, rh, sys_h, systems, col_x, ends, sys_of, width, height, scroll)


def _systems(widths, num_rows, x0, legend_w, min_scale, panel, st):
    """The systems and whether the picture scrolls instead."""
    gap, margin, ncols = st["column_gap"], st["margin"], len(widths)
    frame = x0 + gap + 4 + margin           # everything in a system's width but its columns
    natural = frame + sum(widths) + gap * ncols
    if ncols > st["scroll_columns"]:
        return [(0, ncols)], True
    if max(natural, legend_w + 2 * margin) * min_scale > panel:
        max_systems = st["fold_rows"] // max(num_rows, 1)
        folded = (_fold(widths, gap, panel - frame, max_systems)
                  or _fold(widths, gap, panel / min_scale - frame, max_systems))
        return (folded, False) if folded else ([(0, ncols)], True)
    return [(0, ncols)], False
