"""Models by name: quantum estimators and classical baselines, all scikit-learn estimators.

``MODELS[name]`` is a :class:`ModelEntry`: the estimator class per task, whether
it is quantum, its kind ("kernel", "variational", "classical") and the
hyper-parameters a spec may set in ``model.params``.  The circuit, optimizer
and execution settings come from their own spec sections; :func:`build`
merges everything into one unfitted estimator.
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass, field

from ..errors import DataError, SpecError
from ._base import StopTraining, call_monitor  # noqa: F401  (public)

CLASSIFICATION = "classification"
REGRESSION = "regression"


@dataclass(frozen=True)
class Param:
    default: object
    #: "positive" | "nonneg" | "int>=1" | "bool" | "gamma" | "layers" | "any" | a tuple of allowed values
    kind: object = "any"
    help: str = ""

    def check(self, fld: str, value) -> None:
        k = self.kind
        if isinstance(k, tuple):
            if value not in k:
                raise SpecError(fld, value, list(k))
        elif k in ("positive", "nonneg"):
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not math.isfinite(value) or (value <= 0 if k == "positive" else value < 0):
                raise SpecError(fld, value, reason=f"must be a number {'>' if k == 'positive' else '>='} 0")
        elif k == "int>=1":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise SpecError(fld, value, reason="must be an integer >= 1")
        elif k == "observable":
            if value is not None and not (isinstance(value, str) and value and
                                          (value == "Z0" or set(value) <= set("IXYZ"))):
                raise SpecError(fld, value, reason=(
                    "is not an observable; use null (Z on every qubit), 'Z0' (first qubit) "
                    "or a Pauli string over I, X, Y, Z with one letter per qubit"))
        elif k == "bool":
            if not isinstance(value, bool):
                raise SpecError(fld, value, reason="must be true or false")
        elif k == "gamma":    # RBF width, as scikit-learn's SVC/SVR take it
            if value not in ("scale", "auto") and (
                    isinstance(value, bool) or not isinstance(value, (int, float))
                    or not math.isfinite(value) or value <= 0):
                raise SpecError(fld, value, reason="must be 'scale', 'auto' or a number > 0")
        elif k == "layers":   # MLP hidden layer widths
            if not isinstance(value, (list, tuple)) or not value or any(
                    isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in value):
                raise SpecError(fld, value, reason="must be a list of layer widths, integers >= 1 "
                                                   "(e.g. [16, 16])")


@dataclass(frozen=True)
class ModelEntry:
    name: str
    label: str
    kind: str                      # "kernel" | "variational" | "classical"
    quantum: bool
    #: task -> "module:Class" (relative to this package)
    estimators: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    description: str = ""

    @property
    def tasks(self) -> tuple[str, ...]:
        return tuple(self.estimators)

    @property
    def uses_ansatz(self) -> bool:
        return self.kind == "variational"

    @property
    def uses_optimizer(self) -> bool:
        return self.kind == "variational" or self.name == "qkt_qsvc"

    def estimator_class(self, task: str = CLASSIFICATION):
        if task not in self.estimators:
            raise DataError(
                f"model {self.name!r} does not do {task}; it does {', '.join(self.tasks)}. "
                f"Models for {task}: {', '.join(models_for(task))}")
        module, cls = self.estimators[task].split(":")
        return getattr(importlib.import_module(f".{module}", __name__), cls)


_C = Param(1.0, "positive", "SVM regularisation (larger: fit the training data harder)")
_EPS = Param(0.1, "nonneg", "SVR epsilon tube")
_INTERP = ("modulo", "parity")
_OBS = Param(None, "observable",
             "observable: None (Z on every qubit, qiskit-ml's default), 'Z0' (first qubit only), "
             "or a Pauli string as long as the register, e.g. 'ZI'")

MODELS: dict[str, ModelEntry] = {e.name: e for e in [
    ModelEntry("qsvc", "Quantum kernel SVC", "kernel", True,
               {CLASSIFICATION: "kernel:QSVCModel"},
               {"C": _C, "probability": Param(False, "bool", "fit Platt scaling for predict_proba")},
               "SVC on the fidelity kernel |<phi(x)|phi(x')>|^2 (Havlicek et al. 2019)"),
    ModelEntry("qsvr", "Quantum kernel SVR", "kernel", True,
               {REGRESSION: "kernel:QSVRModel"}, {"C": _C, "epsilon": _EPS},
               "SVR on the fidelity kernel"),
    ModelEntry("pegasos_qsvc", "Pegasos QSVC", "kernel", True,
               {CLASSIFICATION: "kernel:PegasosQSVCModel"},
               {"C": _C, "num_steps": Param(1000, "int>=1", "Pegasos iterations")},
               "kernel SVM trained by Pegasos sub-gradient steps (binary)"),
    ModelEntry("qkt_qsvc", "Trainable-kernel QSVC", "kernel", True,
               {CLASSIFICATION: "kernel:QKTQSVCModel"},
               {"C": _C},
               "QSVC whose kernel has a trainable rotation layer, aligned by QuantumKernelTrainer"),
    ModelEntry("vqc", "Variational quantum classifier", "variational", True,
               {CLASSIFICATION: "variational:VQCModel"},
               {"interpretation": Param("modulo", _INTERP,
                                        "bitstring -> class: integer mod k (qiskit-ml VQC) or parity"),
                "loss": Param("cross_entropy", ("cross_entropy", "squared_error"))},
               "qiskit-ml VQC: SamplerQNN, one-hot cross-entropy"),
    ModelEntry("vqr", "Variational quantum regressor", "variational", True,
               {REGRESSION: "variational:VQRModel"},
               {"observable": _OBS, "loss": Param("squared_error", ("squared_error", "absolute_error"))},
               "qiskit-ml VQR: EstimatorQNN <Z...Z>, squared error"),
    ModelEntry("estimator_qnn", "EstimatorQNN", "variational", True,
               {CLASSIFICATION: "variational:EstimatorQNNClassifier",
                REGRESSION: "variational:EstimatorQNNRegressor"},
               {"observable": _OBS,
                "loss": Param("squared_error", ("squared_error", "hinge", "absolute_error"))},
               "expectation of an observable; binary classes as -1/+1, or a regression output"),
    ModelEntry("sampler_qnn", "SamplerQNN", "variational", True,
               {CLASSIFICATION: "variational:SamplerQNNClassifier"},
               {"interpretation": Param("parity", _INTERP,
                                        "bitstring -> class: parity (popcount mod k) or integer mod k"),
                "loss": Param("cross_entropy", ("cross_entropy", "squared_error"))},
               "measured bitstring probabilities grouped into classes"),
    ModelEntry("svc", "RBF SVC (classical)", "classical", False,
               {CLASSIFICATION: "classical:SVCBaseline"},
               {"C": _C, "gamma": Param("scale", "gamma", "'scale', 'auto' or a positive number"),
                "probability": Param(False, "bool", "fit Platt scaling for predict_proba")}),
    ModelEntry("svr", "RBF SVR (classical)", "classical", False,
               {REGRESSION: "classical:SVRBaseline"},
               {"C": _C, "epsilon": _EPS, "gamma": Param("scale", "gamma",
                                                         "'scale', 'auto' or a positive number")}),
    ModelEntry("mlp", "Multi-layer perceptron (classical)", "classical", False,
               {CLASSIFICATION: "classical:MLPClassifierBaseline",
                REGRESSION: "classical:MLPRegressorBaseline"},
               {"hidden_layer_sizes": Param([16, 16], "layers", "list of layer widths"),
                "alpha": Param(1e-4, "nonneg"), "max_iter": Param(2000, "int>=1")}),
    ModelEntry("logistic", "Logistic regression (classical)", "classical", False,
               {CLASSIFICATION: "classical:LogisticBaseline"},
               {"C": _C, "max_iter": Param(1000, "int>=1")}),
]}


def models_for(task: str) -> list[str]:
    return [n for n, e in MODELS.items() if task in e.estimators]


def get(name: str) -> ModelEntry:
    if name not in MODELS:
        raise SpecError("model.name", name, sorted(MODELS), reason="is not a known model")
    return MODELS[name]


def check_params(name: str, params: dict) -> None:
    """Raise :class:`SpecError` naming ``model.params.<key>`` for an unknown key or bad value."""
    entry = get(name)
    if not isinstance(params, dict):
        raise SpecError("model.params", params, reason="must be a mapping of names to values")
    for key, value in params.items():
        if key not in entry.params:
            raise SpecError(f"model.params.{key}", value, sorted(entry.params),
                            reason=f"is not a parameter of {name}")
        entry.params[key].check(f"model.params.{key}", value)


def _task_of(spec, dataset) -> str:
    if dataset is not None:
        return dataset.task
    try:
        from .. import datasets

        task = getattr(datasets.DATASETS.get(spec.dataset.name), "task", None)
    except ImportError:
        task = None
    return task if task in (CLASSIFICATION, REGRESSION) else CLASSIFICATION


def build(spec, dataset=None, task: str | None = None, evaluator=None):
    """An unfitted estimator for ``spec`` (an ``ExperimentSpec``).

    The task comes from ``dataset`` (or ``task``, or the dataset registry); models
    that serve both tasks (estimator_qnn, mlp) pick their classifier or regressor by it.
    ``evaluator`` (from ``execution.evaluator_for``, e.g. wrapping a user's Qiskit V2
    primitive) replaces the one the spec's execution section chooses for quantum models.
    """
    entry = get(spec.model.name)
    check_params(entry.name, spec.model.params)
    task = task or _task_of(spec, dataset)
    cls = entry.estimator_class(task)
    kwargs = dict(spec.model.params)
    if entry.quantum:
        fm, an = spec.circuit.feature_map, spec.circuit.ansatz
        kwargs.update(num_qubits=spec.circuit.num_qubits, feature_map=fm.name,
                      feature_map_reps=fm.reps, feature_map_entanglement=fm.entanglement,
                      feature_map_options=dict(fm.options) or None,
                      shots=spec.execution.shots,
                      seed=spec.execution.seed if spec.execution.seed is not None else spec.seed)
        if entry.uses_ansatz:
            kwargs.update(ansatz=an.name, ansatz_reps=an.reps,
                          ansatz_entanglement=an.entanglement,
                          ansatz_options=dict(an.options) or None)
        if entry.uses_optimizer:
            opt = spec.optimizer
            kwargs.update(optimizer=opt.name, maxiter=opt.maxiter,
                          learning_rate=opt.learning_rate,
                          optimizer_options=dict(opt.options) or None)
    else:
        kwargs.setdefault("seed", spec.seed)
    model = cls(**kwargs)
    if evaluator is not None and entry.quantum:
        model.set_evaluator(evaluator)
    return model


from . import compat  # noqa: E402,F401  (task compatibility, twins, baselines)

__all__ = ["MODELS", "ModelEntry", "Param", "build", "check_params", "get", "models_for",
           "StopTraining", "call_monitor", "CLASSIFICATION", "REGRESSION"]
