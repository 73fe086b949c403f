"""The Inside tab in the browser: badges and the per-qubit heatmap grid are drawn,
follow the composer's circuit, and the grid changes as the model trains.

Timeouts: the badges of the 2-qubit default take 0.05-0.3 s in the kernel (2000 pairs)
plus the debounce and a round trip; under the CPU hog a redraw took up to 6 s, so
BADGE_MS allows 5x that.  Training the small experiment takes 3-15 s (TRAIN_MS as in
test_journeys).
"""

from __future__ import annotations

import statistics
import time

import pytest

from e2e_helpers import (SMALL_SPEC, click_and_wait_run, open_dashboard, open_tab, plot_selector,
                         record_timing, text, traces, wait_drawn, wait_heatmap)
from qmlbench import ExperimentSpec
from qmlbench.widgets import share_query

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]

BADGE_MS = 30_000
TRAIN_MS = 90_000
LAYERS = plot_selector(".qb-inside-layers")
FIDELITY = plot_selector(".qb-inside-fidelity")

SMALL = ExperimentSpec.from_dict(SMALL_SPEC).replace(
    circuit={"ansatz": {"reps": 2}}, optimizer={"maxiter": 15})

BADGE = ".qb-inside-badges .qb-badge-expressibility"


def badge(page) -> str:
    return text(page, BADGE)


def press_reps(page, key: str) -> None:
    page.focus(".qb-ansatz-reps .noUi-handle")
    page.keyboard.press(key)


def wait_badge_change(page, before: str) -> str:
    page.wait_for_function(
        """([sel, before]) => { const e = document.querySelector(sel);
             return !!e && e.innerText.trim() !== before; }""",
        arg=[BADGE, before], timeout=BADGE_MS)
    return badge(page)


def test_inside_tab_badges_follow_the_circuit_and_the_grid_follows_training(page, voila_server):
    open_dashboard(page, voila_server.next_url(share_query(SMALL)))
    open_tab(page, ".qb-results", "Inside")
    page.wait_for_selector(BADGE, timeout=BADGE_MS)
    wait_drawn(page, FIDELITY, timeout_ms=BADGE_MS)
    assert traces(page, FIDELITY)[0]["y"] == 75          # the histogram's 75 bins
    assert "expressibility" in badge(page) and "Haar" in badge(page)
    assert "entanglement Q" in text(page, ".qb-inside-badges .qb-badge-entanglement")
    # the composer shows the same badge next to the gate counts
    open_tab(page, ".qb-settings", "Circuit")
    assert badge(page).split("(")[0] in text(page, ".qb-circuit-badges")

    # change reps: the badges change (measured: reps change -> new badge text)
    times = []
    for key in ("ArrowRight", "ArrowLeft", "ArrowRight", "ArrowLeft"):
        before = badge(page)
        start = time.perf_counter()
        press_reps(page, key)
        wait_badge_change(page, before)
        times.append(time.perf_counter() - start)
    record_timing("inside_badge_after_reps_change_median_s", statistics.median(times))
    record_timing("inside_badge_after_reps_change_max_s", max(times))

    # train: the per-qubit grid is drawn, one tile per qubit and layer
    status = click_and_wait_run(page, timeout_ms=TRAIN_MS)
    assert status.startswith("done"), status
    grid = wait_heatmap(page, LAYERS, timeout_ms=BADGE_MS)
    assert grid["z"] > 2
    before = page.evaluate(
        "(sel) => JSON.stringify(document.querySelector(sel).data[0].z)", LAYERS)
    # train again from the spec with more steps: the trained views differ
    press_reps(page, "ArrowRight")
    status = click_and_wait_run(page, timeout_ms=TRAIN_MS)
    assert status.startswith("done"), status
    page.wait_for_function(
        """([sel, before]) => { const e = document.querySelector(sel);
             return !!e && !!e.data && JSON.stringify(e.data[0].z) !== before; }""",
        arg=[LAYERS, before], timeout=BADGE_MS)
    assert "purity per layer" in text(page, ".qb-inside-note")
