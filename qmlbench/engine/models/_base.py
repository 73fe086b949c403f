"""What every model shares: hyper-parameters declared once per family, the tags it
declares to scikit-learn, circuits from plain hyper-parameters, the execution seam, and
training through the one optimization loop (``optimizers.minimize``).  Input checks are
in ``_checks``."""

from __future__ import annotations

import copy
import keyword
from types import MappingProxyType

import numpy as np

from .. import circuits, execution, optimizers
from ..errors import DataError, QmlbenchError, SpecError
# The Stop signal and the monitor call belong to the optimization loop; the models'
# modules take them from here with the rest of their base.
from ..optimizers import StopTraining, call_monitor  # noqa: F401

# ---------------------------------------------------------------------------
# hyper-parameters, declared once


class Hyperparameters:
    """Hyper-parameters declared once, as class data; ``__init__`` is written from them.

    A class lists in ``_params`` (name -> default) the hyper-parameters it adds, or those
    whose default it changes; its whole set, ``param_defaults``, is the union along the
    MRO (a subclass's default wins).  Every class that does not write its own ``__init__``
    gets one generated (as ``dataclasses`` does) whose signature names each parameter,
    keyword-only, with its default, and whose body only stores them: scikit-learn's
    contract, since ``get_params`` reads that signature and ``clone`` calls it.
    """

    _params: dict = {}
    #: the whole declared set, name -> default (filled per class)
    param_defaults: MappingProxyType = MappingProxyType({})

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        declared: dict = {}
        for base in reversed(cls.__mro__):
            declared.update(vars(base).get("_params", {}))
        cls.param_defaults = MappingProxyType(declared)
        if declared and "__init__" not in vars(cls):
            cls.__init__ = _storing_init(cls, declared)


