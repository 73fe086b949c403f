import numpy as np
import plotly.graph_objects as go
import pytest

from qmlbench import viz
from qmlbench.viz._style import class_color


def test_scatter_has_train_then_test_with_class_colours(dataset):
    fig = viz.data_scatter(dataset)
    assert isinstance(fig, go.Figure)
    assert [t.name for t in fig.data[:2]] == ["train", "test"]
    train, test = fig.data[:2]
    np.testing.assert_allclose(train.x, dataset.X_train[:, 0])
    np.testing.assert_allclose(train.y, dataset.X_train[:, 1])
    np.testing.assert_allclose(test.x, dataset.X_test[:, 0])
    assert list(train.marker.color) == [class_color(c) for c in dataset.y_train]
    assert train.marker.symbol != test.marker.symbol
    assert "c1" in train.hovertext[1]
    assert fig.layout.xaxis.title.text == "f0" and fig.layout.yaxis.title.text == "f1"


def test_scatter_legend_names_classes_by_colour_and_splits_by_grey_shape(dataset):
    from qmlbench.viz._style import NEUTRAL_COLOR
    from qmlbench.viz.data import LEGEND_UIDS

    fig = viz.data_scatter(dataset)
    assert tuple(t.uid for t in fig.data[2:]) == LEGEND_UIDS
    shown = [t for t in fig.data if t.showlegend]
    assert [t.name for t in shown] == ["c0", "c1", "train points", "test points"]
    assert [t.marker.color for t in shown[:2]] == [class_color(0), class_color(1)]
    assert shown[2].marker.color == shown[3].marker.color == NEUTRAL_COLOR
    assert shown[2].marker.symbol == fig.data[0].marker.symbol
    assert shown[3].marker.symbol == fig.data[1].marker.symbol


def test_scatter_legend_calls_numeric_classes_class_n(make_dataset):
    ds = make_dataset()
    ds.class_names = None
    names = [t.name for t in viz.data_scatter(ds).data if t.showlegend]
    assert names[:2] == ["class 0", "class 1"]


def test_scatter_keeps_its_traces_whatever_the_number_of_classes(make_dataset):
    two, three = viz.data_scatter(make_dataset()), viz.data_scatter(make_dataset(n_classes=3))
    assert [t.uid for t in two.data] == [t.uid for t in three.data]
    assert sum(bool(t.showlegend) for t in three.data) == 3 + 2


def test_scatter_regression_legend_has_no_classes(make_dataset):
    fig = viz.data_scatter(make_dataset(task="regression", n_features=2))
    assert [t.name for t in fig.data if t.showlegend] == ["train points", "test points"]


def test_scatter_string_labels_and_three_classes(make_dataset):
    ds = make_dataset(n_classes=3)
    ds.y_train = np.array(["a", "b", "c"])[ds.y_train]
    ds.y_test = np.array(["a", "b", "c"])[ds.y_test]
    fig = viz.data_scatter(ds)
    assert len(set(fig.data[0].marker.color)) == 3
    # each label keeps its class's colour in train and in test, in class order
    index = {"a": 0, "b": 1, "c": 2}
    assert list(fig.data[0].marker.color) == [class_color(index[v]) for v in ds.y_train]
    assert list(fig.data[1].marker.color) == [class_color(index[v]) for v in ds.y_test]


def test_scatter_one_feature_regression_puts_target_on_y(make_dataset):
    ds = make_dataset(task="regression", n_features=1)
    fig = viz.data_scatter(ds)
    np.testing.assert_allclose(fig.data[0].y, ds.y_train)
    assert fig.layout.yaxis.title.text == "target"


def test_scatter_two_feature_regression_colours_by_target(make_dataset):
    ds = make_dataset(task="regression", n_features=2)
    fig = viz.data_scatter(ds)
    np.testing.assert_allclose(fig.data[0].marker.color, ds.y_train)
    assert fig.data[0].marker.showscale is True


def test_scatter_many_features_says_which_are_drawn(make_dataset):
    ds = make_dataset(n_features=4)
    fig = viz.data_scatter(ds)
    assert "features 1-2 of 4" in fig.layout.title.text


