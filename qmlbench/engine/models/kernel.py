"""Quantum kernel models: the fidelity kernel K(x, x') = |<φ(x)|φ(x')>|² fed to an SVM.

Every kernel model, the trainable one too, computes its Gram matrix through
``kernels.kernel_matrix``: one statevector per point and one matrix product,
the fast path FIELD-NOTES recommends.  With ``shots`` set, each entry is the
fraction of all-zero outcomes of the compute-uncompute circuit, which is
exactly Binomial(shots, K)/shots; it is drawn from that distribution (seeded)
rather than by simulating every pair of circuits.

Kernel models have no loss curve; they report their phases ("kernel matrix",
"fit") to the monitor as steps with loss None.
"""

from __future__ import annotations

import warnings

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import ParameterVector
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.svm import SVC, SVR
from sklearn.utils.metaestimators import available_if

from .. import kernels
from ..errors import DataError
from ._base import (DeclaredTags, EvaluatorMixin, FeatureMapParams, OptimizedParams,
                    build_feature_map, call_monitor)
from ._checks import check_classes, check_fitted, check_fitted_X, check_targets, check_X

#: why quantum kernel models declare ``poor_score`` to scikit-learn's check_estimator
#: (measured: 0.5-0.8 training accuracy; qmlbench's datasets scale features into the map's range)
KERNEL_POOR_SCORE = ("a fidelity kernel has no bandwidth: on check_estimator's unscaled blobs "
                     "the default zz map fits under its 0.83 training accuracy")


class _ProbabilitySVC(SVC):
    """SVC with Platt scaling. scikit-learn 1.9 deprecates ``probability`` (warning at fit);
    the calibrated replacement cannot split a precomputed kernel, so keep it, quietly."""

    def fit(self, X, y, sample_weight=None):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*probability.*", category=FutureWarning)
            return super().fit(X, y, sample_weight=sample_weight)


def _svc(C, probability, seed, kernel="precomputed"):
    # break_ties: with 3+ classes predict is the argmax of decision_function (one-vs-rest),
    # as scikit-learn's contract asks; libsvm's one-vs-one vote alone breaks ties differently
    if probability:
        return _ProbabilitySVC(kernel=kernel, C=C, probability=True, random_state=seed,
                               break_ties=True)
    return SVC(kernel=kernel, C=C, random_state=seed, break_ties=True)


class _KernelModel(EvaluatorMixin, FeatureMapParams, BaseEstimator):
    """A fidelity kernel on the feature map, an SVM on it. Declares ``C``; each model adds
    its SVM's own parameters, its targets (``_targets``) and its SVM (``_svm``)."""

    _model_name = "kernel"
    _params = {"C": 1.0}

    def _targets(self, y, n_samples):
        raise NotImplementedError

    def _svm(self):
        raise NotImplementedError

    def fit(self, X, y, monitor=None):
        X = self._prepare(X, y)
        t = self._targets(y, X.shape[0])
        self.X_train_ = X
        self.stopped_ = False
        # a stop before the kernel matrix exists propagates: there is nothing to keep
        self.kernel_matrix_ = self._train_kernel(X, t, monitor)
        self.svm_ = self._svm().fit(self.kernel_matrix_, t)
        return self

    def predict(self, X):
        K = self._test_kernel(X)     # first: it raises NotFittedError before svm_ is read
        return self.svm_.predict(K)

    def _kernel(self, X, Y=None, circuit=None):
        """The Gram matrix of ``circuit`` (the feature map unless given): ``kernels.kernel_matrix``,
        the one fidelity kernel, on this model's evaluator (shot noise seeded per call)."""
        seed = self._kernel_rng_seed() if self.shots else None
        return np.asarray(kernels.kernel_matrix(
            self.feature_map_ if circuit is None else circuit, X, Y,
            evaluator=self._get_evaluator(), seed=seed))

    def _kernel_rng_seed(self):
        self._kernel_calls = getattr(self, "_kernel_calls", 0) + 1
        return None if self.seed is None else [self.seed, self._kernel_calls]

    def _prepare(self, X, y):
        X = check_X(X, self._model_name)
        self.n_features_in_ = X.shape[1]
        self.feature_map_ = build_feature_map(self, X.shape[1])
        self._get_evaluator()
        return X

    def _phase(self, monitor, step, phase):
        call_monitor(monitor, step, None, None, phase)

    def _train_kernel(self, X, t, monitor):
        self._phase(monitor, 1, "kernel matrix")
        K = self._kernel(X)
        self._phase(monitor, 2, "fit")
        return K

    def _test_kernel(self, X):
        X = check_fitted_X(self, X, "X_train_")
        return self._kernel(X, self.X_train_)

    @property
    def circuit_(self):
        return self.feature_map_


