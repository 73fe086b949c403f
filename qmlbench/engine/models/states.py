"""Models whose inputs are quantum states (quantum data), as scikit-learn classifiers.

``X`` holds one statevector per row as real columns ``[Re | Im]``
(``datasets.as_features``): real, so that every scikit-learn tool, the split and the
store take it.  A row is read as a ray: it is normalised (``c|psi>`` is the state
``|psi>``), and its amplitudes are zero-padded to the next power of two (an odd width
gets a zero last column first), so any real table is some state; data from
``datasets`` is never padded.

* :class:`StateQSVCModel`: an SVC on the fidelity kernel of the states themselves,
  ``K[i, j] = |<psi_i|psi_j>|^2`` (one matrix product, ``kernels.fidelity_matrix``); with
  ``shots`` each entry is a compute-uncompute (or SWAP-test) estimate, Binomial(shots, K).
* :class:`QCNNClassifier`: the quantum convolutional neural network of qiskit-ml's
  tutorial 11 (Cong, Choi & Lukin 2019): convolution layers of two-qubit blocks on
  neighbouring qubits, then pooling layers that fold each qubit of the first half into
  one of the second, halving the active qubits until the readout register remains; the
  input state is the circuit's initial state (``initial_states`` of the execution seam),
  not a feature map.  Binary: the class is the measured readout qubit, ``p(1) = (1 -
  <Z>)/2``; k classes read ``ceil(log2 k)`` qubits, outcome ``b`` is class ``b mod k``.
  Trained with the registry optimizer on cross-entropy, exact adjoint gradients.
"""

from __future__ import annotations

import math

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import ParameterVector
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.metaestimators import available_if

from .. import circuits, kernels
from ..errors import DataError, SpecError
from ._base import DeclaredTags, EvaluatorMixin, OptimizedParams, call_monitor
from ._checks import check_classes, check_fitted_X, check_X
from .kernel import KERNEL_POOR_SCORE, _svc
from .variational import CLASSIFIER_POOR_SCORE, class_projectors

_CLIP = 1e-10


def states_of(X, model: str, min_qubits: int = 1) -> np.ndarray:
    """Real rows ``[Re | Im]`` (checked by ``check_X``) as normalised statevectors
    ``(n, 2**q)``, amplitudes zero-padded to a power of two (at least ``min_qubits``
    qubits: padding with zeros is adding qubits in |0>)."""
    if X.shape[1] % 2:
        # not a state's columns (those come in pairs); read it as one with a zero last
        # imaginary part, so any real table is some state (scikit-learn's checks use 3 columns)
        X = np.hstack([X, np.zeros((X.shape[0], 1))])
    d = X.shape[1] // 2
    psi = X[:, :d] + 1j * X[:, d:]
    dim = max(2 ** min_qubits, 1 << (d - 1).bit_length())
    if dim != d:
        psi = np.hstack([psi, np.zeros((psi.shape[0], dim - d), dtype=complex)])
    norms = np.linalg.norm(psi, axis=1)
    if np.any(norms < 1e-12):
        raise DataError(f"X: row {int(np.flatnonzero(norms < 1e-12)[0])} is all zeros, which is "
                        f"no state; model {model!r} needs a nonzero amplitude in every row")
    return psi / norms[:, None]


def _no_noise(est):
    if est.noise is not None:
        raise SpecError("execution.noise", est.noise, reason=(
            f"does not apply to {est._model_name}: its input states are given, not prepared "
            f"by a noisy circuit; drop the noise setting"))


class _StateModel(EvaluatorMixin, BaseEstimator):
    """What the state models share: states from X, the width they were fitted on."""

    _model_name = "state model"

    def _min_qubits(self, y) -> int:
        return 1

    def _fit_states(self, X, y=None):
        X = check_X(X, self._model_name)
        _no_noise(self)
        self.n_features_in_ = X.shape[1]
        self.min_qubits_ = self._min_qubits(y)
        psi = states_of(X, self._model_name, self.min_qubits_)
        self.num_qubits_ = int(np.log2(psi.shape[1]))
        self._get_evaluator()
        return X, psi

    def with_noise(self, noise):
        """Only ``None``: the input states are given, so there is no circuit for noise to act on."""
        out = super().with_noise(noise)
        _no_noise(out)
        return out

    def _predict_states(self, X, fitted_attr):
        X = check_fitted_X(self, X, fitted_attr)
        return states_of(X, self._model_name, getattr(self, "min_qubits_", 1))


# ---------------------------------------------------------------------------
# the fidelity kernel on the states


