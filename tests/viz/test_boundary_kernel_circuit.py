from types import SimpleNamespace

import numpy as np
import pytest

from qmlbench import viz
from qmlbench.viz.boundary import TRACES


def _surface(values, kind="proba", classes=(0, 1), nx=5, ny=4, note=""):
    return SimpleNamespace(xs=np.linspace(0, 1, nx), ys=np.linspace(0, 1, ny),
                           values=values, kind=kind, classes=list(classes), note=note)


def test_boundary_layout_and_probability_heatmap(dataset):
    z = np.linspace(0, 1, 20).reshape(4, 5)
    fig = viz.decision_boundary(_surface(z), dataset)
    assert tuple(t.uid for t in fig.data) == TRACES
    heat = fig.data[0]
    np.testing.assert_allclose(np.asarray(heat.z), z)
    assert (heat.zmin, heat.zmax) == (0.0, 1.0)
    assert heat.colorbar.title.text == "P(c1)"  # the class's name, as in the legend
    np.testing.assert_allclose(fig.data[2].x, dataset.X_train[:, 0])
    np.testing.assert_allclose(fig.data[3].y, dataset.X_test[:, 1])


def test_misclassified_points_are_exactly_the_wrong_predictions(dataset):
    pred_train = dataset.y_train.copy()
    pred_train[[0, 3]] = 1 - pred_train[[0, 3]]
    pred_test = dataset.y_test.copy()
    pred_test[5] = 1 - pred_test[5]
    fig = viz.decision_boundary(_surface(np.zeros((4, 5))), dataset, pred_train, pred_test)
    wrong = fig.data[4]
    expected_x = [dataset.X_train[0, 0], dataset.X_train[3, 0], dataset.X_test[5, 0]]
    np.testing.assert_allclose(wrong.x, expected_x)
    assert "(3)" in wrong.name


def test_multiclass_probabilities_show_the_winning_class(make_dataset):
    ds = make_dataset(n_classes=3)
    values = np.zeros((4, 5, 3))
    values[:, :2, 0] = 1
    values[:, 2:4, 1] = 1
    values[:, 4, 2] = 1
    fig = viz.decision_boundary(_surface(values, classes=(0, 1, 2)), ds)
    z = np.asarray(fig.data[0].z)
    assert z.shape == (4, 5)
    assert list(z[0]) == [0, 0, 1, 1, 2]


def test_decision_values_are_centred_on_zero(dataset):
    z = np.array([[-2.0, 1.0], [0.5, 0.0]])
    fig = viz.decision_boundary(_surface(z, kind="decision", nx=2, ny=2), dataset)
    assert fig.data[0].zmin == -2.0 and fig.data[0].zmax == 2.0


def test_one_feature_regression_draws_a_curve_and_no_misclassified(make_dataset):
    ds = make_dataset(task="regression", n_features=1)
    xs = np.linspace(0, 1, 7)
    surf = SimpleNamespace(xs=xs, ys=None, values=xs ** 2, kind="regression", classes=None,
                           note="")
    fig = viz.decision_boundary(surf, ds, ds.y_train * 0, ds.y_test * 0)
    np.testing.assert_allclose(fig.data[1].y, xs ** 2)
    assert len(fig.data[0].z) == 0
    assert len(fig.data[4].x) == 0


def test_boundary_without_surface_draws_points_only(dataset):
    fig = viz.decision_boundary(None, dataset)
    assert len(fig.data) == len(TRACES) and len(fig.data[0].z) == 0
    assert len(fig.data[2].x) == len(dataset.X_train)


def test_kernel_heatmap_orders_by_class_and_splits_off_diagonal():
    y = np.array([1, 0, 1, 0])
    # Same-class pairs 0.9, different-class 0.1: the ordered matrix has two blocks.
    K = np.where(y[:, None] == y[None, :], 0.9, 0.1)
    np.fill_diagonal(K, 1.0)
    fig = viz.kernel_heatmap(K, y)
    ordered = np.asarray(fig.data[0].z)
    np.testing.assert_allclose(ordered[:2, :2], [[1.0, 0.9], [0.9, 1.0]])
    np.testing.assert_allclose(ordered[:2, 2:], 0.1)
    np.testing.assert_allclose(sorted(fig.data[1].x), [0.9] * 4)
    np.testing.assert_allclose(sorted(fig.data[2].x), [0.1] * 8)
    assert "mean 0.367" in fig.layout.title.text