def _storing_init(cls, declared: dict):
    """``def __init__(self, *, a=<default>, ...): self.a = a; ...`` for ``declared``."""
    for name in declared:
        if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_"):
            raise QmlbenchError(f"internal: {cls.__name__}: {name!r} cannot be a parameter")
    signature = "".join(f", {name}=_defaults[{name!r}]" for name in declared)
    body = "".join(f"\n    self.{name} = {name}" for name in declared)
    namespace = {"_defaults": dict(declared)}
    exec(f"def __init__(self, *{signature}):{body}", namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__doc__ = (f"Store the hyper-parameters of {cls.__name__} (generated from its "
                    f"declared ``param_defaults``; nothing is checked before ``fit``).")
    return init


# ---------------------------------------------------------------------------
# what models declare to scikit-learn


class DeclaredTags:
    """What a model declares to scikit-learn through ``__sklearn_tags__``, each with a one-line
    reason: ``_declared_tags = {"binary_only": "why", "poor_score": "why"}``.

    ``binary_only`` sets ``classifier_tags.multi_class = False`` (check_estimator then tests on
    two classes); ``poor_score`` sets the classifier's or regressor's ``poor_score`` (it skips
    the accuracy and R² thresholds of check_classifiers_train / check_regressors_train).
    List it first among the bases, so the classifier or regressor tags exist when it runs.
    """

    _declared_tags: dict[str, str] = {}
    _DECLARABLE = ("binary_only", "poor_score")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for key, reason in cls._declared_tags.items():
            if key not in cls._DECLARABLE:
                raise QmlbenchError(f"internal: {cls.__name__}._declared_tags: {key!r} is not "
                                    f"declarable; choose one of {', '.join(cls._DECLARABLE)}")
            if not isinstance(reason, str) or not reason.strip() or "\n" in reason:
                raise QmlbenchError(f"internal: {cls.__name__}._declared_tags[{key!r}] needs a "
                                    f"one-line reason")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        declared = self._declared_tags
        if "binary_only" in declared:
            tags.classifier_tags.multi_class = False
        if "poor_score" in declared:
            for sub in (tags.classifier_tags, tags.regressor_tags):
                if sub is not None:
                    sub.poor_score = True
        return tags


# ---------------------------------------------------------------------------
# circuits and the execution seam


def build_feature_map(est, n_features: int):
    width = est.num_qubits or circuits.width_for(est.feature_map, n_features,
                                                 est.feature_map_options)
    fm = circuits.feature_map(est.feature_map, width, est.feature_map_reps,
                              est.feature_map_entanglement, **(est.feature_map_options or {}))
    if fm.num_parameters != n_features:
        raise DataError(
            f"X: has {n_features} features but feature map {est.feature_map!r} on {width} "
            f"qubit(s) takes {fm.num_parameters} input(s); set circuit.num_qubits to None (one "
            f"qubit per feature) or reduce the features to match")
    return fm


def build_ansatz(est, num_qubits: int):
    return circuits.ansatz(est.ansatz, num_qubits, est.ansatz_reps, est.ansatz_entanglement,
                           **(est.ansatz_options or {}))


def compose(fm, an, reuploading=None):
    circuit = circuits.compose(fm, an, **circuits.REUPLOADING.merged(reuploading or {}))
    # columns of `values` follow circuit.parameters: the x's must come first, then the θ's
    names = [p.name for p in circuit.parameters]
    fm_names = {p.name for p in fm.parameters}
    if set(names[:fm.num_parameters]) != fm_names:
        raise QmlbenchError("internal: composed circuit does not list the inputs first; "
                            f"parameters are {names}")
    return circuit


def evaluator(shots, seed, noise=None):
    setting = {"shots": shots, "seed": seed}
    if noise is not None:
        setting["noise"] = noise
    return execution.evaluator_for(setting)


# ---------------------------------------------------------------------------
# the families' hyper-parameters, each declared here once


class FeatureMapParams(Hyperparameters):
    """The feature map every quantum model encodes with (``circuits.feature_map``)."""

    _params = {"num_qubits": None, "feature_map": "zz", "feature_map_reps": 2,
               "feature_map_entanglement": "linear", "feature_map_options": None}


class AnsatzParams(Hyperparameters):
    """The trainable circuit of variational models (``circuits.ansatz``); ``reuploading``
    (``{"layers": L, "input_scaling": bool, "trainable_first": bool}``, None: off) interleaves it with the encoding."""

    _params = {"ansatz": "real_amplitudes", "ansatz_reps": 3, "ansatz_entanglement": "linear",
               "ansatz_options": None, "reuploading": None}


class EvaluatorMixin(Hyperparameters):
    """``shots``/``seed`` choose the evaluator; it stays out of pickles (store saves the
    estimator's learned state)."""

    _params = {"shots": None, "seed": None, "noise": None}

    def _get_evaluator(self):
        ev = getattr(self, "_evaluator", None)
        if ev is None:
            ev = evaluator(self.shots, self.seed, self.noise)
            self._evaluator = ev
        return ev

    def with_noise(self, noise):
        """A copy of this (fitted) model with the same learned weights, evaluated under
        ``noise`` (an ``execution.noise`` setting; None: noiseless).  This model is left as
        it is; the copy shares its learned arrays and makes its own evaluator, so a user
        evaluator given by :meth:`set_evaluator` is not carried over."""
        out = copy.copy(self)   # through __getstate__: no evaluator, the old path kept
        out.noise = execution.check_noise(noise, "noise")
        for key in ("_evaluator", "_path", "_fallback_reason"):
            out.__dict__.pop(key, None)
        out._get_evaluator()    # the path it reports is the new noise's from the start
        out._noise_changed()
        return out

    def _noise_changed(self) -> None:
        """Recompute what was learned *from evaluations* rather than as weights, on this
        copy's evaluator (:meth:`with_noise`); nothing, for models that keep only weights."""

    def set_evaluator(self, evaluator):
        """Evaluate on ``evaluator`` (e.g. ``execution.evaluator_for(estimator=runtime_estimator)``)
        instead of the one ``shots`` and ``seed`` choose. Not a parameter: primitives are
        services, not hyper-parameters, so ``clone`` starts again from ``shots``/``seed``."""
        self._evaluator = evaluator
        return self

    # The path and the reason are read from the evaluator when asked: it learns that it
    # fell back (e.g. to Aer for a circuit the fast path cannot simulate) only while
    # evaluating, after the evaluator was made.  Unpickled models keep what was last seen.
    @property
    def path_(self):
        ev = self.__dict__.get("_evaluator")
        if ev is not None:
            return getattr(ev, "path", "user evaluator")
        if "_path" in self.__dict__:
            return self.__dict__["_path"]
        raise AttributeError("path_")

    @property
    def fallback_reason_(self):
        ev = self.__dict__.get("_evaluator")
        if ev is not None:
            return getattr(ev, "fallback_reason", None)
        if "_path" in self.__dict__:
            return self.__dict__.get("_fallback_reason")
        raise AttributeError("fallback_reason_")

    def __getstate__(self):
        state = dict(self.__dict__)
        ev = state.pop("_evaluator", None)
        if ev is not None:
            state["_path"] = getattr(ev, "path", "user evaluator")
            state["_fallback_reason"] = getattr(ev, "fallback_reason", None)
        return state


# ---------------------------------------------------------------------------
# training: every model that learns weights runs the one optimization loop


class OptimizedParams(Hyperparameters):
    """Weights trained by the registry optimizer through ``optimizers.minimize``: every
    evaluation is a monitored step (live loss; Stop keeps the best weights)."""

    _params = {"optimizer": "cobyla", "maxiter": 100, "learning_rate": None,
               "optimizer_options": None, "initial_point": None}

    def _initial_point(self, num_weights: int) -> np.ndarray:
        if self.initial_point is not None:
            x0 = np.asarray(self.initial_point, dtype=float).ravel()
            if x0.shape[0] != num_weights:
                raise SpecError("model.initial_point", list(x0)[:5], reason=(
                    f"has {x0.shape[0]} values; the model has {num_weights} trainable weights"))
            return x0
        # qiskit-ml's default (VQC, VQR, QuantumKernelTrainer): uniform in [0, 1)
        return np.random.default_rng(self.seed).random(num_weights)

    def _optimize(self, loss, loss_and_grad, monitor, num_weights: int):
        """Minimise ``loss(w)`` (``loss_and_grad(w) -> (loss, grad)`` for gradient optimizers;
        None: finite differences).  Returns the tracker.

        Learned state exists from the start (``initial_point_``, ``weights_``, ``stopped_``)
        and ``loss_history_``/``n_evaluations_`` are set however it ends, so an error or a
        stop leaves a usable model holding the best weights seen.
        """
        tracker = optimizers.ObjectiveTracker(loss, loss_and_grad, monitor)
        self.initial_point_ = self._initial_point(num_weights)
        self.weights_ = self.initial_point_.copy()
        self.stopped_ = False
        try:
            self.weights_, self.stopped_ = optimizers.minimize(
                tracker, self.initial_point_, self.optimizer, self.maxiter, self.learning_rate,
                self.optimizer_options, self.seed)
        except BaseException:
            if tracker.best_weights is not None:
                self.weights_ = np.array(tracker.best_weights)
            raise
        finally:
            self.loss_history_ = list(tracker.losses)
            self.n_evaluations_ = tracker.step
        return tracker