class StateQSVCModel(DeclaredTags, ClassifierMixin, _StateModel):
    """SVC on ``K = |<psi_i|psi_j>|^2`` of the input states (a QSVC whose feature map is
    the identity: the data are already states).  Learned: ``svm_``, ``kernel_matrix_``,
    ``X_train_``, ``num_qubits_``."""

    _model_name = "state_qsvc"
    _declared_tags = {"poor_score": KERNEL_POOR_SCORE}
    _params = {"C": 1.0, "probability": False}

    def _kernel(self, A, B=None):
        K = kernels.fidelity_matrix(A, B)
        if self.shots:
            self._kernel_calls = getattr(self, "_kernel_calls", 0) + 1
            seed = None if self.seed is None else [self.seed, self._kernel_calls]
            K = kernels.sampled_fidelities(K, self.shots, seed, symmetric=B is None)
        return K

    def fit(self, X, y, monitor=None):
        X, psi = self._fit_states(X)
        self.classes_, idx = check_classes(y, self._model_name, X.shape[0])
        self.stopped_ = False
        call_monitor(monitor, 1, None, None, "kernel matrix")
        self.X_train_ = X
        self._train_states = psi
        self.kernel_matrix_ = self._kernel(psi)
        call_monitor(monitor, 2, None, None, "fit")
        self.svm_ = _svc(self.C, self.probability, self.seed).fit(self.kernel_matrix_,
                                                                  self.classes_[idx])
        return self

    def _test_kernel(self, X):
        psi = self._predict_states(X, "svm_")
        train = getattr(self, "_train_states", None)
        if train is None:           # unpickled from an older save: recompute
            train = self._train_states = states_of(self.X_train_, self._model_name)
        return self._kernel(psi, train)

    def predict(self, X):
        K = self._test_kernel(X)     # first: it raises NotFittedError before svm_ is read
        if len(self.classes_) == 2:
            # from the decision value, so the two agree on ties: rows that are one ray (two
            # columns are a single amplitude) give every kernel entry 1 and equal values
            return self.classes_[(self.svm_.decision_function(K) > 0).astype(int)]
        return self.svm_.predict(K)

    def decision_function(self, X):
        K = self._test_kernel(X)
        return self.svm_.decision_function(K)

    @available_if(lambda self: self.probability)
    def predict_proba(self, X):
        """Platt-scaled probabilities; only with ``probability=True`` (model.params.probability)."""
        K = self._test_kernel(X)
        return self.svm_.predict_proba(K)

    @property
    def circuit_(self):
        return None


# ---------------------------------------------------------------------------
# the QCNN


def _pool_block(params) -> QuantumCircuit:
    """Tutorial 11's pooling block: folds qubit 0 (the source) into qubit 1 (the sink)."""
    qc = QuantumCircuit(2)
    qc.rz(-np.pi / 2, 1)
    qc.cx(1, 0)
    qc.rz(params[0], 0)
    qc.ry(params[1], 1)
    qc.cx(0, 1)
    qc.ry(params[2], 1)
    return qc


def _conv_block(params) -> QuantumCircuit:
    """Tutorial 11's convolution block (Vatan & Williams' two-qubit circuit, 3 angles): the
    pooling block, then a CX back and a fixed phase."""
    qc = _pool_block(params)
    qc.cx(1, 0)
    qc.rz(np.pi / 2, 0)
    return qc