def test_kernel_heatmap_flags_concentration():
    K = np.full((5, 5), 0.25)
    np.fill_diagonal(K, 1.0)
    assert "concentrated" in viz.kernel_heatmap(K, np.arange(5) % 2).layout.title.text


def test_boundary_legend_says_colour_is_class_and_shape_is_split(dataset):
    pred = dataset.y_train.copy()
    fig = viz.decision_boundary(_surface(np.zeros((4, 5))), dataset, pred, dataset.y_test)
    in_legend = [t for t in fig.data if t.showlegend]
    names = [t.name for t in sorted(in_legend, key=lambda t: t.legendrank)]
    assert names == ["c0", "c1", "train points", "test points", "misclassified (0)"]
    # the point traces themselves stay out of the legend (their markers mix colours)
    assert fig.data[2].showlegend is False and fig.data[3].showlegend is False
    shapes = {t.name: t for t in in_legend if t.name.endswith("points")}
    assert shapes["train points"].marker.color == shapes["test points"].marker.color  # grey
    assert shapes["train points"].marker.symbol == fig.data[2].marker.symbol
    assert shapes["train points"].legendgroup == fig.data[2].legendgroup  # one click hides both


def test_kernel_heatmap_before_compute_has_no_statistics_nor_axes():
    fig = viz.kernel_heatmap(np.zeros((0, 0)))
    assert len(fig.data) == 3  # the same traces as a computed kernel, for the live widget
    assert "nan" not in (fig.layout.title.text or "")
    assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False
    assert not fig.layout.annotations


def test_kernel_heatmap_rejects_non_square():
    with pytest.raises(ValueError, match="square"):
        viz.kernel_heatmap(np.zeros((2, 3)))


def test_circuit_text_html_and_figure():
    from qiskit import QuantumCircuit

    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    text = viz.circuit_text(qc)
    assert "q_0" in text and "H" in text
    html = viz.circuit_html(qc)
    assert html.startswith("<pre") and "q_0" in html  # narrow: no scroll hint
    # JupyterLab's stylesheet wraps <pre>; the drawing's lines must not wrap
    assert "white-space:pre;" in html and "line-height:1;" in html
    facts = {"num_qubits": 2, "depth": 2, "two_qubit_gates": 1, "num_parameters": 0,
             "gate_counts": {"h": 1, "cx": 1}}
    table = viz.facts_html(facts)
    assert "two-qubit gates" in table and "<b>1</b>" in table
    fig = viz.circuit_figure(qc, facts)
    assert "qubits 2" in fig.layout.title.text
    assert "q_0" in fig.layout.annotations[0].text


def test_label_surface_maps_labels_to_class_colours(make_dataset):
    ds = make_dataset(n_classes=3)
    ds.y_train = np.array(["a", "b", "c"])[ds.y_train]
    ds.y_test = np.array(["a", "b", "c"])[ds.y_test]
    values = np.array([["a", "c"], ["b", "b"]])
    fig = viz.decision_boundary(_surface(values, kind="label", classes=("a", "b", "c"),
                                         nx=2, ny=2), ds)
    np.testing.assert_array_equal(np.asarray(fig.data[0].z), [[0, 2], [1, 1]])
    assert (fig.data[0].zmin, fig.data[0].zmax) == (-0.5, 2.5)


def test_concentration_figure_from_a_known_result():
    from qmlbench.engine.kernels import ConcentrationResult

    res = ConcentrationResult(
        feature_map="zz", reps=2, entanglement="linear", qubits=[2, 4], samples=10,
        data_range=[0.0, 1.0], means=[0.3, 0.1], variances=[0.05, 0.004], stderr=[0.01, 0.001],
        haar_means=[0.25, 0.0625], haar_variances=[0.0375, 0.00345], decay_rate=-1.26,
        decay_rate_stderr=0.1)
    fig = viz.concentration_figure(res)
    assert [t.uid for t in fig.data] == ["kernel-variance", "haar-variance"]
    assert list(fig.data[0].y) == [0.05, 0.004] and list(fig.data[0].error_y.array) == [0.01, 0.001]
    assert list(fig.data[1].y) == [0.0375, 0.00345]
    assert fig.layout.yaxis.type == "log" and "-1.26" in fig.data[0].name
    empty = viz.concentration_figure()
    assert len(empty.data) == 2 and len(empty.data[0].x) == 0  # traces exist from the start
    assert empty.layout.xaxis.visible is False and empty.layout.height < 50  # no empty axes


