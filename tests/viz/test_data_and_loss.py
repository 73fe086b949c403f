import numpy as np
import plotly.graph_objects as go

from qmlbench import viz
from qmlbench.viz._style import class_color


def test_scatter_has_train_then_test_with_class_colours(dataset):
    fig = viz.data_scatter(dataset)
    assert isinstance(fig, go.Figure)
    assert [t.name for t in fig.data] == ["train", "test"]
    train, test = fig.data
    np.testing.assert_allclose(train.x, dataset.X_train[:, 0])
    np.testing.assert_allclose(train.y, dataset.X_train[:, 1])
    np.testing.assert_allclose(test.x, dataset.X_test[:, 0])
    assert list(train.marker.color) == [class_color(c) for c in dataset.y_train]
    assert train.marker.symbol != test.marker.symbol
    assert "c1" in train.hovertext[1]
    assert fig.layout.xaxis.title.text == "f0" and fig.layout.yaxis.title.text == "f1"


def test_scatter_string_labels_and_three_classes(make_dataset):
    ds = make_dataset(n_classes=3)
    ds.y_train = np.array(["a", "b", "c"])[ds.y_train]
    ds.y_test = np.array(["a", "b", "c"])[ds.y_test]
    fig = viz.data_scatter(ds)
    assert len(set(fig.data[0].marker.color)) == 3


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


def test_score_bars_side_by_side():
    fig = viz.score_bars({"vqc": {"train": 0.9, "test": 0.8}, "svc": {"train": 1.0, "test": None}})
    assert [t.name for t in fig.data] == ["train", "test"]
    assert list(fig.data[0].x) == ["vqc", "svc"]
    assert list(fig.data[0].y) == [0.9, 1.0]
    assert fig.data[1].y[0] == 0.8 and fig.data[1].y[1] is None
    assert fig.layout.barmode == "group"
