"""Models by name: quantum estimators and classical baselines, all scikit-learn estimators.

``MODELS[name]`` is a :class:`ModelEntry`: the estimator class per task, whether
it is quantum, its kind ("kernel", "variational", "classical") and the
hyper-parameters a spec may set in ``model.params``.  The circuit, optimizer
and execution settings come from their own spec sections; :func:`build`
merges everything into one unfitted estimator.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from .. import datasets, extras
from ..errors import DataError, SpecError
from ..options import Option, Schema
from ._base import StopTraining, call_monitor  # noqa: F401  (public)

CLASSIFICATION = "classification"
REGRESSION = "regression"


def _observable(value, fld):
    if value is not None and not (isinstance(value, str) and value and
                                  (value in ("Z0", "mean_z") or set(value) <= set("IXYZ"))):
        raise SpecError(fld, value, reason=(
            "is not an observable; use null (Z on every qubit), 'Z0' (first qubit), 'mean_z' "
            "(the mean of each qubit's Z) "
            "or a Pauli string over I, X, Y, Z with one letter per qubit"))
    return value


def Param(default, kind="any", help: str = "", name: str = "") -> Option:  # noqa: N802
    """The old way to declare a hyper-parameter, kept for code that registers models with it:
    an :class:`~qmlbench.engine.options.Option` from ``default`` and an old kind word
    ("positive", "nonneg", "int>=1", "bool", a tuple of allowed values; anything else: any)."""
    if isinstance(kind, tuple):
        return Option(name, "choice", default, choices=kind, help=help)
    spec = {"positive": dict(kind="float", low=0.0, low_open=True, scale="log"),
            "nonneg": dict(kind="float", low=0.0), "int>=1": dict(kind="int", low=1),
            "bool": dict(kind="bool")}.get(kind, dict(kind="any"))
    return Option(name, default=default, help=help, **spec)


@dataclass(frozen=True)
class ModelEntry:
    name: str
    label: str
    kind: str                      # "kernel" | "variational" | "hybrid" | "classical"
    quantum: bool
    #: task -> "module:Class" (relative to this package)
    estimators: dict = field(default_factory=dict)
    #: the hyper-parameters a spec may set in ``model.params`` (a Schema; a dict of
    #: name -> Option, or of name -> default, is read as one)
    schema: Schema = field(default_factory=Schema)
    description: str = ""
    #: "features" (encoded by the feature map), or "states": quantum data, the input
    #: states themselves (``datasets.STATES``); ``compat.check_inputs`` pairs them
    inputs: str = "features"
    #: optional extras (``engine.extras.INSTALL``) the model needs, e.g. ("torch",)
    requires: tuple = ()

    def __post_init__(self):
        s = self.schema
        if isinstance(s, dict):
            if all(isinstance(v, Option) for v in s.values()):
                s = Schema(o if o.name == k else o.with_(name=k) for k, o in s.items())
            else:
                s = Schema.infer(s)
        object.__setattr__(self, "schema", s)

    @property
    def params(self) -> dict:
        """name -> :class:`~qmlbench.engine.options.Option` (``.default``, ``.help``)."""
        return dict(self.schema.items())

    @property
    def tasks(self) -> tuple[str, ...]:
        return tuple(self.estimators)

    @property
    def uses_ansatz(self) -> bool:
        return self.kind in ("variational", "hybrid") and self.inputs == "features"

    @property
    def uses_feature_map(self) -> bool:
        return self.quantum and self.inputs == "features"

    @property
    def missing(self) -> str | None:
        """Why this model cannot run here (an optional package it needs is not installed,
        with the install command), or None."""
        for extra in self.requires:
            if not extras.available(extra):
                return extras.message(extra, f"model {self.name!r}")
        return None

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


_C = Option("C", "float", 1.0, low=0.0, low_open=True, scale="log",
            help="SVM regularisation (larger: fit the training data harder)")
_EPS = Option("epsilon", "float", 0.1, low=0.0, help="SVR epsilon tube")
_INTERP = ("modulo", "parity")
_OBS = Option("observable", "any", None, allow_none=True, validator=_observable,
              help="observable: None (Z on every qubit, qiskit-ml's default), 'Z0' (first qubit "
                   "only), 'mean_z' (the mean of each qubit's Z), or a Pauli string as long as "
                   "the register, e.g. 'ZI'")
_PROBABILITY = Option("probability", "bool", False, help="fit Platt scaling for predict_proba")
_GAMMA = Option("gamma", "float", "scale", low=0.0, low_open=True, also=("scale", "auto"),
                help="'scale', 'auto' or a positive number")


def _interpretation(default, help):
    return Option("interpretation", "choice", default, choices=_INTERP, help=help)


def _loss(default, *choices):
    return Option("loss", "choice", default, choices=(default,) + choices)


def _int(name, default, help=""):
    return Option(name, "int", default, low=1, help=help)


def _widths(name, help):
    return Option(name, "list", None, allow_none=True, item=Option("width", "int", low=1),
                  noun="a list of layer widths, integers >= 1 (e.g. [4]), or null for none",
                  help=help)


MODELS: dict[str, ModelEntry] = {e.name: e for e in [
    ModelEntry("qsvc", "Quantum kernel SVC", "kernel", True,
               {CLASSIFICATION: "kernel:QSVCModel"}, Schema.of(_C, _PROBABILITY),
               "SVC on the fidelity kernel |<phi(x)|phi(x')>|^2 (Havlicek et al. 2019)"),
    ModelEntry("qsvr", "Quantum kernel SVR", "kernel", True,
               {REGRESSION: "kernel:QSVRModel"}, Schema.of(_C, _EPS),
               "SVR on the fidelity kernel"),
    ModelEntry("pegasos_qsvc", "Pegasos QSVC", "kernel", True,
               {CLASSIFICATION: "kernel:PegasosQSVCModel"},
               Schema.of(_C, _int("num_steps", 1000, "Pegasos iterations")),
               "kernel SVM trained by Pegasos sub-gradient steps (binary)"),
    ModelEntry("qkt_qsvc", "Trainable-kernel QSVC", "kernel", True,
               {CLASSIFICATION: "kernel:QKTQSVCModel"}, Schema.of(_C),
               "QSVC whose kernel has a trainable rotation layer, aligned by QuantumKernelTrainer"),
    ModelEntry("projected_qsvc", "Projected quantum kernel SVC", "kernel", True,
               {CLASSIFICATION: "projected:ProjectedQSVCModel"},
               Schema.of(_C, Option("gamma", "float", "scale", low=0.0, low_open=True,
                                    also=("scale",), help="bandwidth: 'scale' (2 / (n_qubits "
                                    "Var) of the training Pauli expectations) or a number"),
                         Option("gamma_factor", "float", 1.0, low=0.0, low_open=True, scale="log",
                                help="multiplies gamma (Bowles et al.'s grid: 0.1, 1, 10)"),
                         _PROBABILITY),
               "SVC on exp(-gamma sum_k ||rho_k(x) - rho_k(x')||^2) of one-qubit reduced "
               "states (Huang et al. 2021)"),
    ModelEntry("vqc", "Variational quantum classifier", "variational", True,
               {CLASSIFICATION: "variational:VQCModel"},
               Schema.of(_interpretation("modulo", "bitstring -> class: integer mod k (qiskit-ml "
                                                   "VQC) or parity"),
                         _loss("cross_entropy", "squared_error")),
               "qiskit-ml VQC: SamplerQNN, one-hot cross-entropy"),
    ModelEntry("vqr", "Variational quantum regressor", "variational", True,
               {REGRESSION: "variational:VQRModel"},
               Schema.of(_OBS, _loss("squared_error", "absolute_error")),
               "qiskit-ml VQR: EstimatorQNN <Z...Z>, squared error"),
    ModelEntry("estimator_qnn", "EstimatorQNN", "variational", True,
               {CLASSIFICATION: "variational:EstimatorQNNClassifier",
                REGRESSION: "variational:EstimatorQNNRegressor"},
               Schema.of(_OBS, _loss("squared_error", "hinge", "absolute_error")),
               "expectation of an observable; binary classes as -1/+1, or a regression output"),
    ModelEntry("sampler_qnn", "SamplerQNN", "variational", True,
               {CLASSIFICATION: "variational:SamplerQNNClassifier"},
               Schema.of(_interpretation("parity", "bitstring -> class: parity (popcount mod k) "
                                                   "or integer mod k"),
                         _loss("cross_entropy", "squared_error")),
               "measured bitstring probabilities grouped into classes"),
    ModelEntry("state_qsvc", "QSVC on input states", "kernel", True,
               {CLASSIFICATION: "states:StateQSVCModel"}, Schema.of(_C, _PROBABILITY),
               "SVC on the fidelity kernel |<psi_i|psi_j>|^2 of the input states (quantum data)",
               inputs="states"),
    ModelEntry("qcnn", "Quantum convolutional neural network", "variational", True,
               {CLASSIFICATION: "states:QCNNClassifier"},
               Schema.of(_loss("cross_entropy", "squared_error")),
               "QCNN (qiskit-ml tutorial 11): conv and pool layers halve the qubits, the "
               "input state is its initial state (quantum data)", inputs="states"),
    ModelEntry("hybrid", "Hybrid quantum-classical network (PyTorch)", "hybrid", True,
               {CLASSIFICATION: "hybrid:HybridClassifier", REGRESSION: "hybrid:HybridRegressor"},
               Schema.of(
                   _widths("pre_layers", "classical layers before the quantum layer (widths; "
                                         "empty: the features go straight in)"),
                   _widths("post_layers", "classical hidden layers after the quantum layer "
                                          "(widths; a linear output layer always follows)"),
                   Option("activation", "choice", "tanh", choices=("tanh", "relu", "sigmoid"),
                          help="activation between classical layers"),
                   Option("observables", "choice", "local", choices=("local", "global"),
                          help="quantum outputs: Z on each qubit (local) or one Z...Z (global)"),
                   Option("torch_optimizer", "choice", "adam", choices=("adam", "sgd"),
                          label="optimizer", help="the PyTorch optimizer"),
                   Option("learning_rate", "float", 0.1, low=0.0, low_open=True, scale="log",
                          ui_range=(1e-3, 1.0), label="learning rate",
                          help="step size of the PyTorch optimizer"),
                   Option("epochs", "int", 30, low=1, ui_range=(1, 200),
                          help="passes over the training data"),
                   Option("batch_size", "int", 16, low=1, ui_range=(1, 256), label="batch size",
                          help="samples per optimizer step (one live step each)")),
               "classical layers around a quantum layer, trained by PyTorch through the "
               "batched adjoint gradients (needs the torch extra)", requires=("torch",)),
    ModelEntry("svc", "RBF SVC (classical)", "classical", False,
               {CLASSIFICATION: "classical:SVCBaseline"}, Schema.of(_C, _GAMMA, _PROBABILITY)),
    ModelEntry("svr", "RBF SVR (classical)", "classical", False,
               {REGRESSION: "classical:SVRBaseline"}, Schema.of(_C, _EPS, _GAMMA)),
    ModelEntry("mlp", "Multi-layer perceptron (classical)", "classical", False,
               {CLASSIFICATION: "classical:MLPClassifierBaseline",
                REGRESSION: "classical:MLPRegressorBaseline"},
               Schema.of(Option("hidden_layer_sizes", "list", [16, 16], label="hidden layers",
                                item=Option("width", "int", low=1),
                                noun="a list of layer widths, integers >= 1 (e.g. [16, 16])",
                                help="list of layer widths"),
                         Option("alpha", "float", 1e-4, low=0.0, help="L2 penalty"),
                         _int("max_iter", 2000))),
    ModelEntry("logistic", "Logistic regression (classical)", "classical", False,
               {CLASSIFICATION: "classical:LogisticBaseline"}, Schema.of(_C, _int("max_iter", 1000))),
]}


def models_for(task: str) -> list[str]:
    return [n for n, e in MODELS.items() if task in e.estimators]


def get(name: str) -> ModelEntry:
    if name not in MODELS:
        raise SpecError("model.name", name, sorted(MODELS), reason="is not a known model")
    return MODELS[name]


def check_params(name: str, params: dict) -> dict:
    """``params`` checked against the model's schema, normalised; a :class:`SpecError` naming
    ``model.params.<key>`` for an unknown key or a bad value."""
    entry = get(name)
    if not isinstance(params, dict):
        raise SpecError("model.params", params, reason="must be a mapping of names to values")
    for key, value in params.items():
        if key not in entry.schema:
            raise SpecError(f"model.params.{key}", value, sorted(entry.schema.names),
                            reason=f"is not a parameter of {name}")
    return entry.schema.validate(params, "model.params", owner=name)


def _task_of(spec, dataset) -> str:
    if dataset is not None:
        return dataset.task
    entry = datasets.DATASETS.get(spec.dataset.name)    # None for a name it does not know
    task = entry.task if entry is not None else None
    return task if task in (CLASSIFICATION, REGRESSION) else CLASSIFICATION


def build(spec, dataset=None, task: str | None = None, evaluator=None):
    """An unfitted estimator for ``spec`` (an ``ExperimentSpec``).

    The task comes from ``dataset`` (or ``task``, or the dataset registry); models
    that serve both tasks (estimator_qnn, mlp) pick their classifier or regressor by it.
    ``evaluator`` (from ``execution.evaluator_for``, e.g. wrapping a user's Qiskit V2
    primitive) replaces the one the spec's execution section chooses for quantum models.
    """
    entry = get(spec.model.name)   # the spec's params were checked when it was built
    if entry.missing:              # an optional package it needs: say how to install it
        raise extras.MissingExtra(entry.missing)
    task = task or _task_of(spec, dataset)
    cls = entry.estimator_class(task)
    kwargs = dict(spec.model.params)
    compat.check_inputs(entry.name, spec.dataset.name, dataset)
    if entry.quantum:
        fm, an = spec.circuit.feature_map, spec.circuit.ansatz
        kwargs.update(shots=spec.execution.shots, noise=spec.execution.noise,
                      seed=spec.execution.seed if spec.execution.seed is not None else spec.seed)
        if entry.uses_feature_map:
            kwargs.update(num_qubits=spec.circuit.num_qubits, feature_map=fm.name,
                          feature_map_reps=fm.reps, feature_map_entanglement=fm.entanglement,
                          feature_map_options=dict(fm.options) or None)
        if entry.uses_ansatz:
            kwargs.update(ansatz=an.name, ansatz_reps=an.reps,
                          ansatz_entanglement=an.entanglement,
                          ansatz_options=dict(an.options) or None,
                          reuploading=dict(spec.circuit.reuploading) if spec.circuit.reuploading
                          else None)
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


def planned_steps(spec, n_train: int | None = None) -> int:
    """How many live steps training ``spec`` should take (a progress bar's length): the
    optimizer's ``maxiter``, the hybrid model's epochs x minibatches, or 3 for a model
    fitted in one go (its phases).  ``n_train`` defaults to the spec's training split."""
    entry = get(spec.model.name)
    if entry.uses_optimizer:
        return int(spec.optimizer.maxiter)
    if entry.kind == "hybrid":
        params = entry.schema.merged(spec.model.params)
        if n_train is None:
            n_train = max(1, int(spec.dataset.n_samples * (1 - spec.dataset.test_size)))
        return int(params["epochs"]) * -(-int(n_train) // int(params["batch_size"]))
    return 3


from . import compat  # noqa: E402,F401  (task compatibility, twins, baselines)

__all__ = ["MODELS", "ModelEntry", "Param", "build", "check_params", "get", "models_for",
           "planned_steps",
           "StopTraining", "call_monitor", "CLASSIFICATION", "REGRESSION"]
