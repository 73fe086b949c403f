"""Which model does which task, its twin for the other task, and the classical baselines.

Engine rules that the screen used to keep: when a dataset changes task
(classification <-> regression) a model that cannot do the new task is swapped for
its twin (vqc <-> vqr, svc <-> svr, ...); the Compare panel's baselines are the
classical models of the task; whether a model's cost reads every qubit at once
(the costs whose gradients vanish on deep circuits) decides a circuit warning.
"""

from __future__ import annotations

import re

from .. import circuits, datasets
from ..errors import SpecError
from . import MODELS, models_for

#: ``(model, task it cannot do) -> its twin for that task``.
TWINS: dict[tuple[str, str], str] = {
    ("qsvc", "regression"): "qsvr", ("qsvr", "classification"): "qsvc",
    ("pegasos_qsvc", "regression"): "qsvr", ("qkt_qsvc", "regression"): "qsvr",
    ("projected_qsvc", "regression"): "qsvr",
    ("vqc", "regression"): "vqr", ("vqr", "classification"): "vqc",
    ("sampler_qnn", "regression"): "estimator_qnn",
    ("svc", "regression"): "svr", ("svr", "classification"): "svc",
    ("logistic", "regression"): "svr",
}


def dataset_task(name: str) -> str | None:
    """``"classification"`` or ``"regression"`` for a registered dataset, None if unknown."""
    entry = datasets.DATASETS.get(name)
    return None if entry is None else entry.task


def does_task(model_name: str, task: str | None) -> bool:
    entry = MODELS.get(model_name)
    return entry is not None and (task is None or task in entry.tasks)


def model_for_task(model_name: str, task: str | None) -> str:
    """``model_name`` if it does ``task``, else its twin for that task (else the first
    model that does it); unknown names and an unknown task come back unchanged."""
    entry = MODELS.get(model_name)
    if task is None or entry is None or task in entry.tasks:
        return model_name
    twin = TWINS.get((model_name, task))
    if twin is None or not does_task(twin, task):
        choices = models_for(task)
        twin = choices[0] if choices else model_name
    return twin


def dataset_inputs(name: str, dataset=None) -> str:
    """What a dataset's rows are: ``"features"`` or ``"states"`` (quantum data)."""
    if dataset is not None:
        return getattr(dataset, "inputs", "features")
    entry = datasets.DATASETS.get(name)
    return "features" if entry is None else entry.inputs


def models_for_inputs(inputs: str, task: str | None = None) -> list[str]:
    """The models that take ``inputs`` (and do ``task``, when given)."""
    return [n for n, e in MODELS.items()
            if e.inputs == inputs and (task is None or task in e.tasks)]


def model_for_dataset(model_name: str, dataset_name: str) -> str:
    """``model_name`` if it takes what ``dataset_name`` holds (features or states) and does
    its task; else its twin for the task, or the first model for those inputs and task."""
    entry = MODELS.get(model_name)
    inputs = dataset_inputs(dataset_name)
    task = dataset_task(dataset_name)
    if entry is None or entry.inputs == inputs:
        return model_for_task(model_name, task)
    choices = models_for_inputs(inputs, task)
    return choices[0] if choices else model_name


def check_inputs(model_name: str, dataset_name: str, dataset=None) -> None:
    """State datasets pair only with state models, and feature datasets with the others:
    a model that encodes features with a feature map has nothing to encode in a state,
    and a state model has no state to start from in a row of features."""
    entry = MODELS.get(model_name)
    if entry is None:
        return
    inputs = dataset_inputs(dataset_name, dataset)
    if entry.inputs == inputs:
        return
    dataset_name = getattr(dataset, "name", None) or dataset_name
    allowed = models_for_inputs(inputs)
    if inputs == datasets.STATES:
        reason = (f"takes classical features, but dataset {dataset_name!r} holds quantum "
                  f"states; models for quantum data")
    else:
        reason = (f"takes quantum states (quantum data), but dataset {dataset_name!r} holds "
                  f"classical features; models for it")
    raise SpecError("model.name", model_name, allowed, reason=reason)


def baselines_for(task: str | None) -> list[str]:
    """The classical models that do ``task`` (all classical models for ``None``)."""
    names = models_for(task) if task else list(MODELS)
    return [n for n in names if not MODELS[n].quantum]


def baseline_for(task: str | None, wanted: str | None = None) -> str | None:
    """``wanted`` when it is a classical model doing ``task``; its twin when that is one;
    else the first classical model of the task."""
    options = baselines_for(task)
    if wanted in options:
        return wanted
    if wanted is not None:
        twin = model_for_task(wanted, task)
        if twin in options:
            return twin
    return options[0] if options else None


def check_baseline(name: str | None, field: str = "compare.baseline") -> None:
    """A baseline must be a classical model (None: the task's first)."""
    if name is None:
        return
    classical = baselines_for(None)
    if name not in classical:
        raise SpecError(field, name, classical, reason="is not a classical model")


def global_cost(model_name: str, params: dict) -> bool:
    """Whether the model's cost reads all qubits at once (parity, Z...Z): the costs whose
    gradients vanish exponentially with width on deep circuits (Cerezo et al. 2021)."""
    if model_name in ("vqc", "sampler_qnn"):
        return True
    if model_name in ("vqr", "estimator_qnn"):
        obs = (params or {}).get("observable")
        if obs is None:
            return True                      # Z on every qubit
        if not isinstance(obs, str) or re.fullmatch(r"[XYZ]\d+", obs):
            return False                     # one qubit ("Z0"): a local cost
        return obs.count("I") == 0 and len(obs) > 1
    return False


def circuit_warnings(spec, facts: dict) -> list[str]:
    """:func:`qmlbench.engine.circuits.circuit_warnings` for ``spec``'s model."""
    entry = MODELS.get(spec.model.name)
    return circuits.circuit_warnings(spec, facts, model_kind=getattr(entry, "kind", ""),
                                     global_cost=global_cost(spec.model.name, spec.model.params))


__all__ = ["TWINS", "dataset_task", "dataset_inputs", "models_for_inputs", "model_for_dataset", "check_inputs", "does_task", "model_for_task", "baselines_for",
           "baseline_for", "check_baseline", "global_cost", "circuit_warnings"]
