"""Hyper-parameters are declared once per family: the generated ``__init__`` says exactly
what the declarations say, scikit-learn's clone/get_params/set_params work on every
registry model, and the registry's defaults are the estimators' own."""

from __future__ import annotations

import inspect
import pickle

import numpy as np
import pytest
from sklearn.base import clone

from qmlbench.engine import models
from qmlbench.engine.models._base import Hyperparameters

CLASSES = sorted({entry.estimator_class(task) for entry in models.MODELS.values()
                  for task in entry.tasks}, key=lambda c: c.__name__)


def _ids(cls):
    return cls.__name__


@pytest.mark.parametrize("cls", CLASSES, ids=_ids)
def test_declared_parameters_and_the_init_signature_agree(cls):
    assert issubclass(cls, Hyperparameters)
    declared = dict(cls.param_defaults)
    assert declared, f"{cls.__name__} declares no hyper-parameters"
    params = list(inspect.signature(cls.__init__).parameters.values())
    assert params[0].name == "self"
    params = params[1:]
    # explicit named parameters (scikit-learn reads them), never *args/**kwargs
    assert all(p.kind is p.KEYWORD_ONLY for p in params), [(p.name, p.kind) for p in params]
    assert [p.name for p in params] == list(declared)
    assert {p.name: p.default for p in params} == declared
    # and scikit-learn sees the same names
    assert sorted(cls._get_param_names()) == sorted(declared)


@pytest.mark.parametrize("cls", CLASSES, ids=_ids)
def test_init_only_stores_its_parameters(cls):
    est = cls()
    assert vars(est) == dict(cls.param_defaults)
    assert est.get_params(deep=False) == dict(cls.param_defaults)
    with pytest.raises(TypeError):
        cls(not_a_parameter=1)


@pytest.mark.parametrize("cls", CLASSES, ids=_ids)
def test_no_class_repeats_what_its_bases_declare(cls):
    """Along a model's bases each name is declared once, unless the model changes a default."""
    owners: dict[str, list[str]] = {}
    for base in cls.__mro__:
        for name in vars(base).get("_params", {}):
            owners.setdefault(name, []).append(base.__name__)
    overrides = {"maxiter": ["QKTQSVCModel", "OptimizedParams"],
                 "interpretation": ["SamplerQNNClassifier", "VQCModel"]}
    for name, classes in owners.items():
        if len(classes) > 1:
            assert classes == overrides.get(name), (name, classes)


@pytest.mark.parametrize("name", sorted(models.MODELS))
def test_registry_defaults_are_the_estimators_defaults(name):
    entry = models.MODELS[name]
    for task in entry.tasks:
        defaults = entry.estimator_class(task).param_defaults
        for key, param in entry.params.items():
            assert key in defaults, f"{name}: model.params.{key} is not an estimator parameter"
            value = defaults[key]
            value = list(value) if isinstance(value, tuple) else value
            assert value == param.default, (name, key, value, param.default)


#: a value other than the default for every declared name (all valid, so fit would take them)
OTHER = {"num_qubits": 3, "feature_map": "angle", "feature_map_reps": 1,
         "feature_map_entanglement": "full", "feature_map_options": {"rotation": "x"},
         "ansatz": "efficient_su2", "ansatz_reps": 1, "ansatz_entanglement": "circular",
         "ansatz_options": {"skip_final_rotation_layer": True},
         "optimizer": "spsa", "maxiter": 7, "learning_rate": 0.05,
         "optimizer_options": {"perturbation": 0.2}, "initial_point": [0.1, 0.2, 0.3],
         "shots": 256, "seed": 11, "noise": {"model": "depolarizing", "p1": 0.01, "p2": 0.02},
         "C": 2.5, "probability": True, "epsilon": 0.3,
         "num_steps": 50, "max_iter": 300, "observable": "Z0", "gamma": 0.7, "alpha": 1e-3,
         "hidden_layer_sizes": (8,), "interpretation": "squared", "loss": "other", "gamma_factor": 10.0,
         "reuploading": {"layers": 2, "input_scaling": True}, "pre_layers": [3],
         "post_layers": [3], "activation": "relu", "observables": "global",
         "torch_optimizer": "sgd", "epochs": 5, "batch_size": 8}


def _other_params(cls):
    params = {}
    for key, default in cls.param_defaults.items():
        value = OTHER[key]
        if key == "interpretation":
            value = "parity" if default == "modulo" else "modulo"
        elif key == "loss":
            value = "squared_error" if default != "squared_error" else "absolute_error"
        assert value != default, key
        params[key] = value
    return params


@pytest.mark.parametrize("cls", CLASSES, ids=_ids)
def test_clone_keeps_non_default_parameters(cls):
    params = _other_params(cls)
    est = cls(**params)
    assert est.get_params() == params
    copy = clone(est)
    assert type(copy) is cls and copy is not est
    assert copy.get_params() == est.get_params()
    # set_params reaches the same state from the defaults, and back
    assert cls().set_params(**params).get_params() == params
    assert est.set_params(**dict(cls.param_defaults)).get_params() == dict(cls.param_defaults)
    # an unfitted model pickles with its parameters
    assert pickle.loads(pickle.dumps(copy)).get_params() == params


def test_a_subclass_changing_a_default_gets_its_own_init():
    from qmlbench.engine.models.kernel import QSVCModel

    class Wider(QSVCModel):
        _params = {"C": 10.0, "feature_map_reps": 3}

    est = Wider()
    assert est.C == 10.0 and est.feature_map_reps == 3 and est.feature_map == "zz"
    assert QSVCModel().C == 1.0
    assert clone(Wider(C=0.5)).get_params()["C"] == 0.5


def test_a_hand_written_init_is_left_alone():
    class Own(Hyperparameters):
        _params = {"a": 1}

        def __init__(self, a=2):
            self.a = a

    assert Own().a == 2 and Own.param_defaults == {"a": 1}


def test_a_name_that_cannot_be_a_parameter_is_refused():
    from qmlbench.engine.errors import QmlbenchError

    with pytest.raises(QmlbenchError, match="cannot be a parameter"):
        type("Bad", (Hyperparameters,), {"_params": {"class": 1}})
    with pytest.raises(QmlbenchError, match="cannot be a parameter"):
        type("Bad", (Hyperparameters,), {"_params": {"_private": 1}})


def test_build_passes_only_declared_parameters():
    import qmlbench as qb

    for name in sorted(n for n, e in models.MODELS.items() if not e.missing):
        data = ({"dataset": {"name": "phase_of_matter"}}
                if models.MODELS[name].inputs == "states" else {})   # quantum data's models
        spec = qb.ExperimentSpec.from_dict({**data, "model": {"name": name}})
        task = models.MODELS[name].tasks[0]
        est = models.build(spec, task=task)
        assert set(est.get_params()) == set(type(est).param_defaults)
        assert np.all([clone(est).get_params()[k] == v for k, v in est.get_params().items()])
