"""Plateau figures built from known results."""

from __future__ import annotations

import numpy as np
import pytest

from qmlbench.engine.plateau import Landscape, PlateauResult, reference_variance
from qmlbench.viz.plateau import (
    depth_figure,
    empty_variance_figure,
    landscape_figure,
    variance_figure,
)


def known_result(layers=5, observable="global", init=None):
    q = [2, 3, 4, 5]
    swept = isinstance(layers, list)
    var = 0.125 * (3 / 8) ** (np.array(q) - 1.0)
    if swept:
        var = np.stack([var, var / 2], axis=1)
    return PlateauResult(
        qubits=q, layers=layers, variances=var, means=np.zeros_like(var), stderr=0.1 * var,
        samples=200, decay_rate=np.array([-0.98, -0.9]) if swept else -0.98,
        decay_rate_stderr=np.array([0.05, 0.06]) if swept else 0.05,
        reference=np.array([reference_variance(observable, n) for n in q]),
        ansatz="random_pauli", observable=observable, param_index=0,
        init=init or {"name": "uniform"})


def test_variance_figure_layout_and_data():
    res = known_result()
    fig = variance_figure(res)
    assert len(fig.data) == 2
    line, ref = fig.data
    np.testing.assert_allclose(line.y, res.variances)
    np.testing.assert_allclose(line.x, res.qubits)
    np.testing.assert_allclose(line.error_y.array, res.stderr)
    assert "slope -0.98±0.05/qubit" in line.name
    assert ref.line.dash == "dash"
    np.testing.assert_allclose(ref.y, res.reference)
    assert fig.layout.yaxis.type == "log"


def test_configurations_overlay_in_fixed_slots():
    a = known_result(observable="global")
    b = known_result(observable="local", init={"name": "identity_block"})
    fig = variance_figure([a, b], slots=6)
    assert len(fig.data) == 12
    np.testing.assert_allclose(fig.data[0].y, a.variances)
    np.testing.assert_allclose(fig.data[1].y, b.variances)
    assert "identity_block" in fig.data[1].name
    assert all(len(t.x) == 0 for t in fig.data[2:6])
    np.testing.assert_allclose(fig.data[7].y, b.reference)
    assert [t.uid for t in fig.data[:2]] == ["config0", "config1"]
    with pytest.raises(ValueError, match="slots"):
        variance_figure([a, b], slots=1)


def test_shared_reference_drawn_once():
    a = known_result(observable="zz")
    b = known_result(observable="zz", init={"name": "small", "width": 0.1})
    fig = variance_figure([a, b])
    assert len(fig.data[2].x) == 4 and len(fig.data[3].x) == 0


def test_depth_swept_result_gives_a_line_per_layer_count_and_a_depth_figure():
    res = known_result(layers=[2, 20])
    fig = variance_figure(res)
    assert len(fig.data) == 4
    np.testing.assert_allclose(fig.data[1].y, res.variances[:, 1])
    assert "L=20" in fig.data[1].name and "-0.90" in fig.data[1].name
    dfig = depth_figure(res)
    assert len(dfig.data) == 2 * len(res.qubits)
    np.testing.assert_allclose(dfig.data[0].y, res.variances[0])
    np.testing.assert_allclose(dfig.data[1].y, [res.reference[0]] * 2)
    with pytest.raises(ValueError, match="single layer count"):
        depth_figure(known_result())


def test_empty_figure_has_all_slots():
    fig = empty_variance_figure(4)
    assert len(fig.data) == 8 and all(len(t.x) == 0 for t in fig.data)


def test_landscape_figures():
    offs = np.linspace(-1, 1, 5)
    line = Landscape((0,), offs, np.cos(offs), np.zeros(2), 2, 1, "global", "x")
    fig = landscape_figure(line)
    np.testing.assert_allclose(fig.data[0].y, np.cos(offs))
    vals = np.add.outer(offs, 10 * offs)  # values[i, j]: i along direction 0, j along 1
    grid = Landscape((0, 1), offs, vals, np.zeros(2), 2, 1, "global", "x")
    heat = landscape_figure(grid).data[0]
    # plotly's z[row][col] is at (x[col], y[row]): row follows direction 1
    assert heat.z[0][4] == pytest.approx(vals[4, 0])
    assert heat.z[4][0] == pytest.approx(vals[0, 4])
