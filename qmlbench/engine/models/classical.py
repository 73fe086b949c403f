"""Classical baselines on the same data, with the same ``fit(X, y, monitor=None)`` surface.

They are thin scikit-learn estimators (so ``clone``/``get_params`` work and the
hyper-parameter names match the registry); the fitted sklearn model is ``model_``.
They report the phase "fit" to the monitor; the MLP also reports its loss per epoch.
"""

from __future__ import annotations

from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.svm import SVR
from sklearn.utils.metaestimators import available_if

from ._base import Hyperparameters, StopTraining, call_monitor
from ._checks import check_classes, check_fitted_X, check_targets, check_X
from .kernel import _svc

# sklearn.linear_model and sklearn.neural_network are imported where a model is made:
# about 1 s each at import, paid only by those who fit these baselines.


class _Baseline(Hyperparameters, BaseEstimator):
    """Each baseline declares its hyper-parameters in ``_params``; ``seed`` is everyone's."""

    _model_name = "classical"
    _is_classifier = True
    _params = {"seed": None}

    def _make(self):
        raise NotImplementedError

    def fit(self, X, y, monitor=None):
        X = check_X(X, self._model_name)
        if self._is_classifier:
            self.classes_, idx = check_classes(y, self._model_name, X.shape[0])
            y = self.classes_[idx]
        else:
            y = check_targets(y, self._model_name, X.shape[0])
        self.n_features_in_ = X.shape[1]
        call_monitor(monitor, 1, None, None, "fit")
        self.model_ = self._make().fit(X, y)
        self.stopped_ = False
        n_iter = getattr(self.model_, "n_iter_", None)
        if n_iter is not None:      # iterations the solver ran, as scikit-learn's estimators say
            self.n_iter_ = n_iter
        curve = getattr(self.model_, "loss_curve_", None)
        if curve is not None:
            self.loss_history_ = [float(v) for v in curve]
        return self

    def _X(self, X):
        return check_fitted_X(self, X, "model_")

    def predict(self, X):
        X = self._X(X)
        return self.model_.predict(X)


class _ClassifierBaseline(ClassifierMixin, _Baseline):
    def decision_function(self, X):
        X = self._X(X)
        return self.model_.decision_function(X)

    def predict_proba(self, X):
        X = self._X(X)
        return self.model_.predict_proba(X)


class SVCBaseline(_ClassifierBaseline):
    """RBF-kernel SVC."""

    _model_name = "svc"
    _params = {"C": 1.0, "gamma": "scale", "probability": False}

    def _make(self):
        svc = _svc(self.C, self.probability, self.seed, kernel="rbf")
        svc.gamma = self.gamma
        return svc

    @available_if(lambda self: self.probability)
    def predict_proba(self, X):
        return super().predict_proba(X)


class SVRBaseline(RegressorMixin, _Baseline):
    """RBF-kernel SVR."""

    _model_name = "svr"
    _is_classifier = False
    _params = {"C": 1.0, "epsilon": 0.1, "gamma": "scale"}

    def _make(self):
        return SVR(kernel="rbf", C=self.C, epsilon=self.epsilon, gamma=self.gamma)


class LogisticBaseline(_ClassifierBaseline):
    _model_name = "logistic"
    _params = {"C": 1.0, "max_iter": 1000}

    def _make(self):
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=self.C, max_iter=self.max_iter, random_state=self.seed)


class _MLP(Hyperparameters):
    _params = {"hidden_layer_sizes": (16, 16), "alpha": 1e-4, "max_iter": 2000}

    def _kwargs(self):
        return dict(hidden_layer_sizes=tuple(self.hidden_layer_sizes), alpha=self.alpha,
                    max_iter=self.max_iter, random_state=self.seed)


class MLPClassifierBaseline(_MLP, _ClassifierBaseline):
    _model_name = "mlp"

    def _make(self):
        from sklearn.neural_network import MLPClassifier

        return MLPClassifier(**self._kwargs())

    @available_if(lambda self: False)
    def decision_function(self, X):  # MLP classifiers give predict_proba only
        raise AttributeError("decision_function")


class MLPRegressorBaseline(_MLP, RegressorMixin, _Baseline):
    _model_name = "mlp"
    _is_classifier = False

    def _make(self):
        from sklearn.neural_network import MLPRegressor

        return MLPRegressor(**self._kwargs())


__all__ = ["SVCBaseline", "SVRBaseline", "LogisticBaseline", "MLPClassifierBaseline",
           "MLPRegressorBaseline", "StopTraining"]
