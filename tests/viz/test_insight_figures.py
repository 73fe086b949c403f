"""Insight figures built from known results (and from their plain dicts)."""

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter

import qmlbench as qb
from qmlbench.engine.insight import (EffectiveDimensionResult, FourierResult, LayerViewsResult,
                                     expressibility)
from qmlbench.viz import (effective_dimension_figure, fidelity_figure, fourier_figure,
                          layer_views_figure)
from qmlbench.viz.insight import badge_text


def rx_result():
    qc = QuantumCircuit(1)
    qc.rx(Parameter("θ"), 0)
    return expressibility(qc, samples=500, bins=10)


@pytest.mark.parametrize("plain", [False, True])
def test_fidelity_figure_draws_histogram_and_haar(plain):
    res = rx_result()
    fig = fidelity_figure(res.to_dict() if plain else res)
    assert [t.uid for t in fig.data] == ["circuit", "haar"]
    np.testing.assert_allclose(fig.data[0].y, res.histogram)
    np.testing.assert_allclose(fig.data[1].y, res.haar_histogram)
    np.testing.assert_allclose(fig.data[0].x, np.arange(10) / 10 + 0.05)
    assert badge_text(res) in fig.data[0].name


def test_empty_figures_keep_their_trace_layout():
    assert [t.uid for t in fidelity_figure().data] == ["circuit", "haar"]
    assert [t.uid for t in fourier_figure().data] == ["amplitudes", "allowed"]
    assert [t.uid for t in effective_dimension_figure().data] == ["model0", "full"]


def known_fourier():
    w = np.arange(9.0)
    return FourierResult(inputs=[0, 1], frequencies=np.stack([w, w]),
                         amplitudes=np.stack([0.5 ** w, 0.25 ** w]), allowed_max=np.array([2., 3.]),
                         encodings=[[1, 1], [1, 1, 1]], periodic=[True, True],
                         period=np.array([2 * np.pi] * 2), beyond=np.zeros(2),
                         point=np.zeros(2), points=16)


def test_fourier_figure_bars_and_band_edge():
    fig = fourier_figure(known_fourier(), input_index=1)
    bars, edge = fig.data
    np.testing.assert_allclose(bars.y, 0.25 ** np.arange(9))
    assert list(edge.x) == [3.0, 3.0]
    fig = fourier_figure(known_fourier().to_dict(), input_index=0)
    np.testing.assert_allclose(fig.data[0].x, np.arange(9))


def test_layer_views_grid_rows_layers_cols_qubits():
    bloch = np.zeros((3, 2, 3, 4, 5))
    bloch[1, 0, 2] = 0.5
    res = LayerViewsResult(layers=["feature map", "rep 1", "rep 2"], xs=np.arange(5.),
                           ys=np.arange(4.), bloch=bloch, purity=np.full((3, 2, 4, 5), 0.75),
                           mean_purity=np.full(3, 0.75), num_qubits=2)
    fig = layer_views_figure(res, "Z")
    assert len(fig.data) == 6
    assert fig.data[2].uid == "l1q0"
    np.testing.assert_allclose(fig.data[2].z, 0.5)
    assert fig.data[2].xaxis == "x3"
    fig = layer_views_figure(res.to_dict(), "purity")
    np.testing.assert_allclose(fig.data[5].z, 0.75)
    with pytest.raises(ValueError, match="component"):
        layer_views_figure(res, "W")


def test_effective_dimension_figure_one_line_per_result():
    a = EffectiveDimensionResult(dataset_sizes=np.array([1000, 10000]), values=np.array([3., 4.]),
                                 normalized=np.array([.5, 2 / 3]), num_weights=6,
                                 weight_samples=2, input_samples=3, fisher_trace=1.0,
                                 eigenvalues=np.ones((2, 6)), network="qnn")
    fig = effective_dimension_figure([a, a.to_dict()])
    assert [t.uid for t in fig.data] == ["model0", "model1", "full"]
    np.testing.assert_allclose(fig.data[0].y, [.5, 2 / 3])
    assert fig.layout.xaxis.type == "log"
