"""Whole journeys through the dashboard in Chromium, and figures that stay alive.

The frozen plots of issues 9 and 15: anywidget gave up on a figure whose model
took more than 2 s to initialize and dropped every later update, so the loss
curve, the data scatter and the boundary kept their first picture while the
status kept changing.  These tests assert every figure is *alive*: drawn, and
redrawn after each change, with the points the engine says it must show.

Timeouts follow from times measured on a 2-core box at load ~5 with the CPU hog
(``QMLBENCH_E2E_CPU_HOG=1``) running; each is about 3x the slowest seen there
(see ``test-artifacts/e2e-timings.json`` for this run's own):
  page usable, 4x throttled        30-45 s   -> THROTTLED_PAGE_MS
  a figure redrawn after a change   1-6 s    -> REDRAW_MS
  a small training run, done        3-15 s   -> TRAIN_MS
"""

from __future__ import annotations

import json
import time

import pytest

from e2e_helpers import (
    SMALL_SPEC, _RUN_ENDED, _WATCH_STATUS, click_and_wait_run, BOUNDARY, LOSS, SCATTER, anywidget_failures, open_dashboard, open_tab, plot_count,
    record_timing, select, selected, set_textarea, spec_json, text, throttle_cpu,
    trace_length, wait_all_drawn, wait_heatmap, wait_points, wait_text, wait_trace_length,
)
from qmlbench import ExperimentSpec
from qmlbench.dashboard import _GLOBAL_NAME
from qmlbench.widgets import PRESETS, preset_spec, share_query

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]

THROTTLE_RATE = 4
THROTTLED_PAGE_MS = 150_000
REDRAW_MS = 30_000
TRAIN_MS = 90_000

SMALL = ExperimentSpec.from_dict(SMALL_SPEC)


def page_spec(page) -> ExperimentSpec:
    return ExperimentSpec.from_json(spec_json(page))


def share_link(page) -> str:
    return page.eval_on_selector(".qb-link-text input", "(i) => i.value")


def choose_dataset(page, name: str, timeout_ms: float = REDRAW_MS) -> ExperimentSpec:
    """Pick dataset ``name``; wait until the kernel has it and the scatter shows its points."""
    select(page, ".qb-dataset", name)
    spec = wait_spec(page, lambda s: s.dataset.name == name)
    wait_points(page, SCATTER, spec, timeout_ms=timeout_ms)
    return spec


def train_and_check(page, *, variational: bool) -> str:
    """Press Train; wait for done; the loss plot grew (one point per step for a
    variational model) and the boundary shows a heatmap over every data point."""
    status = click_and_wait_run(page, timeout_ms=TRAIN_MS)
    assert status.startswith("done"), status
    if variational:
        steps = int(status.split("done:")[1].split("steps")[0])
        wait_trace_length(page, LOSS, steps, timeout_ms=REDRAW_MS)
        assert trace_length(page, LOSS) == steps > 1
    wait_heatmap(page, BOUNDARY, timeout_ms=REDRAW_MS)
    wait_points(page, BOUNDARY, page_spec(page), timeout_ms=REDRAW_MS)
    return status


# plotly's shared code arriving 3 s late, as on a page that needs more than
# anywidget's 2 s to fetch and evaluate 5 MB (a loaded server, a slow laptop).
_LATE_PLOTLY = """(() => {
  let code;
  Object.defineProperty(globalThis, "%s", { configurable: true,
    get() { return code; }, set(v) { setTimeout(() => { code = v; }, 3000); } });
})();""" % _GLOBAL_NAME


