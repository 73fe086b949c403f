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


#: A small experiment for journeys that train often: each run takes seconds. Tests that
#: need another setting change it with ``SMALL.replace(...)``.
SMALL_SPEC = {
    "dataset": {"name": "moons", "n_samples": 40, "noise": 0.1, "test_size": 0.25},
    "circuit": {"feature_map": {"name": "zz", "reps": 1},
                "ansatz": {"name": "real_amplitudes", "reps": 1}},
    "model": {"name": "vqc"}, "optimizer": {"name": "cobyla", "maxiter": 12}, "seed": 1}

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
    first word (labels like "circles (classification)" name the value first), or the
    name in brackets that ends it ("Quantum SVC (qsvc)")."""
    sel = f"{css} select"
    labels = page.eval_on_selector(
        sel, "(s, v) => Array.from(s.options).filter((o) => o.value === v || o.label === v"
             " || o.label.split(/\\s/)[0] === v || o.label.endsWith('(' + v + ')'))"
             ".map((o) => o.value)", value)
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


# --- figures that are alive -------------------------------------------------------

def throttle_cpu(page, rate: float) -> None:
    """Chromium's CPU throttling (a slow laptop, or a page on a loaded machine)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
    page.cdp = cdp


_ALL_DRAWN = """() => { const all = Array.from(document.querySelectorAll('.js-plotly-plot'));
  return all.length > 0 && all.every((e) => !!(e._fullLayout && e.data)); }"""


def plot_count(page) -> int:
    return page.evaluate("() => document.querySelectorAll('.js-plotly-plot').length")


def wait_all_drawn(page, timeout_ms: float = 60_000) -> int:
    """Wait until every plotly plot on the page is drawn; returns how many there are."""
    page.wait_for_function(_ALL_DRAWN, timeout=timeout_ms)
    return plot_count(page)


_POINTS = """(sel) => { const e = document.querySelector(sel);
  if (!e || !e.data) return null;
  const out = [];
  for (const t of e.data) if (t.name === 'train' || t.name === 'test')
    for (let i = 0; i < (t.x ? t.x.length : 0); i++) out.push([t.name, +t.x[i], +t.y[i]]);
  return out; }"""


def expected_points(spec) -> list:
    """The points the data scatter must show for ``spec``: the engine's prepared
    dataset, first two features (one feature: the target on the y axis)."""
    import numpy as np

    from qmlbench.widgets.session import Session

    ds = Session(spec).get_dataset()
    out = []
    for name, X, y in (("train", ds.X_train, ds.y_train), ("test", ds.X_test, ds.y_test)):
        X = np.asarray(X).reshape(len(X), -1)
        ys = X[:, 1] if X.shape[1] > 1 else (np.asarray(y, float) if ds.task != "classification"
                                             else np.zeros(len(X)))
        out += [(name, round(float(a), 5), round(float(b), 5)) for a, b in zip(X[:, 0], ys)]
    return sorted(out)


def drawn_points(page, selector: str) -> list:
    found = page.evaluate(_POINTS, selector) or []
    return sorted((n, round(a, 5), round(b, 5)) for n, a, b in found)


def wait_points(page, selector: str, spec, timeout_ms: float = 60_000) -> None:
    """Wait until the plot ``selector`` shows exactly the points of ``spec``'s dataset."""
    want = expected_points(spec)
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        got = drawn_points(page, selector)
        if got == want:
            return
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{selector} shows {len(got)} points, not the {len(want)} of {spec.dataset.name}"
                f" (first drawn {got[:2]}, first expected {want[:2]}): is the figure frozen?")
        page.wait_for_timeout(200)


def wait_heatmap(page, selector: str, timeout_ms: float = 60_000) -> dict:
    page.wait_for_function(
        """(sel) => { const e = document.querySelector(sel);
             return !!e && !!e.data && e.data.some((t) => t.type === 'heatmap' && t.z && t.z.length > 1); }""",
        arg=selector, timeout=timeout_ms)
    return [t for t in traces(page, selector) if t["type"] == "heatmap"][0]


def anywidget_failures(page) -> int:
    """How many times anywidget gave up on a model (it says so as an uncaught
    rejection, or on the console)."""
    lines = list(getattr(page, "console", [])) + list(getattr(page, "page_errors", []))
    return sum("Failed to initialize model" in line for line in lines)


_WATCH_STATUS = """(sel) => { const el = document.querySelector(sel);
  window.__qbStatus = [];
  if (window.__qbObs) window.__qbObs.disconnect();
  window.__qbObs = new MutationObserver(() => window.__qbStatus.push(el.innerText.trim()));
  window.__qbObs.observe(el, {subtree: true, childList: true, characterData: true}); }"""
_RUN_ENDED = """() => { const log = window.__qbStatus || [];
  const i = log.findIndex((t) => t.startsWith('running'));
  return i >= 0 && log.slice(i).some((t) => /^(done|error|stopped)/.test(t)); }"""


def click_and_wait_run(page, button: str = ".qb-train", status: str = ".qb-status",
                       timeout_ms: float = 90_000) -> str:
    """Press ``button`` and wait for *this* run to end (its status said "running"
    and then done, error or stopped: an old "done" does not count); returns the
    final status text."""
    page.evaluate(_WATCH_STATUS, status)
    page.click(button)
    page.wait_for_function(_RUN_ENDED, timeout=timeout_ms)
    return wait_text(page, status, ["done", "error", "stopped"], timeout_ms=timeout_ms)
