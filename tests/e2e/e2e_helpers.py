"""Small Playwright helpers for the dashboard: open it, read plotly's drawn
data, select from ipywidgets dropdowns, switch tabs, time what a user sees."""

from __future__ import annotations

import json
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
TIMINGS = ARTIFACTS / "e2e-timings.json"

# ipywidgets' add_class lands on the plot element itself for a FigureWidget;
# the second form covers a wrapper holding the plot.
def plot_selector(css: str) -> str:
    return f"{css}.js-plotly-plot, {css} .js-plotly-plot"


LOSS = plot_selector(".qb-loss")
BOUNDARY = plot_selector(".qb-boundary")
SCATTER = plot_selector(".qb-scatter")
PLATEAU = plot_selector(".qb-plateau-plot")

_DRAWN = """(sel) => { const e = document.querySelector(sel); return !!(e && e._fullLayout && e.data); }"""
_TRACES = """(sel) => {
  const e = document.querySelector(sel);
  if (!e || !e.data) return null;
  const len = (a) => (a == null ? 0 : (a.length !== undefined ? a.length : 0));
  return e.data.map((t) => ({type: t.type || "scatter", name: t.name || "",
    x: len(t.x), y: len(t.y), z: len(t.z),
    y_values: Array.from(t.y || []).slice(0, 2000),
    x_values: Array.from(t.x || []).slice(0, 2000)}));
}"""


def record_timing(name: str, seconds: float) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    data = json.loads(TIMINGS.read_text()) if TIMINGS.exists() else {}
    data[name] = round(seconds, 3)
    TIMINGS.write_text(json.dumps(data, indent=2, sort_keys=True))


def open_dashboard(page, url: str) -> float:
    """Open the dashboard and wait until it is usable: the app and its Train
    button are visible and the loss plot is drawn. Returns the seconds taken."""
    start = time.perf_counter()
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector(".qb-workbench", state="visible")
    page.wait_for_selector(".qb-train", state="visible")
    page.wait_for_function(_DRAWN, arg=LOSS)
    return time.perf_counter() - start


def wait_drawn(page, selector: str, timeout_ms: float = 60_000) -> None:
    page.wait_for_function(_DRAWN, arg=selector, timeout=timeout_ms)


def traces(page, selector: str) -> list[dict]:
    """The traces plotly has drawn in the first element matching ``selector``."""
    found = page.evaluate(_TRACES, selector)
    assert found is not None, f"no drawn plotly figure matches {selector!r}"
    return found


def trace_length(page, selector: str, index: int = 0, axis: str = "y") -> int:
    return page.evaluate(
        """([sel, i, axis]) => { const e = document.querySelector(sel);
             const t = e && e.data && e.data[i]; const a = t && t[axis];
             return a ? a.length : 0; }""", [selector, index, axis])


def wait_trace_length(page, selector: str, at_least: int, index: int = 0, axis: str = "y",
                      timeout_ms: float = 60_000) -> None:
    page.wait_for_function(
        """([sel, i, axis, n]) => { const e = document.querySelector(sel);
             const t = e && e.data && e.data[i]; const a = t && t[axis];
             return !!a && a.length >= n; }""",
        arg=[selector, index, axis, at_least], timeout=timeout_ms, polling="raf")


def text(page, selector: str) -> str:
    return page.inner_text(selector).strip()


def wait_text(page, selector: str, words, timeout_ms: float = 60_000) -> str:
    """Wait until the element's text contains one of ``words``; returns the text."""
    words = [words] if isinstance(words, str) else list(words)
    page.wait_for_function(
        """([sel, words]) => { const e = document.querySelector(sel);
             return !!e && words.some((w) => e.innerText.includes(w)); }""",
        arg=[selector, words], timeout=timeout_ms)
    return text(page, selector)


def select(page, css: str, value: str) -> None:
    """Choose ``value`` in an ipywidgets Dropdown: an option's whole label, or its
    first word (labels like "circles (classification)" name the value first)."""
    sel = f"{css} select"
    labels = page.eval_on_selector(
        sel, "(s, v) => Array.from(s.options).filter((o) => o.value === v || o.label === v"
             " || o.label.split(/\\s/)[0] === v).map((o) => o.value)", value)
    assert labels, f"{value!r} is not an option of {css}"
    page.select_option(sel, value=labels[0])


def selected(page, css: str) -> str:
    """The first word of the selected option's label (the value's name)."""
    return page.eval_on_selector(f"{css} select",
                                 "(s) => s.options[s.selectedIndex].label.split(/\\s/)[0]")


def open_tab(page, container_css: str, title: str) -> None:
    page.click(f"{container_css} .lm-TabBar-tab:has-text('{title}')")


def spec_json(page) -> str:
    return page.eval_on_selector(".qb-spec textarea", "(t) => t.value")


def set_textarea(page, css: str, value: str) -> None:
    page.fill(f"{css} textarea", value)
    # ipywidgets syncs a Textarea on change (blur) unless continuous_update
    page.eval_on_selector(f"{css} textarea", "(t) => t.dispatchEvent(new Event('change', {bubbles: true}))")
