"""Decision surface: grid geometry, orientation, kinds, one batched call, slices and curves."""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

import qmlbench as qb
from qmlbench.engine import datasets as D
from qmlbench.engine.boundary import Surface, decision_surface
from qmlbench.engine.errors import SpecError


class Counting:
    """A model that records every call, to prove the grid goes in one batch."""

    def __init__(self, fn, classes=(0, 1)):
        self.fn, self.classes_, self.calls = fn, np.array(classes), []

    def predict_proba(self, X):
        self.calls.append(len(X))
        p = self.fn(X)
        return np.c_[1 - p, p]

    def predict(self, X):
        return (self.predict_proba(X)[:, 1] > 0.5).astype(int)


@pytest.fixture(scope="module")
def moons():
    return D.load("moons", n_samples=80, seed=0)


def test_grid_covers_data_with_margin_and_values_are_oriented_rows_y(moons):
    model = Counting(lambda X: 1 / (1 + np.exp(-(X[:, 0] - 2 * X[:, 1]))))
    s = decision_surface(model, moons, resolution=30, margin=0.1)
    assert model.calls == [900]  # one call for the whole grid
    X = moons.X
    span = X[:, 0].max() - X[:, 0].min()
    assert s.xs[0] == pytest.approx(X[:, 0].min() - 0.1 * span)
    assert s.xs[-1] == pytest.approx(X[:, 0].max() + 0.1 * span)
    assert s.values.shape == (30, 30) and s.kind == "proba"
    j, i = 7, 21
    assert s.values[j, i] == pytest.approx(1 / (1 + np.exp(-(s.xs[i] - 2 * s.ys[j]))))
    assert s.note == "" and s.classes == [0, 1]


def test_logistic_regression_proba_matches_direct_prediction(moons):
    model = LogisticRegression().fit(moons.X_train, moons.y_train)
    s = decision_surface(model, moons, resolution=12)
    gx, gy = np.meshgrid(s.xs, s.ys)
    direct = model.predict_proba(np.c_[gx.ravel(), gy.ravel()])[:, 1].reshape(12, 12)
    assert np.allclose(s.values, direct)


def test_svc_without_probabilities_gives_decision_values(moons):
    model = SVC(kernel="rbf").fit(moons.X_train, moons.y_train)
    s = decision_surface(model, moons, resolution=10)
    assert s.kind == "decision"
    assert np.allclose(s.values.ravel(), model.decision_function(
        np.c_[np.meshgrid(s.xs, s.ys)[0].ravel(), np.meshgrid(s.xs, s.ys)[1].ravel()]))


def test_model_with_predict_only_gives_labels(moons):
    class OnlyPredict:
        def __init__(self, m):
            self.m = m

        def predict(self, X):
            return self.m.predict(X)

    tree = DecisionTreeClassifier(max_depth=3).fit(moons.X_train, moons.y_train)
    s = decision_surface(OnlyPredict(tree), moons, resolution=8)
    assert s.kind == "label" and set(np.unique(s.values)) == {0.0, 1.0}
    gx, gy = np.meshgrid(s.xs, s.ys)
    np.testing.assert_array_equal(s.values, tree.predict(np.c_[gx.ravel(), gy.ravel()]).reshape(8, 8))


def test_multiclass_more_than_two_features_is_a_slice_through_the_mean():
    iris = D.load("iris", n_samples=150, seed=0)
    model = LogisticRegression(max_iter=500).fit(iris.X_train, iris.y_train)
    s = decision_surface(model, iris, resolution=15, features=(2, 3))
    assert s.kind == "label" and s.values.shape == (15, 15)
    assert s.probabilities.shape == (15, 15, 3)
    assert np.array_equal(s.values, np.argmax(s.probabilities, axis=2).astype(float))
    mean = iris.X_train.mean(axis=0)
    assert s.fixed == pytest.approx({iris.feature_names[0]: mean[0], iris.feature_names[1]: mean[1]})
    assert "2-D slice through the training mean" in s.note and iris.feature_names[0] in s.note
    # a grid point equals a direct prediction at (mean0, mean1, x, y)
    point = np.array([[mean[0], mean[1], s.xs[4], s.ys[9]]])
    assert s.probabilities[9, 4] == pytest.approx(model.predict_proba(point)[0])
    with pytest.raises(SpecError, match="features: \\(1, 1\\) must be two different feature indices below 4"):
        decision_surface(model, iris, features=(1, 1))