def test_loss_curve_one_point_per_step_and_scores_on_second_axis():
    history = [{"step": i, "loss": 1.0 / (i + 1), "phase": "fit"} for i in range(5)]
    history[2]["train_score"] = 0.7
    history[2]["test_score"] = 0.6
    history[4]["train_score"] = 0.9
    history.append({"step": 5, "loss": None, "phase": "done"})
    fig = viz.loss_curve(history)
    assert len(fig.data) == 3
    assert list(fig.data[0].x) == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(fig.data[0].y, [1.0 / (i + 1) for i in range(5)])
    assert list(fig.data[1].x) == [2, 4] and list(fig.data[1].y) == [0.7, 0.9]
    assert list(fig.data[2].y) == [0.6]
    assert fig.data[1].yaxis == "y2" and fig.data[2].yaxis == "y2"


def test_empty_loss_curve_still_has_its_three_traces():
    fig = viz.loss_curve([])
    assert [t.uid for t in fig.data] == ["loss", "train_score", "test_score"]
    assert all(len(t.x) == 0 for t in fig.data)


def test_score_axis_is_zero_to_one_on_round_ticks():
    history = [{"step": i, "loss": 1.0, "train_score": 0.134 + 0.1 * i, "test_score": 0.5}
               for i in range(5)]
    axis = viz.loss_curve(history, score_name="accuracy").layout.yaxis2
    assert axis.tickmode == "linear" and axis.tick0 == 0 and axis.dtick == 0.2
    lo, hi = axis.range
    assert -0.05 < lo <= 0 and 1 <= hi < 1.05
    # the same axis before any score arrives: it does not jump when the first comes in
    assert viz.loss_curve([]).layout.yaxis2.range == axis.range


def test_score_axis_extends_below_zero_for_a_negative_r2():
    from qmlbench.viz.training import score_axis

    for worst in (-0.3, -0.9, -4.2, -75.0):
        axis = score_axis([worst, 0.5])
        lo, hi = axis["range"]
        assert lo <= worst and hi >= 1
        ticks = (1 - lo) / axis["dtick"]
        assert ticks <= 7, axis  # a handful of ticks, not dozens
        assert axis["tick0"] == 0 and axis["dtick"] in (0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10, 20, 25, 50, 100)


def test_score_bars_side_by_side():
    fig = viz.score_bars({"vqc": {"train": 0.9, "test": 0.8}, "svc": {"train": 1.0, "test": None}})
    assert [t.name for t in fig.data] == ["train", "test"]
    assert list(fig.data[0].x) == ["vqc", "svc"]
    assert list(fig.data[0].y) == [0.9, 1.0]
    assert fig.data[1].y[0] == 0.8 and fig.data[1].y[1] is None
    assert fig.layout.barmode == "group"


def test_empty_loss_curve_has_plain_axes_and_lets_them_go_once_data_arrives():
    empty = viz.loss_curve([])
    assert tuple(empty.layout.yaxis.range) == (0, 1)
    full = viz.loss_curve([{"step": 0, "loss": 3.0}, {"step": 1, "loss": 2.0}])
    assert full.layout.yaxis.range is None and full.layout.yaxis.autorange is True


@pytest.mark.parametrize("figure", ["scatter", "boundary"])
def test_a_coordinate_flat_up_to_round_off_is_not_stretched_over_the_axis(make_dataset, figure):
    # phase_of_matter's second column is an amplitude that is zero by symmetry, solved to
    # 1e-7: plotly's autorange spread that over the axis in nano-units, as if the points
    # differed there.  The axis keeps a range the size of the data's values instead.
    ds = make_dataset(n_features=2)
    rng = np.random.default_rng(1)
    ds.X_train[:, 1] = rng.normal(0, 3e-7, len(ds.X_train))
    ds.X_test[:, 1] = rng.normal(0, 3e-7, len(ds.X_test))
    fig = viz.data_scatter(ds) if figure == "scatter" else viz.decision_boundary(None, ds)
    lo, hi = fig.layout.yaxis.range
    assert hi - lo >= 0.5 and lo < ds.X_train[:, 1].min() and hi > ds.X_train[:, 1].max()
    # a coordinate that does vary keeps plotly's autorange
    assert fig.layout.xaxis.range is None and fig.layout.xaxis.autorange is True
