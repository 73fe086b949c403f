"""The Plateau explorer headless: set values, click, wait for the thread, read the figure."""

from __future__ import annotations

import base64
import json
import threading

import numpy as np
import pytest

from qmlbench.engine.plateau import DepthPerQubit, gradient_variance
from qmlbench.widgets.plateau import SLOTS, PlateauExplorer


def find(root, css):
    stack, out = [root], []
    while stack:
        w = stack.pop()
        if css in (getattr(w, "_dom_classes", ()) or ()):
            out.append(w)
        stack.extend(getattr(w, "children", ()) or ())
    return out


def small(panel, **over):
    panel.qubits.value = over.get("qubits", (2, 4))
    panel.depth_mode.value = over.get("depth_mode", "per_qubit")
    panel.layers.value = over.get("layers", 3)
    panel.samples.value = over.get("samples", 40)
    panel.observable.value = over.get("observable", "zz")


@pytest.mark.timeout(60)
def test_run_fills_trace_zero_with_the_engine_numbers():
    panel = PlateauExplorer()
    for css in ("qb-plateau-run", "qb-plateau-stop", "qb-plateau-plot", "qb-plateau-status",
                "qb-plateau-export"):
        assert len(find(panel, css)) == 1, css
    assert len(panel.figure.data) == 2 * SLOTS
    small(panel)
    find(panel, "qb-plateau-run")[0].click()
    assert panel.wait(50)
    expected = gradient_variance("random_pauli", [2, 3, 4], DepthPerQubit(3), samples=40,
                                 observable="zz", param_index=0, seed=0)
    trace = panel.figure.data[0]
    np.testing.assert_allclose(trace.x, [2, 3, 4])
    np.testing.assert_allclose(trace.y, expected.variances)
    np.testing.assert_allclose(trace.error_y.array, expected.stderr)
    assert "slope" in trace.name
    np.testing.assert_allclose(panel.figure.data[SLOTS].y, expected.reference)
    assert panel.figure.data[SLOTS].line.dash == "dash"
    assert panel.progress.value == panel.progress.max == 120
    assert "done" in panel.status.value and "slope" in panel.status.value
    assert panel.figure.layout.yaxis.type == "log"
    assert not panel.run_button.disabled and panel.stop_button.disabled


@pytest.mark.timeout(60)
def test_configurations_overlay_then_clear_and_export():
    panel = PlateauExplorer()
    small(panel, observable="global", depth_mode="fixed", layers=2)
    panel.run_button.click()
    assert panel.wait(50)
    panel.observable.value = "local"
    panel.run_button.click()
    assert panel.wait(50)
    assert len(panel.figure.data[0].y) == 3 and len(panel.figure.data[1].y) == 3
    assert "global" in panel.figure.data[0].name and "local" in panel.figure.data[1].name
    local = gradient_variance("random_pauli", [2, 3, 4], 2, samples=40, observable="local")
    np.testing.assert_allclose(panel.figure.data[1].y, local.variances)
    np.testing.assert_allclose(panel.figure.data[SLOTS + 1].y, local.reference)

    panel.export_format.value = "CSV"
    panel.export_button.click()
    lines = panel.export_text.value.strip().splitlines()
    assert lines[0].startswith("ansatz,observable") and len(lines) == 1 + 6
    panel.export_format.value = "JSON"
    panel.export_button.click()
    data = json.loads(panel.export_text.value)
    assert [d["observable"] for d in data] == ["global", "local"]
    link = panel.download.value
    assert "download='plateau.json'" in link
    payload = link.split("base64,", 1)[1].split("'", 1)[0]
    assert json.loads(base64.b64decode(payload)) == data

    panel.clear_button.click()
    assert all(len(t.x) == 0 for t in panel.figure.data)
    assert panel.results == []


@pytest.mark.timeout(60)
def test_stop_ends_the_run_early_and_keeps_finished_widths():
    panel = PlateauExplorer()
    small(panel, qubits=(2, 12), depth_mode="per_qubit", layers=12, samples=2000)
    started = threading.Event()
    real = panel._draw

    def draw_and_signal():
        real()
        started.set()

    panel._draw = draw_and_signal
    panel.run_button.click()
    assert started.wait(40)  # first width done and drawn
    panel.stop_button.click()
    assert panel.wait(40)
    assert "stopped after" in panel.status.value
    n_done = len(panel.figure.data[0].x)
    assert 1 <= n_done < 11
    # the widths that finished are kept with their real numbers
    np.testing.assert_allclose(panel.figure.data[0].x, list(range(2, 2 + n_done)))
    first = gradient_variance("random_pauli", 2, DepthPerQubit(12), samples=2000,
                              observable="zz", param_index=0, seed=0)
    assert panel.figure.data[0].y[0] == pytest.approx(first.variances[0], rel=1e-12)
    assert panel.last_result.stopped
    assert not panel.run_button.disabled


@pytest.mark.timeout(60)
def test_composer_ansatz_and_errors_are_shown():
    panel = PlateauExplorer(ansatz_source=lambda: ("real_amplitudes", {"entanglement": "linear"}))
    assert panel.ansatz.options[0][1] == "__composer__"
    panel.ansatz.value = "__composer__"
    small(panel, depth_mode="fixed", layers=1, samples=20, observable="local")
    panel.param.value = "all"
    panel.run_button.click()
    assert panel.wait(50)
    assert panel.last_result.ansatz == "real_amplitudes"
    assert panel.last_result.param_index == "all"

    panel.qubits.value = (1, 2)
    panel.observable.value = "zz"  # needs two qubits: the message reaches the status line
    panel.run_button.click()
    assert panel.wait(50)
    assert "needs at least 2 qubits" in panel.status.value
    assert panel.error is not None


def test_init_width_control_follows_the_strategy():
    panel = PlateauExplorer()
    assert panel.width.layout.display == "none"
    panel.init.value = "small"
    assert panel.width.layout.display is None
    panel.width.value = 0.05
    assert panel.settings()["init"] == ("small", 0.05)