def qcnn_circuit(num_qubits: int, readout: int = 1) -> tuple[QuantumCircuit, list[int]]:
    """The QCNN on ``num_qubits`` and the qubits it reads out (``readout`` of them).

    Layer ``l``: a convolution on the active qubits (blocks on (0,1), (2,3), ..., then on
    (1,2), (3,4), ..., (last, first), as tutorial 11's ``conv_layer``), then a pooling
    from the first half of them into the last half (``pool_layer``); the last half stays
    active.  On 8 qubits with one readout qubit this is tutorial 11's network: 63
    weights, readout on qubit 7."""
    if num_qubits < 1 or readout < 1 or readout > num_qubits:
        raise DataError(f"qcnn: cannot read {readout} qubit(s) out of {num_qubits}")
    qc = QuantumCircuit(num_qubits)
    # one weight vector, layer after layer (its name marks weights in circuit facts)
    theta = ParameterVector(circuits.WEIGHT_PREFIX, 0)

    def take(k):
        start = len(theta)
        theta.resize(start + k)
        return theta[start:start + k]

    active = list(range(num_qubits))
    pooled = False
    while len(active) > readout:
        m = len(active)
        _conv_layer(qc, active, take)
        half = min(m // 2, m - readout)      # never pool below the readout register
        for a, b in zip(active[:half], active[m - half:]):
            qc.compose(_pool_block(take(3)), [a, b], inplace=True)
        active = active[half:]
        pooled = True
    if not pooled:
        # nothing to pool (the readout is the whole register): one convolution, and a
        # rotation on each qubit, so the network still has weights to train
        if num_qubits > 1:
            _conv_layer(qc, active, take)
        for q in range(num_qubits):
            rz, ry = take(2)
            qc.rz(rz, q)
            qc.ry(ry, q)
    return qc, active


def _conv_layer(qc, active, take):
    """Blocks on (0,1), (2,3), ..., then on (1,2), (3,4), ..., (last, first) of ``active``."""
    pairs = list(zip(active[0::2], active[1::2]))
    pairs += list(zip(active[1::2], active[2::2] + [active[0]]))
    for a, b in pairs:
        qc.compose(_conv_block(take(3)), [a, b], inplace=True)


class QCNNClassifier(DeclaredTags, ClassifierMixin, OptimizedParams, _StateModel):
    """A quantum convolutional neural network on input states (qiskit-ml tutorial 11).

    Hyper-parameters: ``loss`` ("cross_entropy" or "squared_error" on the class
    probabilities), the optimizer (``optimizer``, ``maxiter``, ``learning_rate``,
    ``optimizer_options``), ``initial_point`` (None: uniform in [0, 1) from ``seed``),
    ``shots``/``seed`` (the exact path only: the input states enter as the simulator's
    initial states).  Learned: ``weights_``, ``loss_history_``, ``circuit_``,
    ``readout_qubits_``, ``stopped_``, ``path_``.
    """

    _model_name = "qcnn"
    _declared_tags = {"poor_score": CLASSIFIER_POOR_SCORE}
    _params = {"loss": "cross_entropy"}

    def _readout(self) -> int:
        return max(1, math.ceil(math.log2(len(self.classes_))))

    def _min_qubits(self, y) -> int:
        # states narrower than the readout register get |0> qubits added (by padding)
        return self._readout()

    def _build(self):
        readout = self._readout()
        k = len(self.classes_)
        self.circuit_, self.readout_qubits_ = qcnn_circuit(self.num_qubits_, readout)
        local, classes = class_projectors(readout, k, "modulo")
        self.projectors_ = [p.apply_layout(self.readout_qubits_, self.num_qubits_) for p in local]
        self.outcome_classes_ = classes
        self.num_weights_ = self.circuit_.num_parameters

    def _rows(self, n, w):
        return np.broadcast_to(np.asarray(w, dtype=float), (n, self.num_weights_))

    def _forward(self, X, w):
        psi = X if np.iscomplexobj(X) else states_of(X, self._model_name)
        return self._get_evaluator().expectation_values(
            self.circuit_, self.projectors_, self._rows(psi.shape[0], w), initial_states=psi)

    def _forward_grad(self, psi, w):
        return self._get_evaluator().gradients(
            self.circuit_, self.projectors_, self._rows(psi.shape[0], w), initial_states=psi)

    def _loss_value(self, p, t):
        if self.loss == "cross_entropy":
            clipped = np.clip(p, _CLIP, None)
            return (-np.sum(t * np.log2(clipped), axis=1),
                    np.where(p > _CLIP, -t / (clipped * np.log(2)), 0.0))
        if self.loss == "squared_error":
            return np.sum((p - t) ** 2, axis=1), 2 * (p - t)
        raise SpecError("model.params.loss", self.loss, ["cross_entropy", "squared_error"])

    def fit(self, X, y, monitor=None):
        """Fit; ``monitor(step, loss, weights)`` runs on every objective evaluation and may
        return True or raise ``StopTraining`` to stop (the model keeps the best weights)."""
        X = check_X(X, self._model_name)
        self.classes_, idx = check_classes(y, self._model_name, X.shape[0])
        X, psi = self._fit_states(X, y)
        t = np.eye(len(self.classes_))[idx]
        self._build()
        n = psi.shape[0]

        def loss(w):
            return float(np.sum(self._loss_value(self._forward(psi, w), t)[0]) / n)

        def loss_and_grad(w):
            per, dldp = self._loss_value(self._forward(psi, w), t)
            grad = np.einsum("nk,nkp->p", dldp, self._forward_grad(psi, w))
            return float(np.sum(per) / n), grad / n

        tracker = self._optimize(loss, loss_and_grad, monitor, self.num_weights_)
        self.loss_ = loss(self.weights_) if not self.stopped_ else float(tracker.best_loss)
        return self

    def predict_proba(self, X):
        psi = self._predict_states(X, "weights_")
        return self._forward(psi, self.weights_)

    def predict(self, X):
        proba = self.predict_proba(X)       # first: it raises NotFittedError before fit
        return self.classes_[np.argmax(proba, axis=1)]


__all__ = ["QCNNClassifier", "StateQSVCModel", "qcnn_circuit", "states_of"]