class _KernelClassifier(DeclaredTags, ClassifierMixin, _KernelModel):
    _declared_tags = {"poor_score": KERNEL_POOR_SCORE}

    def _targets(self, y, n_samples):
        self.classes_, idx = check_classes(y, self._model_name, n_samples)
        return self.classes_[idx]

    def decision_function(self, X):
        K = self._test_kernel(X)
        return self.svm_.decision_function(K)


class QSVCModel(_KernelClassifier):
    """SVC on the quantum fidelity kernel (Havlíček et al. 2019; qiskit-ml's QSVC).

    Multi-class works as in scikit-learn's SVC (one-vs-one training, one-vs-rest
    decision values). Learned: ``svm_`` (the fitted SVC on the precomputed
    kernel), ``kernel_matrix_``, ``X_train_``, ``feature_map_``.
    """

    _model_name = "qsvc"
    _params = {"probability": False}

    def _svm(self):
        return _svc(self.C, self.probability, self.seed)

    @available_if(lambda self: self.probability)
    def predict_proba(self, X):
        """Platt-scaled probabilities; only with ``probability=True`` (model.params.probability)."""
        K = self._test_kernel(X)
        return self.svm_.predict_proba(K)


class QSVRModel(RegressorMixin, _KernelModel):
    """SVR on the quantum fidelity kernel (qiskit-ml's QSVR)."""

    _model_name = "qsvr"
    _params = {"epsilon": 0.1}

    def _targets(self, y, n_samples):
        return check_targets(y, self._model_name, n_samples)

    def _svm(self):
        return SVR(kernel="precomputed", C=self.C, epsilon=self.epsilon)


class PegasosQSVCModel(_KernelClassifier):
    """qiskit-ml's PegasosQSVC on a precomputed fidelity kernel (binary only).

    ``decision_function`` follows scikit-learn: positive means ``classes_[1]``.  (qiskit-ml's
    own is positive for its first label, the opposite; it is negated here.)
    """

    _model_name = "pegasos_qsvc"
    _declared_tags = {"binary_only": "Pegasos trains one +-1 hinge-loss machine: two classes",
                      "poor_score": KERNEL_POOR_SCORE}
    _params = {"num_steps": 1000}

    def _targets(self, y, n_samples):
        self.classes_, idx = check_classes(
            y, self._model_name, n_samples, max_classes=2,
            what_allowed="Pegasos QSVC is binary; for more classes use qsvc (one-vs-rest), "
                         "vqc or sampler_qnn.")
        return idx

    def _svm(self):
        # qiskit-ml's algorithms load lazily: about 1.2 s at import
        from qiskit_machine_learning.algorithms import PegasosQSVC

        return PegasosQSVC(C=self.C, num_steps=self.num_steps, precomputed=True, seed=self.seed)

    def decision_function(self, X):
        # qiskit-ml maps its first label (our index 0) to +1: flip, so positive is classes_[1]
        return -np.asarray(super().decision_function(X), dtype=float)

    def predict(self, X):
        positive = self.decision_function(X) > 0
        return self.classes_[positive.astype(int)]


