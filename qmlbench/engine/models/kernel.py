"""Quantum kernel models: the fidelity kernel K(x, x') = |<φ(x)|φ(x')>|² fed to an SVM.

The kernel comes from one statevector per point (``execution.statevectors``)
and one matrix product, the fast path FIELD-NOTES recommends; ``kernels.kernel_matrix``
is used when that module is present.  With ``shots`` set, each entry is the
fraction of all-zero outcomes of the compute-uncompute circuit, which is
exactly Binomial(shots, K)/shots; it is drawn from that distribution (seeded)
rather than by simulating every pair of circuits.

Kernel models have no loss curve; they report their phases ("kernel matrix",
"fit") to the monitor as steps with loss None.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.svm import SVC, SVR
from sklearn.utils.metaestimators import available_if

from ._base import (DeclaredTags, EvaluatorMixin, ObjectiveTracker, StopTraining,
                    build_feature_map, call_monitor, check_classes, check_fitted,
                    check_targets, check_width_matches, check_X)

#: why quantum kernel models declare ``poor_score`` to scikit-learn's check_estimator
#: (measured: 0.5-0.8 training accuracy; qmlbench's datasets scale features into the map's range)
KERNEL_POOR_SCORE = ("a fidelity kernel has no bandwidth: on check_estimator's unscaled blobs "
                     "the default zz map fits under its 0.83 training accuracy")


class _ProbabilitySVC(SVC):
    """SVC with Platt scaling. scikit-learn 1.9 deprecates ``probability`` (warning at fit);
    the calibrated replacement cannot split a precomputed kernel, so keep it, quietly."""

    def fit(self, X, y, sample_weight=None):
        import warnings

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


class _KernelModel(EvaluatorMixin, BaseEstimator):
    _model_name = "kernel"

    def _kernel(self, X, Y=None):
        from .. import kernels

        values = self._trainable_values or (lambda A: A)
        seed = self._kernel_rng_seed() if self.shots else None
        return np.asarray(kernels.kernel_matrix(self.feature_map_, values(X),
                                                None if Y is None else values(Y),
                                                evaluator=self._get_evaluator(), seed=seed))

    _trainable_values = None

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

    def _train_kernel(self, X, monitor):
        self._phase(monitor, 1, "kernel matrix")
        K = self._kernel(X)
        self._phase(monitor, 2, "fit")
        return K

    def _test_kernel(self, X):
        check_fitted(self, "X_train_")
        X = check_X(X, self._model_name)
        check_width_matches(self, X)
        return self._kernel(X, self.X_train_)

    @property
    def circuit_(self):
        return self.feature_map_


class QSVCModel(DeclaredTags, ClassifierMixin, _KernelModel):
    """SVC on the quantum fidelity kernel (Havlíček et al. 2019; qiskit-ml's QSVC).

    Multi-class works as in scikit-learn's SVC (one-vs-one training, one-vs-rest
    decision values). Learned: ``svm_`` (the fitted SVC on the precomputed
    kernel), ``kernel_matrix_``, ``X_train_``, ``feature_map_``.
    """

    _model_name = "qsvc"
    _declared_tags = {"poor_score": KERNEL_POOR_SCORE}

    def __init__(self, num_qubits=None, feature_map="zz", feature_map_reps=2,
                 feature_map_entanglement="linear", feature_map_options=None, C=1.0,
                 probability=False, shots=None, seed=None):
        self.num_qubits = num_qubits
        self.feature_map = feature_map
        self.feature_map_reps = feature_map_reps
        self.feature_map_entanglement = feature_map_entanglement
        self.feature_map_options = feature_map_options
        self.C = C
        self.probability = probability
        self.shots = shots
        self.seed = seed

    def fit(self, X, y, monitor=None):
        X = self._prepare(X, y)
        self.classes_, idx = check_classes(y, self._model_name, X.shape[0])
        y = self.classes_[idx]
        self.X_train_ = X
        # a stop before the kernel matrix exists propagates: there is nothing to keep
        K = self._train_kernel(X, monitor)
        self.kernel_matrix_ = K
        self.svm_ = _svc(self.C, self.probability, self.seed).fit(K, y)
        self.stopped_ = False
        return self

    def decision_function(self, X):
        K = self._test_kernel(X)
        return self.svm_.decision_function(K)

    def predict(self, X):
        K = self._test_kernel(X)
        return self.svm_.predict(K)

    @available_if(lambda self: self.probability)
    def predict_proba(self, X):
        """Platt-scaled probabilities; only with ``probability=True`` (model.params.probability)."""
        K = self._test_kernel(X)
        return self.svm_.predict_proba(K)


class QSVRModel(RegressorMixin, _KernelModel):
    """SVR on the quantum fidelity kernel (qiskit-ml's QSVR)."""

    _model_name = "qsvr"

    def __init__(self, num_qubits=None, feature_map="zz", feature_map_reps=2,
                 feature_map_entanglement="linear", feature_map_options=None, C=1.0,
                 epsilon=0.1, shots=None, seed=None):
        self.num_qubits = num_qubits
        self.feature_map = feature_map
        self.feature_map_reps = feature_map_reps
        self.feature_map_entanglement = feature_map_entanglement
        self.feature_map_options = feature_map_options
        self.C = C
        self.epsilon = epsilon
        self.shots = shots
        self.seed = seed

    def fit(self, X, y, monitor=None):
        X = self._prepare(X, y)
        t = check_targets(y, self._model_name, X.shape[0])
        self.X_train_ = X
        K = self._train_kernel(X, monitor)
        self.kernel_matrix_ = K
        self.svm_ = SVR(kernel="precomputed", C=self.C, epsilon=self.epsilon).fit(K, t)
        self.stopped_ = False
        return self

    def predict(self, X):
        K = self._test_kernel(X)
        return self.svm_.predict(K)


class PegasosQSVCModel(DeclaredTags, ClassifierMixin, _KernelModel):
    """qiskit-ml's PegasosQSVC on a precomputed fidelity kernel (binary only).

    ``decision_function`` follows scikit-learn: positive means ``classes_[1]``.  (qiskit-ml's
    own is positive for its first label, the opposite; it is negated here.)
    """

    _model_name = "pegasos_qsvc"
    _declared_tags = {"binary_only": "Pegasos trains one +-1 hinge-loss machine: two classes",
                      "poor_score": KERNEL_POOR_SCORE}

    def __init__(self, num_qubits=None, feature_map="zz", feature_map_reps=2,
                 feature_map_entanglement="linear", feature_map_options=None, C=1.0,
                 num_steps=1000, shots=None, seed=None):
        self.num_qubits = num_qubits
        self.feature_map = feature_map
        self.feature_map_reps = feature_map_reps
        self.feature_map_entanglement = feature_map_entanglement
        self.feature_map_options = feature_map_options
        self.C = C
        self.num_steps = num_steps
        self.shots = shots
        self.seed = seed

    def fit(self, X, y, monitor=None):
        from qiskit_machine_learning.algorithms import PegasosQSVC

        X = self._prepare(X, y)
        self.classes_, idx = check_classes(
            y, self._model_name, X.shape[0], max_classes=2,
            what_allowed="Pegasos QSVC is binary; for more classes use qsvc (one-vs-rest), "
                         "vqc or sampler_qnn.")
        self.X_train_ = X
        K = self._train_kernel(X, monitor)
        self.kernel_matrix_ = K
        self.svm_ = PegasosQSVC(C=self.C, num_steps=self.num_steps, precomputed=True,
                                seed=self.seed).fit(K, idx)
        self.stopped_ = False
        return self

    def _decision(self, K):
        # qiskit-ml maps its first label (our index 0) to +1: flip, so positive is classes_[1]
        return -np.asarray(self.svm_.decision_function(K), dtype=float)

    def decision_function(self, X):
        return self._decision(self._test_kernel(X))

    def predict(self, X):
        positive = self._decision(self._test_kernel(X)) > 0
        return self.classes_[positive.astype(int)]


class QKTQSVCModel(DeclaredTags, ClassifierMixin, _KernelModel):
    """QSVC with a trainable kernel: a layer of RY(θ_q) before the feature map, θ chosen by
    qiskit-ml's ``QuantumKernelTrainer`` minimising its SVC loss (kernel-target alignment,
    Glick et al. 2021), then an SVC on the trained kernel.

    Every loss evaluation is a monitored step (live loss, Stop keeps the best θ).
    Learned: ``weights_`` (θ), ``loss_history_``, ``svm_``, ``circuit_``.
    """

    _model_name = "qkt_qsvc"
    _declared_tags = {"poor_score": KERNEL_POOR_SCORE}

    def __init__(self, num_qubits=None, feature_map="zz", feature_map_reps=2,
                 feature_map_entanglement="linear", feature_map_options=None, C=1.0,
                 optimizer="cobyla", maxiter=30, learning_rate=None, optimizer_options=None,
                 initial_point=None, shots=None, seed=None):
        self.num_qubits = num_qubits
        self.feature_map = feature_map
        self.feature_map_reps = feature_map_reps
        self.feature_map_entanglement = feature_map_entanglement
        self.feature_map_options = feature_map_options
        self.C = C
        self.optimizer = optimizer
        self.maxiter = maxiter
        self.learning_rate = learning_rate
        self.optimizer_options = optimizer_options
        self.initial_point = initial_point
        self.shots = shots
        self.seed = seed

    def _build_trainable(self):
        from qiskit import QuantumCircuit
        from qiskit.circuit import ParameterVector

        from .. import kernels

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

    def _with_weights(self, w):
        def values(X):
            return np.hstack([X, np.broadcast_to(w, (X.shape[0], len(w)))])
        return values

    def _kernel_at(self, w, X, Y=None):
        saved = self.feature_map_
        self.feature_map_, self._trainable_values = self.trainable_circuit_, self._with_weights(w)
        try:
            return self._kernel(X, Y)
        finally:
            self.feature_map_, self._trainable_values = saved, None

    def fit(self, X, y, monitor=None):
        from qiskit_machine_learning.kernels.algorithms import QuantumKernelTrainer
        from qiskit_machine_learning.utils.loss_functions import SVCLoss

        from .. import optimizers
        from ._base import seeded_spsa

        X = self._prepare(X, y)
        self.classes_, idx = check_classes(y, self._model_name, X.shape[0])
        y_arr = self.classes_[idx]
        self.X_train_ = X
        self._build_trainable()
        model = self

        theta = list(self.trainable_circuit_.parameters)[self.num_inputs_:]

        class _KernelProxy:
            """The TrainableKernel surface QuantumKernelTrainer and SVCLoss use, over our
            batched statevector kernel (qiskit-ml's own would go one circuit at a time)."""

            training_parameters = theta

            def __init__(self):
                self.w = None

            def assign_training_parameters(self, values):
                if isinstance(values, dict):
                    values = [values[p] for p in theta]
                self.w = np.asarray(values, dtype=float)

            def evaluate(self, x_vec, y_vec=None):
                return model._kernel_at(self.w, x_vec, y_vec)

        proxy = _KernelProxy()
        tracker = ObjectiveTracker(
            lambda w: SVCLoss(C=self.C).evaluate(w, proxy, X, y_arr), None, monitor)

        class _TrackedLoss(SVCLoss):
            # QuantumKernelTrainer minimises loss.evaluate(θ, ...): every call is a step
            def evaluate(self_inner, parameter_values, quantum_kernel, data, labels):
                return tracker.fun(parameter_values)

        if self.initial_point is not None:
            x0 = np.asarray(self.initial_point, dtype=float).ravel()
        else:
            x0 = np.random.default_rng(self.seed).random(len(theta))  # QKT's default draw
        self.initial_point_ = x0
        self.weights_ = x0.copy()
        self.stopped_ = False
        qkt = QuantumKernelTrainer(quantum_kernel=proxy, loss=_TrackedLoss(C=self.C),
                                   optimizer=optimizers.build_optimizer(
                                       name=self.optimizer, maxiter=self.maxiter,
                                       learning_rate=self.learning_rate,
                                       options=self.optimizer_options),
                                   initial_point=x0)
        stopped = False
        try:
            with seeded_spsa(self.seed):
                result = qkt.fit(X, y_arr)
            w = np.asarray(result.optimal_point, dtype=float)
        except StopTraining:
            stopped = True
            w = np.array(tracker.best_weights if tracker.best_weights is not None else x0)
        finally:
            self.loss_history_ = list(tracker.losses)
            if tracker.best_weights is not None:
                self.weights_ = np.array(tracker.best_weights)
        self.weights_ = w
        self.stopped_ = stopped
        self.n_evaluations_ = tracker.step
        if not stopped:
            self._phase(monitor, tracker.step + 1, "fit")
        self.kernel_matrix_ = self._kernel_at(w, X)
        self.svm_ = _svc(self.C, False, self.seed).fit(self.kernel_matrix_, y_arr)
        return self

    def _test_kernel(self, X):
        check_fitted(self, "svm_")
        X = check_X(X, self._model_name)
        check_width_matches(self, X)
        return self._kernel_at(self.weights_, X, self.X_train_)

    def decision_function(self, X):
        K = self._test_kernel(X)
        return self.svm_.decision_function(K)

    def predict(self, X):
        K = self._test_kernel(X)
        return self.svm_.predict(K)

    @property
    def circuit_(self):
        return getattr(self, "trainable_circuit_", None)
