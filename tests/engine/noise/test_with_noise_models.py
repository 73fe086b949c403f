"""``model.with_noise(noise)``: the same learned weights, evaluated under other noise.  What a
model caches from evaluations (the projected kernel's training Bloch vectors) must follow
the noise, and models whose inputs are given states refuse noise instead of ignoring it."""

from __future__ import annotations

import numpy as np
import pytest

import qmlbench as qb
from qmlbench.engine.errors import SpecError
from qmlbench.engine.models.projected import ProjectedQSVCModel
from qmlbench.engine.models.states import StateQSVCModel

NOISE = {"model": "depolarizing", "p1": 0.2, "p2": 0.2}


@pytest.fixture(scope="module")
def moons():
    return qb.datasets.load("moons", n_samples=40, seed=0)


def test_projected_kernel_under_other_noise_compares_like_with_like(moons):
    X, y = moons.X_train, moons.y_train
    model = ProjectedQSVCModel().fit(X, y)
    noisy = model.with_noise(NOISE)
    # a training point against itself: both sides under the same noise, so exactly 1
    np.testing.assert_allclose(np.diag(noisy._test_kernel(X[:6])[:, :6]), 1.0, atol=1e-12)
    # and the whole matrix is the noisy model's own Gram matrix over the training points
    np.testing.assert_allclose(noisy._test_kernel(X), noisy.gram(X), atol=1e-12)
    # the original keeps its noiseless training side
    np.testing.assert_allclose(model._test_kernel(X), model.gram(X), atol=1e-12)
    assert np.abs(noisy.gram(X) - model.gram(X)).max() > 1e-3
    # back to no noise from a model trained under noise: the ideal kernel again
    trained_noisy = ProjectedQSVCModel(noise=NOISE).fit(X, y)
    back = trained_noisy.with_noise(None)
    np.testing.assert_allclose(np.diag(back._test_kernel(X[:6])[:, :6]), 1.0, atol=1e-12)


@pytest.mark.parametrize("gamma", ["auto", -1.0, 0, True])
def test_projected_kernel_refuses_a_bandwidth_that_is_not_one(moons, gamma):
    with pytest.raises(SpecError, match=r"model.params.gamma: .* must be 'scale' or a number > 0"):
        ProjectedQSVCModel(gamma=gamma).fit(moons.X_train, moons.y_train)


def test_state_kernel_refuses_noise_rather_than_ignoring_it():
    ds = qb.datasets.load("phase_of_matter", n_samples=24, seed=0)
    model = StateQSVCModel().fit(ds.X_train, ds.y_train)
    assert model.with_noise(None).predict(ds.X_test).tolist() == model.predict(ds.X_test).tolist()
    with pytest.raises(SpecError, match="execution.noise: .* does not apply to state_qsvc"):
        model.with_noise(NOISE)
