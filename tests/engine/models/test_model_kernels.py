"""Every kernel model computes its Gram matrix through ``kernels.kernel_matrix``, the
trainable one too, and every trained model runs the one optimization loop."""

from __future__ import annotations

import ast
import pathlib

import numpy as np
import pytest
from qiskit import QuantumCircuit

from qmlbench.engine import circuits, kernels, models, optimizers

MODELS_DIR = pathlib.Path(models.__file__).parent


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(4)
    X = rng.uniform(-1, 1, (14, 2))
    y = (X[:, 0] + 0.3 * X[:, 1] > 0).astype(int)
    y[:2] = [0, 1]
    return X[:10], y[:10], X[10:]


@pytest.mark.parametrize("name,map_kw", [
    ("qsvc", {}), ("qsvr", {}), ("pegasos_qsvc", {}),
    ("qsvc", {"feature_map": "angle", "feature_map_options": {"rotation": "x"}}),
    ("qsvc", {"feature_map": "zz", "feature_map_reps": 1, "feature_map_entanglement": "full"}),
])
def test_kernel_models_gram_matrix_is_kernel_matrix(name, map_kw, data):
    X, y, X_test = data
    entry = models.MODELS[name]
    est = entry.estimator_class(entry.tasks[0])(seed=0, **map_kw)
    est.fit(X, y.astype(float) if name == "qsvr" else y)
    fm = circuits.feature_map(est.feature_map, X.shape[1], est.feature_map_reps,
                              est.feature_map_entanglement, **(est.feature_map_options or {}))
    np.testing.assert_allclose(est.kernel_matrix_, kernels.kernel_matrix(fm, X), atol=1e-12,
                               rtol=0)
    np.testing.assert_allclose(est._test_kernel(X_test), kernels.kernel_matrix(fm, X_test, X),
                               atol=1e-12, rtol=0)


def _bound_trainable(est, weights):
    """The trainable kernel's circuit built here from its parts, θ bound to ``weights``."""
    fm = circuits.feature_map(est.feature_map, est.n_features_in_, est.feature_map_reps,
                              est.feature_map_entanglement, **(est.feature_map_options or {}))
    layer = QuantumCircuit(fm.num_qubits)
    for q, angle in enumerate(weights):
        getattr(layer, est.trainable_axis_)(float(angle), q)
    return layer.compose(fm)


@pytest.mark.parametrize("map_kw", [{}, {"feature_map": "angle",
                                         "feature_map_options": {"rotation": "y"}}])
def test_qkt_kernel_at_is_kernel_matrix_with_the_weights_bound(map_kw, data):
    X, y, X_test = data
    est = models.MODELS["qkt_qsvc"].estimator_class()(maxiter=4, seed=1, **map_kw).fit(X, y)
    for w in (est.weights_, np.array([0.3, -1.2]), np.zeros(2)):
        bound = _bound_trainable(est, w)
        np.testing.assert_allclose(est.kernel_at(w, X), kernels.kernel_matrix(bound, X),
                                   atol=1e-12, rtol=0)
        np.testing.assert_allclose(est.kernel_at(w, X_test, X),
                                   kernels.kernel_matrix(bound, X_test, X), atol=1e-12, rtol=0)
    np.testing.assert_allclose(est.kernel_matrix_, est.kernel_at(est.weights_, X), atol=1e-12)
    # the name the dashboard's Kernel tab looks up is the same method
    np.testing.assert_array_equal(est._kernel_at(est.weights_, X), est.kernel_at(est.weights_, X))


def test_qkt_kernel_at_refuses_what_does_not_fit(data):
    from sklearn.exceptions import NotFittedError

    from qmlbench.engine.errors import DataError

    X, y, _ = data
    est = models.MODELS["qkt_qsvc"].estimator_class()(maxiter=3, seed=0)
    with pytest.raises(NotFittedError):
        est.kernel_at([0.1, 0.2], X)
    est.fit(X, y)
    with pytest.raises(DataError, match="angle"):
        est.kernel_at([0.1, 0.2, 0.3], X)
    with pytest.raises(DataError, match="features"):
        est.kernel_at([0.1, 0.2], np.zeros((3, 3)))


@pytest.mark.parametrize("name", ["vqc", "estimator_qnn", "qkt_qsvc"])
def test_trained_models_run_the_one_optimization_loop(name, data, monkeypatch):
    X, y, _ = data
    calls = []
    real = optimizers.minimize

    def counting(tracker, *args):
        calls.append(tracker)
        return real(tracker, *args)

    monkeypatch.setattr(optimizers, "minimize", counting)
    entry = models.MODELS[name]
    kw = {"ansatz_reps": 1} if entry.uses_ansatz else {}
    est = entry.estimator_class()(maxiter=5, seed=0, feature_map="angle", **kw).fit(X, y)
    assert len(calls) == 1 and isinstance(calls[0], optimizers.ObjectiveTracker)
    assert est.loss_history_ == calls[0].losses and est.n_evaluations_ == calls[0].step


def test_a_stop_keeps_the_best_weights_for_the_trainable_kernel_too(data):
    X, y, _ = data
    seen = []

    def monitor(step, loss, weights, phase="train"):
        if loss is not None:
            seen.append((loss, weights))
        return step >= 3

    est = models.MODELS["qkt_qsvc"].estimator_class()(maxiter=20, seed=0).fit(X, y, monitor)
    assert est.stopped_ and est.n_evaluations_ == 3
    best = min(seen, key=lambda s: s[0])[1]
    np.testing.assert_array_equal(est.weights_, best)
    est.predict(X)


def _imports(path):
    """Every module an import in ``path`` names (inside functions too), resolved."""
    root = pathlib.Path(models.__file__).parents[2]          # the folder holding qmlbench/
    package = list(path.relative_to(root).with_suffix("").parts[:-1])
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package[:len(package) - node.level + 1] + (
                    node.module.split(".") if node.module else [])
                module = ".".join(parts)
            else:
                module = node.module
            names.append(module)
            names += [f"{module}.{a.name}" for a in node.names]
    return names


@pytest.mark.parametrize("path", sorted(MODELS_DIR.glob("*.py")), ids=lambda p: p.name)
def test_models_never_import_spec_or_hedge_their_own_imports(path):
    assert not [n for n in _imports(path) if n.startswith("qmlbench.engine.spec")], \
        "models must not import spec (spec imports models)"
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            assert "ImportError" not in ast.unparse(node.type), f"{path.name}:{node.lineno}"


@pytest.mark.parametrize("module", ["circuits", "kernels", "optimizers", "execution",
                                    "datasets"])
def test_the_modules_models_import_do_not_import_models(module):
    import importlib

    path = pathlib.Path(importlib.import_module(f"qmlbench.engine.{module}").__file__)
    paths = sorted(path.parent.glob("*.py")) if path.name == "__init__.py" else [path]
    for p in paths:
        assert not [n for n in _imports(p) if ".models" in n or n.endswith("engine.models")], p
