"""Bowles, Ahmed & Schuld 2024's benchmark tasks: each label follows the paper's definition,
the dimension parameter sets the width, and the registry draws them reproducibly."""

from __future__ import annotations

import numpy as np
import pytest

import qmlbench as qb
from qmlbench.engine.datasets import bowles
from qmlbench.engine.errors import SpecError

NAMES = ["linearly_separable", "hidden_manifold", "two_curves", "hyperplanes_parity",
         "bars_and_stripes"]


@pytest.mark.parametrize("d", [2, 5, 11])
def test_linearly_separable_labels_are_the_side_of_w_with_the_margin(d):
    X, y, w, margin = bowles.linearly_separable_raw(300, d, np.random.default_rng(d))
    assert X.shape == (300, d) and np.all(np.abs(X) <= 1)
    s = X @ w
    assert margin == pytest.approx(0.02 * d)
    assert np.all(np.abs(s) > margin)                  # nothing inside the margin
    np.testing.assert_array_equal(y, (s > 0).astype(int))
    # a perceptron finds a separating hyperplane (the data is separable with margin > 0)
    from sklearn.linear_model import Perceptron

    p = Perceptron(max_iter=10_000, tol=None, random_state=0).fit(X, y)
    assert p.score(X, y) == 1.0


def test_hidden_manifold_labels_come_from_the_latent_network_and_are_balanced():
    rng = np.random.default_rng(3)
    X, y, h = bowles.hidden_manifold_raw(300, 7, rng, manifold_dimension=4)
    assert X.shape == (300, 7) and h["C"].shape == (300, 4)
    np.testing.assert_allclose(X, np.tanh(h["C"] @ h["F"] / 2.0 - h["b"]))
    score = np.tanh(h["C"] @ h["W"].T) @ h["v"] / 2.0
    np.testing.assert_array_equal(y, (score > np.median(score)).astype(int))
    assert np.bincount(y).tolist() == [150, 150]
    # the features are functions of the 4-dimensional latent points: rank 4 before the tanh
    pre = np.arctanh(X) + h["b"]
    assert np.linalg.matrix_rank(pre, tol=1e-8) == 4


def test_two_curves_are_one_fourier_curve_and_its_shifted_copy():
    rng = np.random.default_rng(1)
    d, degree, offset = 4, 3, 0.25
    X, y, h = bowles.two_curves_raw(200, d, rng, degree=degree, offset=offset, noise=0.0)
    c, t = h["coeffs"], h["t"]
    assert np.linalg.norm(c) == pytest.approx(1.0)
    k = np.arange(1, degree + 1)
    curve = (c[:, 0, 0] + c[:, 0, 1]) + np.cos(np.pi * np.outer(t, k)) @ c[:, 1:, 0].T \
        + np.sin(np.pi * np.outer(t, k)) @ c[:, 1:, 1].T
    np.testing.assert_allclose(X, curve + offset * y[:, None], atol=1e-12)
    assert np.bincount(y).tolist() == [100, 100]


@pytest.mark.parametrize("planes", [1, 2, 5])
def test_hyperplanes_parity_label_is_the_parity_of_the_sides(planes):
    rng = np.random.default_rng(planes)
    X, y, h = bowles.hyperplanes_parity_raw(120, 6, rng, n_hyperplanes=planes, dim_hyperplanes=3)
    sides = (h["Z"] @ h["W"].T + h["b"] > 0).sum(axis=1)
    np.testing.assert_array_equal(y, sides % 2)
    np.testing.assert_allclose(X, h["Z"] @ h["embedding"])
    assert X.shape == (120, 6) and np.bincount(y).tolist() == [60, 60]


