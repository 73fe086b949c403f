"""Hybrid models: classical layers before and after a quantum layer, trained by PyTorch.

The network is ``x -> [Linear -> act] * len(pre_layers) -> Linear -> quantum layer ->
[Linear -> act] * len(post_layers) -> Linear -> output``: with no ``pre_layers`` the features
go straight into the feature map (one per input, as the other quantum models); the quantum
layer is :func:`qmlbench.engine.torch.quantum_apply` (the batched exact path forward, the
batched adjoint gradients backward, for its weights and its inputs), its outputs the
expectation values of ``observables``.  Classification ends in one logit per class
(cross-entropy), regression in one output (squared error).

Training is minibatch Adam or SGD over ``epochs``; every minibatch step is one monitored
step of ``optimizers.ObjectiveTracker`` (live loss, Stop within a step keeping the best
weights seen, as every other model).  The learned state is ``weights_``, one flat float64
vector of every weight of the network, and the forward pass is a pure function of it: a
snapshot or a scoring pass with other weights never touches the training thread's tensors,
and a pickle holds no torch objects (loading it predicts identically).

PyTorch is the optional ``torch`` extra: these classes construct and clone without it, and
``fit`` says how to install it.
"""

from __future__ import annotations

import copy
from contextlib import contextmanager

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

from .. import circuits, extras, optimizers
from ..errors import SpecError
from ..torch import CircuitMap, quantum_apply
from ._base import (AnsatzParams, DeclaredTags, EvaluatorMixin, FeatureMapParams,
                    build_ansatz, build_feature_map, compose)
from ._checks import check_classes, check_fitted_X, check_targets, check_X

OPTIMIZERS = ("adam", "sgd")
ACTIVATIONS = ("tanh", "relu", "sigmoid")
OBSERVABLES = ("local", "global")


def _torch():
    return extras.require("torch", "the hybrid model")


@contextmanager
def _one_thread():
    """PyTorch on one thread while this model runs: its layers are a few neurons wide, and
    on a loaded 2-core machine torch's thread pool made each step 15 times slower (20 s
    against 1.2 s for 100 minibatch steps of a 2-4-2 network)."""
    torch = _torch()
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield torch
    finally:
        torch.set_num_threads(before)


