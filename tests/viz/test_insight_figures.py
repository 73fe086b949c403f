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
    assert fig.layout.title.text.startswith("Fidelity distribution, 1 qubit, ")   # not "1 qubits"


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


@pytest.mark.parametrize("n, layers", [(1, 5), (2, 3), (6, 2)])
def test_layer_grid_shows_every_tile_whole_and_names_every_row_and_column(n, layers):
    # With autorange and a scale anchor, plotly fitted a one-qubit grid's x range to half a
    # tile (the right half of every view was all that showed) and pushed the row labels,
    # annotations at x = -1, off the figure.  The ranges are fixed to the tiles and the
    # labels are tick labels.
    from qmlbench.viz import layer_grid_figure

    res = 12
    names = ["feature map"] + [f"layer {k}/{layers - 1}" for k in range(1, layers)]
    result = LayerViewsResult(layers=names, xs=np.arange(res), ys=np.arange(res),
                              bloch=np.random.default_rng(0).uniform(-1, 1, (layers, n, 3, res, res)),
                              purity=np.ones((layers, n, res, res)), mean_purity=np.ones(layers),
                              num_qubits=n)
    fig = layer_grid_figure(result, "Z")
    z = np.asarray(fig.data[0].z, dtype=float)
    assert list(fig.layout.xaxis.range) == [-0.5, z.shape[1] - 0.5]
    assert list(fig.layout.yaxis.range) == [-0.5, z.shape[0] - 0.5]
    assert fig.layout.xaxis.autorange is False and fig.layout.yaxis.autorange is False
    assert list(fig.layout.xaxis.ticktext) == [f"q{q}" for q in range(n)]
    assert list(fig.layout.yaxis.ticktext) == names
    # each label sits on its tile: the first layer is the top row, qubit q the q-th column
    step = res + max(1, res // 8)
    for q, x in enumerate(fig.layout.xaxis.tickvals):
        assert not np.isnan(z[:, int(x)]).all() and int(x) // step == q
    top = z.shape[0] - 1
    assert (top - int(fig.layout.yaxis.tickvals[0])) // step == 0
    np.testing.assert_allclose(z[top - res + 1:top + 1, :res], result.bloch[0, 0, 2])
