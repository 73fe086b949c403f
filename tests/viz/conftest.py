from types import SimpleNamespace

import numpy as np
import pytest


def _make_dataset(task="classification", n_features=2, n_train=12, n_test=6, n_classes=2, seed=0):
    rng = np.random.default_rng(seed)
    X_train = rng.uniform(0, 1, (n_train, n_features))
    X_test = rng.uniform(0, 1, (n_test, n_features))
    if task == "classification":
        y_train = np.arange(n_train) % n_classes
        y_test = np.arange(n_test) % n_classes
        class_names = [f"c{i}" for i in range(n_classes)]
    else:
        y_train = X_train.sum(axis=1)
        y_test = X_test.sum(axis=1)
        class_names = None
    return SimpleNamespace(X_train=X_train, X_test=X_test, y_train=y_train, y_test=y_test,
                           task=task, class_names=class_names,
                           feature_names=[f"f{i}" for i in range(n_features)], notes=[])


@pytest.fixture
def dataset():
    return _make_dataset()


@pytest.fixture
def make_dataset():
    return _make_dataset