class _Hybrid(EvaluatorMixin, AnsatzParams, FeatureMapParams, BaseEstimator):
    _model_name = "hybrid"
    _params = {"pre_layers": None, "post_layers": None, "activation": "tanh",
               "observables": "local", "torch_optimizer": "adam", "learning_rate": 0.1,
               "epochs": 30, "batch_size": 16}

    # -- the network as shapes, and the flat weight vector's layout -----------------
    def _check_params(self):
        def widths(name):
            value = getattr(self, name)
            value = [] if value is None else list(value)
            if any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1
                   for v in value):
                raise SpecError(f"model.params.{name}", value,
                                reason="must be a list of layer widths, integers >= 1")
            return [int(v) for v in value]

        for name, allowed in (("activation", ACTIVATIONS), ("observables", OBSERVABLES),
                              ("torch_optimizer", OPTIMIZERS)):
            if getattr(self, name) not in allowed:
                raise SpecError(f"model.params.{name}", getattr(self, name), list(allowed))
        for name in ("epochs", "batch_size"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise SpecError(f"model.params.{name}", v, reason="must be an integer >= 1")
        lr = self.learning_rate
        if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lr > 0:
            raise SpecError("model.params.learning_rate", lr, reason="must be a number > 0")
        return widths("pre_layers"), widths("post_layers")

    def _build(self, n_features: int, n_out: int):
        pre, post = self._check_params()
        if pre:
            # the classical layers choose the circuit's inputs: one per qubit by default
            fm = circuits.feature_map(self.feature_map, self.num_qubits or 2,
                                      self.feature_map_reps, self.feature_map_entanglement,
                                      **(self.feature_map_options or {}))
        else:
            fm = build_feature_map(self, n_features)
        an = build_ansatz(self, fm.num_qubits)
        self.feature_map_, self.ansatz_ = fm, an
        self.circuit_ = compose(fm, an, self.reuploading)
        obs = None if self.observables == "global" else "local"
        self.circuit_map_ = CircuitMap(self.circuit_, obs, input_params=list(fm.parameters))
        q_in, q_out = self.circuit_map_.num_inputs, self.circuit_map_.num_outputs
        shapes = []
        sizes = [n_features, *pre, q_in] if pre else []
        for a, b in zip(sizes[:-1], sizes[1:]):
            shapes.append(("linear", a, b))
        shapes.append(("quantum", self.circuit_map_.num_weights))
        sizes = [q_out, *post, n_out]
        for a, b in zip(sizes[:-1], sizes[1:]):
            shapes.append(("linear", a, b))
        self.layers_ = shapes
        self.num_weights_ = sum(a * b + b if kind == "linear" else a
                                for kind, a, *rest in shapes
                                for b in (rest[0] if rest else 0,))

    def _initial_weights(self) -> np.ndarray:
        # PyTorch's Linear initialisation, uniform in +-1/sqrt(fan_in), and the quantum
        # weights uniform in [-1, 1) as qiskit-ml's TorchConnector: from the seed alone
        rng = np.random.default_rng(self.seed)
        parts = []
        for kind, a, *rest in self.layers_:
            if kind == "linear":
                bound = 1.0 / np.sqrt(a)
                parts.append(rng.uniform(-bound, bound, a * rest[0] + rest[0]))
            else:
                parts.append(rng.uniform(-1.0, 1.0, a))
        return np.concatenate(parts)

    def _split(self, w):
        """The flat weights as tensors, one (matrix, bias) per linear layer, one vector for
        the quantum layer; views of ``w`` (a tensor), so gradients flow to it."""
        out, k = [], 0
        for kind, a, *rest in self.layers_:
            if kind == "linear":
                b = rest[0]
                out.append((w[k:k + a * b].reshape(b, a), w[k + a * b:k + a * b + b]))
                k += a * b + b
            else:
                out.append(w[k:k + a])
                k += a
        return out

    def _bound_map(self):
        """``circuit_map_`` on this model's evaluator as it is now.  The map must not keep
        the evaluator it was built with: ``with_noise`` copies share ``circuit_map_`` and an
        unpickled model rebuilds its evaluator (noise included) from ``shots``/``seed``/
        ``noise``; a map that kept its own would compute the old noise without saying so."""
        ev = self._get_evaluator()
        source, bound = self.__dict__.get("_bound", (None, None))
        if source is not self.circuit_map_ or bound is None or bound.evaluator is not ev:
            bound = copy.copy(self.circuit_map_)
            bound._evaluator = ev
            self.__dict__["_bound"] = (self.circuit_map_, bound)
        return bound

    def _network(self, X, w):
        """The network's output for ``X`` (a tensor) at flat weights ``w`` (a tensor)."""
        torch = _torch()
        cmap = self._bound_map()
        act = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}[self.activation]
        parts = self._split(w)
        h = X
        q = next(i for i, (kind, *_) in enumerate(self.layers_) if kind == "quantum")
        for i, (layer, p) in enumerate(zip(self.layers_, parts)):
            if layer[0] == "quantum":
                h = quantum_apply(h, p, cmap)
                continue
            h = torch.nn.functional.linear(h, p[0], p[1])
            last_before_quantum = i == q - 1
            if i != len(parts) - 1 and not last_before_quantum:
                h = act(h)
        return h

    def _forward(self, X, w):
        with _one_thread() as torch, torch.no_grad():
            out = self._network(torch.from_numpy(np.asarray(X, dtype=float)),
                                torch.from_numpy(np.asarray(w, dtype=float)))
        return out.numpy()

    # -- what the task supplies ------------------------------------------------------
    def _targets(self, y, n):
        raise NotImplementedError

    def _loss(self, out, t):
        raise NotImplementedError

    # -- fit -------------------------------------------------------------------------
    def fit(self, X, y, monitor=None):
        """Fit; ``monitor(step, loss, weights)`` runs after every minibatch's loss and may
        return True or raise :class:`StopTraining` to stop (the model keeps the best weights
        seen)."""
        with _one_thread() as torch:
            return self._fit(torch, X, y, monitor)

    def _fit(self, torch, X, y, monitor):
        X = check_X(X, self._model_name)
        t, n_out = self._targets(y, X.shape[0])
        self.n_features_in_ = X.shape[1]
        self._build(X.shape[1], n_out)
        w = torch.tensor(self._initial_weights(), dtype=torch.float64, requires_grad=True)
        self.initial_point_ = w.detach().numpy().copy()
        self.weights_ = self.initial_point_.copy()
        self.stopped_ = False
        opt = (torch.optim.Adam([w], lr=self.learning_rate) if self.torch_optimizer == "adam"
               else torch.optim.SGD([w], lr=self.learning_rate))
        Xt = torch.from_numpy(X)
        rng = np.random.default_rng(self.seed)
        n, batch = X.shape[0], int(min(self.batch_size, X.shape[0]))
        current = {}

        def batch_loss(_weights):
            opt.zero_grad()
            loss = self._loss(self._network(Xt[current["rows"]], w), t[current["rows"]])
            loss.backward()
            return float(loss.detach())

        tracker = optimizers.ObjectiveTracker(batch_loss, None, monitor)
        try:
            for _ in range(int(self.epochs)):
                order = rng.permutation(n)
                for start in range(0, n, batch):
                    current["rows"] = torch.from_numpy(order[start:start + batch])
                    tracker.fun(w.detach().numpy())    # monitored: may raise StopTraining
                    opt.step()
            self.weights_ = w.detach().numpy().copy()
        except optimizers.StopTraining:
            self.stopped_ = True
            self.weights_ = np.array(tracker.best_weights if tracker.best_weights is not None
                                     else self.initial_point_, dtype=float)
        except BaseException:
            if tracker.best_weights is not None:
                self.weights_ = np.array(tracker.best_weights, dtype=float)
            raise
        finally:
            self.loss_history_ = list(tracker.losses)
            self.n_evaluations_ = tracker.step
        with torch.no_grad():
            self.loss_ = float(self._loss(self._network(Xt, torch.from_numpy(self.weights_)), t))
        return self

    def _raw(self, X):
        X = check_fitted_X(self, X, "weights_")
        return self._forward(X, self.weights_)