class QKTQSVCModel(OptimizedParams, _KernelClassifier):
    """QSVC with a trainable kernel: a layer of RY(θ_q) (RX where RY would cancel) before the
    feature map, θ chosen by minimising qiskit-ml's ``SVCLoss`` (kernel-target alignment,
    Glick et al. 2021) with the registry optimizer, as qiskit-ml's ``QuantumKernelTrainer``
    does, then an SVC on the trained kernel.

    Every loss evaluation is a monitored step (live loss, Stop keeps the best θ).
    Learned: ``weights_`` (θ), ``loss_history_``, ``svm_``, ``circuit_``;
    :meth:`kernel_at` gives the kernel at any θ.
    """

    _model_name = "qkt_qsvc"
    _params = {"maxiter": 30}

    def _build_trainable(self):
        fm = self.feature_map_
        theta = ParameterVector("θ", fm.num_qubits)
        rng = np.random.default_rng(0)
        X = rng.uniform(0, np.pi, (3, fm.num_parameters))
        w1, w2 = rng.uniform(0, np.pi, (2, fm.num_qubits))
        # A rotation layer about the axis the map encodes on merges with the encoding and
        # cancels in every fidelity (RY(θ) before an RY angle map): the kernel would not
        # depend on θ at all.  Take the first axis that does change it.
        for axis in ("ry", "rx"):
            circuit = QuantumCircuit(fm.num_qubits)
            for q in range(fm.num_qubits):
                getattr(circuit, axis)(theta[q], q)
            circuit.compose(fm, inplace=True)
            K1, K2 = (kernels.kernel_matrix(circuit, np.hstack([X, np.tile(w, (3, 1))]))
                      for w in (w1, w2))
            if np.abs(K1 - K2).max() > 1e-9:
                break
        self.trainable_circuit_ = circuit
        self.trainable_axis_ = axis
        self.num_inputs_ = fm.num_parameters
        self.num_weights_ = circuit.num_parameters - fm.num_parameters

    def kernel_at(self, weights, X, Y=None):
        """The trainable kernel's Gram matrix at angles ``weights`` (``Y=None``: X against X):
        ``kernels.kernel_matrix`` of the trainable circuit with θ bound to ``weights``."""
        check_fitted(self, "trainable_circuit_")
        w = np.asarray(weights, dtype=float).ravel()
        if w.shape[0] != self.num_weights_:
            raise DataError(f"weights: {w.shape[0]} value(s); the trainable layer of "
                            f"{self._model_name!r} has {self.num_weights_} angle(s)")

        def bound(A):
            A = check_X(A, self._model_name)
            if A.shape[1] != self.num_inputs_:
                raise DataError(f"X has {A.shape[1]} features, but the feature map takes "
                                f"{self.num_inputs_}")
            return np.hstack([A, np.broadcast_to(w, (A.shape[0], w.shape[0]))])

        return self._kernel(bound(X), None if Y is None else bound(Y),
                            circuit=self.trainable_circuit_)

    #: the name the dashboard's Kernel tab looks up (qmlbench/widgets/kernel.py)
    _kernel_at = kernel_at

    def _svm(self):
        return _svc(self.C, False, self.seed)

    def _train_kernel(self, X, y, monitor):
        """θ trained on qiskit-ml's SVC loss (every evaluation a step); the kernel at θ."""
        # qiskit-ml's loss functions load lazily: about 0.9 s at import
        from qiskit_machine_learning.utils.loss_functions import SVCLoss

        self._build_trainable()
        svc_loss, kernel = SVCLoss(C=self.C), _BoundKernel(self)
        tracker = self._optimize(lambda w: svc_loss.evaluate(w, kernel, X, y), None, monitor,
                                 self.num_weights_)
        if not self.stopped_:
            self._phase(monitor, tracker.step + 1, "fit")
        return self.kernel_at(self.weights_, X)

    def _test_kernel(self, X):
        X = check_fitted_X(self, X, "svm_")
        return self.kernel_at(self.weights_, X, self.X_train_)

    @property
    def circuit_(self):
        return getattr(self, "trainable_circuit_", None)


class _BoundKernel:
    """What qiskit-ml's ``SVCLoss`` asks of a trainable kernel (bind θ, then evaluate), over
    :meth:`QKTQSVCModel.kernel_at`."""

    def __init__(self, model):
        self.model = model
        self.weights = None

    def assign_training_parameters(self, values):
        self.weights = np.asarray(values, dtype=float)

    def evaluate(self, x_vec, y_vec=None):
        return self.model.kernel_at(self.weights, x_vec, y_vec)