def test_every_figure_is_alive_on_a_throttled_page(page, voila_server):
    """A slow page (Chromium's CPU throttling, plotly's code late): every figure
    comes up and follows the kernel: the scatter shows a new dataset, the loss
    grows, a boundary appears; anywidget never gives up on a model."""
    throttle_cpu(page, THROTTLE_RATE)
    page.add_init_script(_LATE_PLOTLY)
    took = open_dashboard(page, voila_server.next_url(share_query(SMALL)))
    record_timing("page_usable_throttled_4x_s", took)
    n = wait_all_drawn(page, timeout_ms=THROTTLED_PAGE_MS)
    assert n >= 4, f"only {n} plots on the page"
    wait_points(page, SCATTER, SMALL, timeout_ms=REDRAW_MS)

    start = time.perf_counter()
    choose_dataset(page, "circles")
    record_timing("throttled_dataset_change_to_scatter_s", time.perf_counter() - start)

    start = time.perf_counter()
    train_and_check(page, variational=True)
    record_timing("throttled_train_to_boundary_s", time.perf_counter() - start)
    assert wait_all_drawn(page, timeout_ms=REDRAW_MS) == n
    assert anywidget_failures(page) == 0, [l for l in page.console if "anywidget" in l]


# anywidget's 2 s limit, cut to 1 ms for the models the page makes before it has
# drawn any plot: every figure of the first load fails the way a very slow page
# makes them fail; the rebuilt ones (made later) get the real limit.
_GIVE_UP_EARLY = """(() => {
  const timeout = AbortSignal.timeout.bind(AbortSignal);
  AbortSignal.timeout = (ms) =>
    timeout(ms === 2000 && !document.querySelector('.js-plotly-plot') ? 1 : ms);
})();"""


def test_a_figure_the_page_gave_up_on_is_rebuilt(page, voila_server):
    """When anywidget gives up on every figure anyway, each figure asks the kernel
    to rebuild it and comes alive with what was drawn meanwhile."""
    page.add_init_script(_GIVE_UP_EARLY)
    open_dashboard(page, voila_server.next_url(share_query(SMALL)))
    from qmlbench.dashboard import FIGURE_PING_TIMEOUT_MS

    choose_dataset(page, "circles", timeout_ms=FIGURE_PING_TIMEOUT_MS + REDRAW_MS)
    assert anywidget_failures(page) > 0, "the page did not give up: the test tests nothing"
    page.page_errors[:] = [e for e in page.page_errors if "Failed to initialize model" not in e]
    train_and_check(page, variational=True)


def test_journey_change_each_setting_and_train_after_each(page, voila_server):
    open_dashboard(page, voila_server.next_url(share_query(SMALL)))
    wait_points(page, SCATTER, SMALL, timeout_ms=REDRAW_MS)
    train_and_check(page, variational=True)

    # dataset
    choose_dataset(page, "circles")
    train_and_check(page, variational=True)

    # feature map and its reps
    open_tab(page, ".qb-settings", "Circuit")
    select(page, ".qb-feature-map", "z")
    page.focus(".qb-feature-map-reps .noUi-handle")
    page.keyboard.press("ArrowRight")
    wait_spec(page, lambda s: s.circuit.feature_map.name == "z" and s.circuit.feature_map.reps == 2)
    train_and_check(page, variational=True)

    # ansatz
    select(page, ".qb-ansatz", "efficient_su2")
    wait_spec(page, lambda s: s.circuit.ansatz.name == "efficient_su2")
    train_and_check(page, variational=True)

    # models from the picker: a quantum kernel, a classical baseline, a QNN
    open_tab(page, ".qb-settings", "Model")
    for name, variational in (("qsvc", False), ("logistic", False), ("estimator_qnn", True)):
        select(page, ".qb-model", name)
        wait_spec(page, lambda s, name=name: s.model.name == name)
        status = train_and_check(page, variational=variational)
        assert "error" not in status.lower()
    assert not page.page_errors, page.page_errors


def wait_spec(page, condition, timeout_s: float = REDRAW_MS / 1000):
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            spec = page_spec(page)
        except Exception:  # the panel still holds text a visitor typed
            spec = None
        if spec is not None and condition(spec):
            return spec
        assert time.monotonic() < deadline, f"the exported spec never matched: {spec}"
        page.wait_for_timeout(100)


