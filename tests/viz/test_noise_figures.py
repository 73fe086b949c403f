"""Figures of noise on screen, built from known plain results: the noisy and ideal
boundaries of one comparison, the ideal and noisy kernels side by side with their
off-diagonal spreads, and variance against depth with a slope per layer per setting."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from qmlbench import viz
from qmlbench.engine.boundary import NoiseComparison, Surface
from qmlbench.engine.plateau.result import PlateauResult

NOISE = {"model": "depolarizing", "p1": 0.02, "p2": 0.05, "p01": 0.0, "p10": 0.0}


def _surface(values):
    xs = np.linspace(0, 1, values.shape[1])
    ys = np.linspace(0, 1, values.shape[0])
    return Surface(xs, ys, values, "proba", [0, 1], ["c0", "c1"])


def test_noise_boundaries_draw_each_surface_with_its_own_misclassified_points(dataset):
    ideal = np.linspace(0, 1, 20).reshape(4, 5)
    noisy = 0.5 + 0.8 * (ideal - 0.5)            # depolarizing shrinks towards 1/2
    y_tr, y_te = np.asarray(dataset.y_train), np.asarray(dataset.y_test)
    wrong_tr = y_tr.copy()
    wrong_tr[:3] = 1 - wrong_tr[:3]
    comp = NoiseComparison(ideal=_surface(ideal), noisy=_surface(noisy), noise=NOISE,
                           flipped=0.125, mean_change=0.1, path="exact noisy",
                           predictions=(wrong_tr, y_te), ideal_predictions=(y_tr, y_te))
    noisy_fig, ideal_fig = viz.noise_boundaries(comp, dataset)
    assert len(noisy_fig.data) == len(ideal_fig.data) == len(viz.decision_boundary(None, dataset).data)
    np.testing.assert_allclose(noisy_fig.data[0].z, noisy)
    np.testing.assert_allclose(ideal_fig.data[0].z, ideal)
    np.testing.assert_allclose(noisy_fig.data[0].x, ideal_fig.data[0].x)
    assert len(noisy_fig.data[4].x) == 3 and len(ideal_fig.data[4].x) == 0
    title = noisy_fig.layout.title.text
    assert "depolarizing p1=0.02, p2=0.05" in title and "12.5%" in title and "p01" not in title
    assert "no noise" in ideal_fig.layout.title.text
    assert viz.boundary.noise_label(None) == "no noise"


def _view(K, y):
    return SimpleNamespace(matrix=np.asarray(K, float), labels=np.asarray(y))


def test_kernel_noise_figure_puts_both_matrices_and_both_spreads_side_by_side():
    rng = np.random.default_rng(0)
    A = rng.uniform(0, 1, (6, 6))
    Ki = (A + A.T) / 2
    np.fill_diagonal(Ki, 1.0)
    Kn = 0.25 + 0.5 * (Ki - 0.25)                 # flattened towards a constant
    y = np.array([1, 0, 1, 0, 0, 1])
    views = SimpleNamespace(ideal=_view(Ki, y), noisy=_view(Kn, y), noise=NOISE)
    fig = viz.kernel_noise_figure(views)
    assert [t.type for t in fig.data] == ["heatmap", "heatmap", "histogram", "histogram"]
    order = np.argsort(y, kind="stable")
    np.testing.assert_allclose(fig.data[0].z, Ki[np.ix_(order, order)])
    np.testing.assert_allclose(fig.data[1].z, Kn[np.ix_(order, order)])
    off = ~np.eye(6, dtype=bool)
    assert len(fig.data[2].x) == len(fig.data[3].x) == 30
    si, sn = Ki[off].std(), Kn[off].std()
    assert f"std {si:.3f}" in fig.data[2].name and f"std {sn:.3f}" in fig.data[3].name
    assert f"×{sn / si:.2f}" in fig.layout.title.text
    assert fig.data[0].zmax == fig.data[1].zmax          # one colour scale for both
    empty = viz.kernel_noise_figure(None)
    assert len(empty.data) == 4 and empty.layout.height == 20


def _depth_result(variances, layers, noise):
    v = np.asarray([variances], float)
    res = PlateauResult(qubits=[3], layers=list(layers), variances=v, means=0 * v,
                        stderr=0.05 * v, samples=100, decay_rate=np.full(len(layers), np.nan),
                        decay_rate_stderr=np.full(len(layers), np.nan),
                        reference=np.array([0.05]), ansatz="random_pauli", observable="zz")
    res.noise = noise
    return res


def test_noise_depth_figure_has_a_line_per_setting_with_its_slope_per_layer():
    layers = [1, 2, 4, 8]
    ideal = _depth_result([0.1, 0.1, 0.1, 0.1], layers, None)
    noisy = _depth_result(0.1 * np.exp(-0.3 * np.array(layers)), layers,
                          {"model": "depolarizing", "p1": 0.05, "p2": 0.05})
    fig = viz.noise_depth_figure([ideal, noisy], slots=4)
    assert len(fig.data) == 4
    np.testing.assert_allclose(fig.data[1].x, layers)
    np.testing.assert_allclose(fig.data[1].y, noisy.variances[0])
    assert fig.data[0].name.startswith("ideal (no noise)") and "+0.000" in fig.data[0].name
    assert fig.data[1].name.startswith("depolarizing p=0.05") and "-0.300±" in fig.data[1].name
    assert fig.data[1].name.endswith("/layer")
    assert not fig.data[2].showlegend and len(fig.data[3].x) == 0
    assert fig.layout.yaxis.type == "log" and "3 qubits" in fig.layout.title.text
    assert noisy.depth_decay()[0][0] == pytest.approx(-0.3)
    with pytest.raises(ValueError, match="slots"):
        viz.noise_depth_figure([ideal, noisy], slots=1)