_DOC = """
    Hyper-parameters: ``pre_layers``/``post_layers`` (widths of the classical layers before
    and after the quantum layer; ``activation`` between them), ``observables`` ("local": Z on
    each qubit, one output per qubit; "global": Z on every qubit, one output), the circuit
    (``feature_map*``, ``ansatz*``, ``num_qubits``: with ``pre_layers`` the circuit's width,
    default 2; ``reuploading``), ``torch_optimizer`` (adam, sgd), ``learning_rate``, ``epochs``,
    ``batch_size``, ``shots``/``noise`` (the execution path) and ``seed`` (initial weights and
    minibatch order).  Learned: ``weights_`` (flat), ``layers_``, ``circuit_``,
    ``loss_history_`` (one entry per minibatch step), ``stopped_``, ``path_``.
"""


class HybridClassifier(DeclaredTags, ClassifierMixin, _Hybrid):
    __doc__ = ("Classical layers around a quantum layer, one logit per class, trained with "
               "PyTorch (cross-entropy).") + _DOC
    _declared_tags = {"poor_score": "a two-qubit layer trained for a few epochs on "
                                    "check_estimator's unscaled blobs stays under its 0.83 "
                                    "training accuracy"}

    def _targets(self, y, n):
        torch = _torch()
        self.classes_, idx = check_classes(y, self._model_name, n)
        return torch.from_numpy(np.asarray(idx, dtype=np.int64)), len(self.classes_)

    def _loss(self, out, t):
        return _torch().nn.functional.cross_entropy(out, t)

    def predict_proba(self, X):
        raw = self._raw(X)
        z = np.exp(raw - raw.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    def predict(self, X):
        raw = self._raw(X)      # first: an unfitted model says so (NotFittedError)
        return self.classes_[np.argmax(raw, axis=1)]


class HybridRegressor(DeclaredTags, RegressorMixin, _Hybrid):
    __doc__ = ("Classical layers around a quantum layer, one output, trained with PyTorch "
               "(squared error).") + _DOC
    _declared_tags = {"poor_score": "a two-qubit layer trained for a few epochs does not reach "
                                    "check_estimator's R² threshold on its 10-feature data"}

    def _targets(self, y, n):
        torch = _torch()
        return torch.from_numpy(check_targets(y, self._model_name, n)[:, None]), 1

    def _loss(self, out, t):
        return _torch().nn.functional.mse_loss(out, t)

    def predict(self, X):
        return self._raw(X)[:, 0]
