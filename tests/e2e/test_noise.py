"""Noise as a slider, in the browser: a noisy experiment opened from a link trains on the
density-matrix path; the boundary shows the same weights under noise and without it;
moving a noise slider redraws the noisy surface (its plotted z changes) with the trained
weights, without a new run, and the ideal surface stays as it was.  A refused setting
(T2 above 2 T1) shows the engine's message in the Model panel's error line.

Timeouts as in test_journeys (measured on the 2-core box with the CPU hog): a redraw
after a change 1-6 s (REDRAW_MS), a small training run 3-15 s (TRAIN_MS).  The
slider-to-redrawn-boundary time is measured in the page (keydown on the slider's handle
to the new z array in plotly's data) and recorded in test-artifacts/e2e-timings.json;
screenshots of the Model tab and the two boundaries go to test-artifacts/.
"""

from __future__ import annotations

import json
import statistics
import time

import pytest

from e2e_helpers import (SMALL_SPEC, ARTIFACTS, BOUNDARY, LOSS, click_and_wait_run, open_dashboard, open_tab,
                         plot_selector, record_timing, select, selected, spec_json, text,
                         trace_length, traces, wait_heatmap, wait_text)
from qmlbench import ExperimentSpec
from qmlbench.engine.plateau.sweep import PlateauSettings
from qmlbench.engine.state import WorkbenchState
from qmlbench.widgets import share_query

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]

REDRAW_MS = 30_000
TRAIN_MS = 90_000
IDEAL = plot_selector(".qb-boundary-ideal")
P2 = ".qb-noise-options .qb-option-p2 .noUi-handle"
KERNEL_NOISE = plot_selector(".qb-kernel-noise")
NOISE_DEPTH = plot_selector(".qb-plateau-noise-plot")

NOISY = ExperimentSpec.from_dict(SMALL_SPEC).replace(
    execution={"noise": {"model": "depolarizing", "p1": 0.02, "p2": 0.05}})

_Z = "(sel) => JSON.stringify(document.querySelector(sel).data[0].z)"

# The time from the key press on a slider to plotly holding a new z array for the
# boundary, measured in the page itself (no Playwright round trip in it).
_ARM = """([handle, sel]) => {
  const e = document.querySelector(sel);
  window.__qbZ = e.data[0].z; window.__qbRedraw = null; window.__qbKey = null;
  document.querySelector(handle).addEventListener('keydown',
      () => { window.__qbKey = performance.now(); }, {capture: true, once: true});
  const poll = () => {
    const now = document.querySelector(sel);
    if (now && now.data && now.data[0].z !== window.__qbZ) {
      window.__qbRedraw = performance.now(); return; }
    requestAnimationFrame(poll); };
  requestAnimationFrame(poll); }"""


def press(page, handle: str, key: str) -> float:
    """Press ``key`` on a slider's handle; the seconds until the boundary's z changed."""
    page.evaluate(_ARM, [handle, BOUNDARY])
    page.focus(handle)
    page.keyboard.press(key)
    page.wait_for_function("() => window.__qbRedraw !== null", timeout=REDRAW_MS)
    return page.evaluate("() => (window.__qbRedraw - window.__qbKey) / 1000")


def noise_of(page) -> dict:
    return json.loads(spec_json(page))["execution"].get("noise")


