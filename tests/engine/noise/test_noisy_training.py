"""A spec's noise reaches the model it builds: training runs on the noisy path and says so,
and the same weights under strong depolarizing noise give smaller outputs on average."""

from __future__ import annotations

import numpy as np
from sklearn.base import clone

import qmlbench as qb
from qmlbench.engine import execution

SPEC = {"dataset": {"name": "moons", "n_samples": 40}, "model": {"name": "estimator_qnn"},
        "optimizer": {"name": "cobyla", "maxiter": 12}}


def test_a_noisy_spec_trains_on_the_density_matrix_path_and_keeps_its_noise():
    noise = {"model": "depolarizing", "p1": 0.05, "p2": 0.1}
    run = qb.train({**SPEC, "execution": {"noise": noise}}, block=True)
    assert run.status == "done"
    assert run.path == execution.PATH_DENSITY
    assert run.model.noise["p1"] == 0.05 and clone(run.model).noise["p2"] == 0.1


def test_the_same_weights_give_outputs_shrunk_by_noise():
    run = qb.train(SPEC, block=True)
    ideal = run.model
    noisy = clone(ideal).set_params(noise={"model": "depolarizing", "p1": 0.2, "p2": 0.2})
    noisy.fit(run.dataset.X_train[:4], run.dataset.y_train[:4])  # learned attributes
    for attr in ("weights_",):
        setattr(noisy, attr, getattr(ideal, attr))
    X = run.dataset.X_test
    a, b = ideal.decision_function(X), noisy.decision_function(X)
    # depolarizing channels contract every Pauli component; on average the outputs shrink
    assert np.mean(np.abs(b)) < np.mean(np.abs(a)) and not np.allclose(a, b)