def test_one_feature_regression_is_a_curve():
    sine = D.load("sine", n_samples=60, seed=0)
    model = LinearRegression().fit(sine.X_train, sine.y_train)
    s = decision_surface(model, sine, resolution=50)
    assert s.ys is None and s.values.shape == (50,) and s.kind == "regression"
    assert np.allclose(s.values, model.predict(s.xs[:, None]))


def test_two_feature_regression_is_a_map():
    surf = D.load("surface", n_samples=60, seed=0)
    model = LinearRegression().fit(surf.X_train, surf.y_train)
    s = decision_surface(model, surf, resolution=9)
    assert s.kind == "regression" and s.values.shape == (9, 9) and s.classes is None
    # rows follow y, columns follow x, values are the model's predictions there
    gx, gy = np.meshgrid(s.xs, s.ys)
    np.testing.assert_allclose(s.values, model.predict(np.c_[gx.ravel(), gy.ravel()]).reshape(9, 9))
    assert s.xs[0] < surf.X[:, 0].min() and s.ys[-1] > surf.X[:, 1].max()


@pytest.mark.parametrize("kwargs,match", [
    (dict(resolution=1), "resolution: 1 must be an integer >= 2"),
    (dict(margin=-0.5), "margin: -0.5 must be a finite number >= 0"),
])
def test_bad_arguments(moons, kwargs, match):
    with pytest.raises(SpecError, match=match):
        decision_surface(LogisticRegression().fit(moons.X_train, moons.y_train), moons, **kwargs)


def test_quantum_kernel_model_on_the_grid():
    from qmlbench.engine import models

    spec = qb.ExperimentSpec.from_dict({
        "dataset": {"name": "ad_hoc", "n_samples": 24},
        "circuit": {"feature_map": {"name": "zz", "reps": 2}},
        "model": {"name": "qsvc"},
    })
    data = D.from_spec(spec.dataset, seed=spec.seed)
    model = models.build(spec, data)
    model.fit(data.X_train, data.y_train)
    s = decision_surface(model, data, resolution=6)
    assert isinstance(s, Surface) and s.values.shape == (6, 6) and np.all(np.isfinite(s.values))
    gx, gy = np.meshgrid(s.xs, s.ys)
    labels = model.predict(np.c_[gx.ravel(), gy.ravel()]).reshape(6, 6)
    assert s.kind in ("decision", "proba")
    threshold = 0.0 if s.kind == "decision" else 0.5
    assert np.array_equal(s.values > threshold, labels == s.classes[1])


def test_a_wide_slice_names_a_few_fixed_coordinates_and_counts_the_rest():
    ds = D.load("linearly_separable", n_samples=60, num_features=10, seed=0)
    model = LogisticRegression(max_iter=500).fit(ds.X_train, ds.y_train)
    s = decision_surface(model, ds, resolution=5)
    assert len(s.fixed) == 8                     # every fixed coordinate is still in the result
    assert s.note.endswith("and 4 more at their means")
    assert s.note.count(" = ") == 4


def test_quantum_states_have_no_surface_and_say_why():
    from qmlbench.engine.boundary import no_surface_reason
    from qmlbench.engine.errors import DataError

    ds = D.load("phase_of_matter", n_samples=24, seed=0)
    assert "quantum states" in no_surface_reason(ds)
    assert no_surface_reason(D.load("moons", n_samples=20, seed=0)) is None
    with pytest.raises(DataError, match="dataset: the inputs are quantum states, not points of a plane"):
        decision_surface(None, ds)