def test_a_long_boundary_note_is_a_short_subtitle_not_a_cut_off_title(dataset):
    note = ("2-D slice through the training mean: sepal length (cm) and sepal width (cm) "
            "vary, petal length (cm) = 1.48, petal width (cm) = 1.42")
    fig = viz.decision_boundary(_surface(np.zeros((4, 5)), note=note), dataset)
    title = fig.layout.title.text
    first, rest = title.split("<br>")
    assert first == "Decision boundary"
    from qmlbench.viz.boundary import SUBTITLE_CHARS

    sub = rest.replace("<sup>", "").replace("</sup>", "")
    assert len(sub) <= SUBTITLE_CHARS and sub.startswith("2-D slice")
    assert fig.layout.margin.t >= 60  # room for two lines


def test_a_measured_concentration_figure_has_its_legend():
    empty = viz.concentration_figure()
    assert empty.layout.showlegend is False
    res = {"qubits": [2, 3], "variances": [0.1, 0.05], "stderr": [0.01, 0.01],
           "haar_variances": [0.08, 0.03], "feature_map": "zz", "reps": 1, "decay_rate": -0.7}
    # explicit: a live figure that was the empty strip keeps showlegend=False otherwise
    assert viz.concentration_figure(res).layout.showlegend is True


def test_a_circuit_wider_than_its_box_says_it_scrolls():
    from qiskit import QuantumCircuit

    qc = QuantumCircuit(4)
    for _ in range(12):
        for q in range(4):
            qc.rx(0.1, q)
    html = viz.circuit_html(qc)
    assert "scroll it sideways" in html and "qb-circuit-scroll-hint" in html
    assert "overflow-x:auto" in html and "max-width:100%" in html
    small = QuantumCircuit(1)
    small.h(0)
    assert "scroll" not in viz.circuit_html(small)



def test_two_feature_regression_surface_and_points_share_one_colour_scale(make_dataset):
    # The points are coloured by their target, the surface by the prediction, under one
    # colour bar: on two different ranges a point the model fits exactly showed another
    # colour than the surface under it.
    ds = make_dataset(task="regression", n_features=2)
    z = np.linspace(0.5, 1.2, 20).reshape(4, 5)   # predictions narrower than the targets
    fig = viz.decision_boundary(_surface(z, kind="regression", classes=()), ds)
    heat, train, test = fig.data[0], fig.data[2], fig.data[3]
    targets = np.concatenate([ds.y_train, ds.y_test])
    lo, hi = min(targets.min(), z.min()), max(targets.max(), z.max())
    assert (heat.zmin, heat.zmax) == pytest.approx((lo, hi))
    assert "target" in heat.colorbar.title.text      # the one colour bar says it means both
    for tr in (train, test):
        assert (tr.marker.cmin, tr.marker.cmax) == pytest.approx((lo, hi))
        assert tr.marker.colorscale == heat.colorscale


def test_kernel_heatmap_of_a_regression_says_it_is_ordered_by_target():
    # a regression's points are sorted by target: "ordered by class" named classes it has not
    y = np.linspace(0, 1, 12)[::-1]
    K = np.exp(-np.subtract.outer(y, y) ** 2)
    titles = [a.text for a in viz.kernel_heatmap(K, y).layout.annotations]
    assert "kernel matrix (ordered by target)" in titles and not any("class" in t for t in titles)
    titles = [a.text for a in viz.kernel_heatmap(K, (y > 0.5).astype(int)).layout.annotations]
    assert "kernel matrix (ordered by class)" in titles


def test_the_boundary_legend_sits_at_the_foot_of_the_figure(dataset):
    # placed below the plot by a fraction of its height, a live redraw with fewer legend
    # rows kept the old height and laid the legend over the x-axis title (see tests/e2e)
    for fig in (viz.decision_boundary(None, dataset),
                viz.decision_boundary(_surface(np.zeros((4, 5))), dataset,
                                      dataset.y_train, dataset.y_test)):
        assert (fig.layout.legend.yref, fig.layout.legend.y, fig.layout.legend.yanchor) == \
            ("container", 0, "bottom")
        assert fig.layout.margin.b >= 100