def test_bars_and_stripes_images_are_bars_or_stripes():
    rng = np.random.default_rng(0)
    X, y, clean = bowles.bars_and_stripes_raw(200, 3, 5, rng, noise=0.0)
    assert set(np.unique(clean)) <= {-1.0, 1.0}
    for img, label in zip(clean, y):
        if label == 1:   # stripe: every row is one colour
            assert np.all(img == img[:, :1])
        else:            # bar: every column is one colour
            assert np.all(img == img[:1, :])
    assert 60 < y.sum() < 140                      # a fair coin over 200 draws (6 sigma: 58..142)
    noisy, _, clean2 = bowles.bars_and_stripes_raw(2000, 2, 2, np.random.default_rng(1), noise=0.5)
    # the noise is N(0, 0.5^2) per pixel: its std over 8000 pixels is 0.5 within 5 sigma
    assert np.std(noisy - clean2) == pytest.approx(0.5, abs=5 * 0.5 / np.sqrt(2 * 8000))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("d", [4, 9])
def test_registry_draws_at_the_width_asked_and_reproducibly(name, d):
    a = qb.datasets.load(name, n_samples=60, num_features=d, seed=3)
    b = qb.datasets.load(name, n_samples=60, num_features=d, seed=3)
    assert a.X_train.shape == (45, d) and a.X_test.shape == (15, d)
    assert a.num_features == d and a.task == "classification" and len(a.class_names) == 2
    np.testing.assert_array_equal(a.X_train, b.X_train)
    assert not any("PCA" in n for n in a.notes)    # drawn at the width, never reduced
    c = qb.datasets.load(name, n_samples=60, num_features=d, seed=4)
    assert not np.array_equal(a.X_train, c.X_train)


def test_registry_defaults_and_options():
    assert qb.datasets.load("bars_and_stripes", n_samples=40).num_features == 16
    assert qb.datasets.load("two_curves", n_samples=40).num_features == 2
    ds = qb.datasets.load("bars_and_stripes", n_samples=40, num_features=6, height=2)
    assert ds.feature_names[:3] == ["p0_0", "p0_1", "p0_2"]
    with pytest.raises(SpecError, match="square"):
        qb.datasets.load("bars_and_stripes", n_samples=40, num_features=6)
    with pytest.raises(SpecError, match="n_hyperplanes"):
        qb.datasets.load("hyperplanes_parity", n_hyperplanes=0)


def test_a_study_sweeps_their_dimension():
    study = qb.study.StudySpec.from_dict({
        "datasets": [{"name": "hidden_manifold", "dimensions": [2, 8, 12]}],
        "models": ["logistic"]})
    assert [c.labels["dimension"] for c in study.cells] == [2, 8, 12]


def test_each_width_is_an_independent_draw_of_the_same_seed():
    # A width sweep (the study's dimensions 2..10, one seed) compares models across d; the
    # tasks at two widths must be two draws, not one draw cut differently: with one stream
    # per seed, linearly_separable's 4-d rows were 2-d rows glued in pairs and
    # hyperplanes_parity had the same latent points and labels at every width.
    def draw(name, d, seed=0):
        X, y, *_ = getattr(bowles, name)(300, 0.0, np.random.default_rng(seed), num_features=d)
        return X, y

    X2, _ = draw("linearly_separable", 2)
    X4, _ = draw("linearly_separable", 4)
    shared = (np.abs(X4[:, None, :2] - X2[None, :, :]).max(axis=2) < 1e-12).any(axis=1)
    assert not shared.any()
    _, y3 = draw("hyperplanes_parity", 3)
    _, y5 = draw("hyperplanes_parity", 5)
    assert not np.array_equal(y3, y5)
    for name in NAMES[:4]:                       # and the same seed is still the same data
        np.testing.assert_array_equal(draw(name, 3)[0], draw(name, 3)[0])


def test_hyperplanes_parity_below_its_hidden_dimension_says_the_labels_are_not_a_function():
    # 3-d points projected to 2 features: two points with the same features can carry
    # different labels, so a score there says nothing about a model; the notes say so
    few = qb.datasets.load("hyperplanes_parity", n_samples=40, num_features=2)
    assert any("not a function of the features" in n and "at least 3" in n for n in few.notes)
    enough = qb.datasets.load("hyperplanes_parity", n_samples=40, num_features=3)
    assert not any("not a function" in n for n in enough.notes)