def test_reload_mid_training_then_train_again(page, voila_server):
    long_run = SMALL.replace(optimizer={"name": "spsa", "maxiter": 5000})
    url = voila_server.next_url(share_query(long_run))
    open_dashboard(page, url)
    page.click(".qb-train")
    wait_trace_length(page, LOSS, 3, timeout_ms=TRAIN_MS)
    # the reload gets the next preheated kernel, as a visitor pressing F5 does
    start = time.perf_counter()
    page.goto("about:blank")
    open_dashboard(page, voila_server.next_url(share_query(long_run)))
    record_timing("reload_mid_training_to_usable_s", time.perf_counter() - start)
    assert text(page, ".qb-status").startswith("ready")
    assert trace_length(page, LOSS) == 0, "a new page starts with an empty loss plot"
    page.click(".qb-train")
    wait_trace_length(page, LOSS, 3, timeout_ms=TRAIN_MS)
    page.click(".qb-stop")
    status = wait_text(page, ".qb-status", ["stopped", "done", "error"], timeout_ms=REDRAW_MS)
    assert status.startswith("stopped"), status
    wait_points(page, SCATTER, long_run, timeout_ms=REDRAW_MS)


def test_a_presets_share_link_reproduces_its_state_in_a_fresh_page(page, pages, voila_server):
    open_dashboard(page, voila_server.next_url())
    open_tab(page, ".qb-settings", "Experiment")
    name = "circles_svc_baseline"
    select(page, ".qb-preset", PRESETS[name][0])
    wait_spec(page, lambda s: s.to_dict() == preset_spec(name).to_dict())
    link = share_link(page)
    assert link.startswith("?")

    (fresh,) = pages(1)
    open_dashboard(fresh, voila_server.next_url(link))
    assert page_spec(fresh).to_dict() == preset_spec(name).to_dict()
    assert selected(fresh, ".qb-dataset") == preset_spec(name).dataset.name
    wait_points(fresh, SCATTER, preset_spec(name), timeout_ms=REDRAW_MS)
    wait_points(page, SCATTER, preset_spec(name), timeout_ms=REDRAW_MS)


def test_import_of_a_broken_spec_says_why_and_the_page_keeps_working(page, voila_server):
    open_dashboard(page, voila_server.next_url(share_query(SMALL)))
    open_tab(page, ".qb-settings", "Experiment")
    for broken, words in (("{not json", ["import"]),
                          (json.dumps({**SMALL.to_dict(), "dataset": {"name": "nope"}}), ["nope"]),
                          (json.dumps({**SMALL.to_dict(), "seed": "x"}), ["seed"])):
        set_textarea(page, ".qb-spec", broken)
        page.click(".qb-import")
        message = wait_text(page, ".qb-spec-error", words, timeout_ms=REDRAW_MS)
        assert "import" in message.lower(), message
        # the text stays for the visitor to fix; the experiment itself is unchanged
        assert share_link(page) == share_query(SMALL), "a bad import keeps the spec"
    open_tab(page, ".qb-settings", "Data")
    choose_dataset(page, "circles")
    train_and_check(page, variational=True)


def test_two_pages_trained_at_once_stay_isolated(pages, voila_server):
    a, b = pages(2)
    spec_a = SMALL.replace(dataset={"name": "circles"})
    spec_b = SMALL.replace(optimizer={"maxiter": 20}, seed=4)
    open_dashboard(a, voila_server.next_url(share_query(spec_a)))
    open_dashboard(b, voila_server.next_url(share_query(spec_b)))
    for pg in (a, b):
        pg.evaluate(_WATCH_STATUS, ".qb-status")
    a.click(".qb-train")
    b.click(".qb-train")
    done = {}
    for name, pg, spec in (("a", a, spec_a), ("b", b, spec_b)):
        pg.wait_for_function(_RUN_ENDED, timeout=TRAIN_MS)
        status = wait_text(pg, ".qb-status", ["done", "error", "stopped"], timeout_ms=TRAIN_MS)
        assert status.startswith("done"), status
        steps = int(status.split("done:")[1].split("steps")[0])
        wait_trace_length(pg, LOSS, steps, timeout_ms=REDRAW_MS)
        assert trace_length(pg, LOSS) == steps
        wait_points(pg, SCATTER, spec, timeout_ms=REDRAW_MS)
        wait_points(pg, BOUNDARY, spec, timeout_ms=REDRAW_MS)
        done[name] = steps
    assert page_spec(a).dataset.name == "circles" and page_spec(b).dataset.name == "moons"
    assert plot_count(a) == plot_count(b)