def test_noise_slider_redraws_the_noisy_boundary_with_the_same_weights(page, voila_server):
    open_dashboard(page, voila_server.next_url(share_query(NOISY)))
    open_tab(page, ".qb-settings", "Model")
    page.wait_for_selector(".qb-noise-model select", state="visible")
    assert selected(page, ".qb-noise-model") == "depolarizing"
    page.wait_for_selector(P2, state="visible")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    status = click_and_wait_run(page, timeout_ms=TRAIN_MS)
    assert status.startswith("done"), status
    wait_heatmap(page, BOUNDARY, timeout_ms=REDRAW_MS)
    wait_heatmap(page, IDEAL, timeout_ms=REDRAW_MS)
    wait_text(page, ".qb-boundary-note", "without noise", timeout_ms=REDRAW_MS)
    assert "density matrix" in text(page, ".qb-boundary-note")
    page.screenshot(path=str(ARTIFACTS / "noise-model-tab.png"),
                    clip={"x": 0, "y": 0, "width": 1400, "height": 1000})
    page.locator(".qb-boundary-panel").screenshot(path=str(ARTIFACTS / "noise-boundaries.png"))

    ideal_before = page.evaluate(_Z, IDEAL)
    loss_points = trace_length(page, LOSS)
    times, seen = [], {page.evaluate(_Z, BOUNDARY)}
    for key in ("ArrowRight", "ArrowRight", "ArrowLeft", "ArrowRight", "ArrowRight"):
        times.append(press(page, P2, key))
        seen.add(page.evaluate(_Z, BOUNDARY))
    # each move drew another noisy surface; the weights did not change: no new run,
    # the ideal surface is the same, and nothing says "train again"
    assert len(seen) >= 4
    assert page.evaluate(_Z, IDEAL) == ideal_before
    assert trace_length(page, LOSS) == loss_points
    assert text(page, ".qb-status").startswith("done")
    assert not page.is_visible(".qb-boundary-panel .qb-stale-label")
    # the last press reaches the exported spec (a redraw seen above may have been the one
    # of the press before it: the boundary can redraw twice for one change)
    deadline = time.monotonic() + REDRAW_MS / 1000
    while noise_of(page)["p2"] != pytest.approx(0.05 + 0.003, abs=1e-9):
        assert time.monotonic() < deadline, f"p2 never reached 0.053: {noise_of(page)}"
        page.wait_for_timeout(100)
    record_timing("noise_slider_to_redrawn_boundary_median_s", statistics.median(times))
    record_timing("noise_slider_to_redrawn_boundary_max_s", max(times))
    page.locator(".qb-boundary-panel").screenshot(path=str(ARTIFACTS / "noise-boundaries-moved.png"))

    # the Kernel tab: the noisy kernel beside the ideal one, each with its spread
    open_tab(page, ".qb-results", "Kernel")
    page.click(".qb-kernel-compute")
    wait_heatmap(page, KERNEL_NOISE, timeout_ms=REDRAW_MS)
    ideal_k, noisy_k = (page.evaluate(
        f"(sel) => JSON.stringify(document.querySelector(sel).data[{k}].z)", KERNEL_NOISE)
        for k in (0, 1))
    assert ideal_k != noisy_k
    assert "off-diagonal spread falls" in text(page, ".qb-kernel-noise-note")
    page.locator(".qb-kernel-panel").screenshot(path=str(ARTIFACTS / "noise-kernel.png"))

    # a refused setting: the engine's message in the panel's error line, the spec kept
    select(page, ".qb-noise-model", "thermal")   # its label: "thermal relaxation (T1, T2)"
    page.wait_for_selector(".qb-noise-options .qb-option-t2 .noUi-handle", state="visible")
    page.focus(".qb-noise-options .qb-option-t2 .noUi-handle")
    page.keyboard.press("End")
    message = wait_text(page, ".qb-model-error", "at most 2 T1", timeout_ms=REDRAW_MS)
    assert "execution.noise.t2" in message
    assert noise_of(page)["model"] == "thermal_relaxation" and noise_of(page)["t2"] == 80.0


def test_the_plateau_lab_sweeps_noise_against_depth_from_a_link(page, voila_server):
    state = WorkbenchState(spec=NOISY, plateau=PlateauSettings(
        qubits=[2, 4], depth_mode="sweep", layers=8, samples=100,
        noise_model="depolarizing", noise_strengths=[0.0, 0.02, 0.05]))
    open_dashboard(page, voila_server.next_url(share_query(state)))
    open_tab(page, ".qb-results", "Barren plateaus")
    page.wait_for_selector(".qb-plateau-noise-strengths", state="visible")
    page.click(".qb-plateau-run")
    status = wait_text(page, ".qb-plateau-status", ["done", "stopped", "rror"],
                       timeout_ms=120_000)
    assert status.startswith("done") and "/layer" in status, status
    page.wait_for_function(
        "(sel) => { const e = document.querySelector(sel); return !!e && !!e.data"
        " && e.data.filter((t) => t.x && t.x.length === 8).length === 3; }",
        arg=NOISE_DEPTH, timeout=REDRAW_MS)
    names = [t["name"] for t in traces(page, NOISE_DEPTH)[:3]]
    assert names[0].startswith("ideal") and all("/layer" in n for n in names)
    assert "depolarizing p=0.05" in names[2]
    page.locator(".qb-plateau").screenshot(path=str(ARTIFACTS / "noise-plateau.png"))
