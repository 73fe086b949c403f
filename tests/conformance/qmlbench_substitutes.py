"""pytest plugin loaded (``-p qmlbench_substitutes``) into the pytest run of an upstream suite.

It substitutes qmlbench's primitives for the reference ones *before* the upstream
test modules are imported, so every ``from ... import Name`` in them, every ddt
``@data(...)`` list and every default primitive that qiskit-machine-learning
builds inside (``EstimatorQNN()`` without an estimator, ``SamplerQNN``,
``FidelityQuantumKernel``'s default fidelity, ...) gets qmlbench's class:

=====================================  ==========================================
reference                              substitute
=====================================  ==========================================
qiskit ``StatevectorEstimator``        ``FastEstimator``
qiskit ``StatevectorSampler``          ``FastSampler``
qiskit-ml ``QMLEstimator``             ``FastEstimator`` (same constructor)
qiskit-ml ``QMLSampler``               ``FastSampler`` (``shots=None``: exact mode)
qiskit-ml ``ParamShiftEstimatorGradient``  ``FastEstimatorGradient``
qiskit-ml ``Fidelity[Statevector|Quantum]Kernel`` and the trainable ones   ``FastKernel``
qiskit-ibm-runtime ``EstimatorV2`` / ``SamplerV2`` (local mode on a fake backend)
                                       ``FastEstimator`` / ``FastSampler``
=====================================  ==========================================

The upstream test files are not edited.  The parent run (tests/conformance/conftest.py)
passes the suite name and the deselections (test id pattern -> reason) through
environment variables; the deselected ids and reasons are written back to a JSON file.
"""

from __future__ import annotations

import fnmatch
import json
import os
import sys
import types

import pytest

SUITE = os.environ.get("QMLBENCH_CONFORMANCE_SUITE", "")


# --- substitutes with the reference constructors' signatures -----------------
# (module level, so that pickling a model that holds one works as upstream expects)
from qiskit_machine_learning.utils import algorithm_globals  # noqa: E402

from qmlbench.engine import execution  # noqa: E402
from qmlbench.engine.execution import (  # noqa: E402
    FastEstimator, FastEstimatorGradient, FastSampler)
from qmlbench.engine.kernels import FastKernel  # noqa: E402


class QMLEstimator(FastEstimator):
    """qiskit-ml's QMLEstimator(default_precision=0.0, seed=None) on FastEstimator."""

    def __init__(self, *, default_precision: float = 0.0, seed=None, **_kwargs):
        super().__init__(default_precision=default_precision, seed=seed)
        self._exact_mode = float(default_precision) == 0.0
        self.options = types.SimpleNamespace(default_precision=float(default_precision), seed=seed)

    def run(self, pubs, *, precision=None):
        if not self._exact_mode:
            return super().run(pubs, precision=precision)
        # QMLEstimator's contract: built exact, it ignores any precision asked for at run time
        from qiskit.primitives.containers.estimator_pub import EstimatorPub
        exact = [EstimatorPub(p.circuit, p.observables, p.parameter_values, precision=0.0)
                 for p in (EstimatorPub.coerce(q, 0.0) for q in pubs)]
        return super().run(exact, precision=0.0)


class QMLSampler(FastSampler):
    """qiskit-ml's QMLSampler(shots=None, **StatevectorSampler kwargs): exact when shots is None."""

    def __init__(self, *, shots: int | None = None, **kwargs):
        super().__init__(default_shots=None if shots is None else int(shots),
                         seed=kwargs.get("seed"))
        self.options = types.SimpleNamespace(default_shots=shots)


class ParamShiftEstimatorGradient(FastEstimatorGradient):
    """Exact adjoint gradients where qiskit-ml uses parameter shift by default."""

    def __init__(self, estimator=None, options=None, derivative_type=None, pass_manager=None):
        super().__init__(estimator, options=options)


def _kernel_evaluator(shots):
    if shots is None:
        return None
    return execution.evaluator_for({"shots": int(shots), "seed": algorithm_globals.random_seed})


class FidelityQuantumKernel(FastKernel):
    def __init__(self, *, feature_map=None, fidelity=None, enforce_psd=True,
                 evaluate_duplicates="off_diagonal", max_circuits_per_job=None):
        super().__init__(feature_map, enforce_psd=enforce_psd)


class FidelityStatevectorKernel(FastKernel):
    def __init__(self, *, feature_map=None, statevector_type=None, cache_size=None,
                 auto_clear_cache=True, shots=None, enforce_psd=True):
        super().__init__(feature_map, enforce_psd=enforce_psd, evaluator=_kernel_evaluator(shots))


class TrainableFidelityQuantumKernel(FastKernel):
    def __init__(self, *, feature_map=None, fidelity=None, training_parameters=None,
                 enforce_psd=True, evaluate_duplicates="off_diagonal", max_circuits_per_job=None):
        super().__init__(feature_map, training_parameters=training_parameters,
                         enforce_psd=enforce_psd)


class TrainableFidelityStatevectorKernel(FastKernel):
    def __init__(self, *, feature_map=None, statevector_type=None, training_parameters=None,
                 cache_size=None, auto_clear_cache=True, shots=None, enforce_psd=True):
        super().__init__(feature_map, training_parameters=training_parameters,
                         enforce_psd=enforce_psd, evaluator=_kernel_evaluator(shots))


def _runtime_seed(options):
    sim = getattr(options, "simulator", None)
    seed = getattr(sim, "seed_simulator", None)
    return 0 if seed is None else seed  # a fixed seed: CI must not be flaky


def EstimatorV2(mode=None, options=None):  # noqa: N802 - the runtime class's name
    """qiskit-ibm-runtime's EstimatorV2 in local mode (a fake backend): exact here."""
    return FastEstimator()


def SamplerV2(mode=None, options=None):  # noqa: N802
    """qiskit-ibm-runtime's SamplerV2 in local mode: its default 4096 shots, seeded."""
    shots = options.get("default_shots") if isinstance(options, dict) else \
        getattr(options, "default_shots", None)
    return FastSampler(default_shots=int(shots or 4096), seed=_runtime_seed(options))


def _build():
    return {
        "FastEstimator": FastEstimator, "FastSampler": FastSampler,
        "QMLEstimator": QMLEstimator, "QMLSampler": QMLSampler,
        "ParamShiftEstimatorGradient": ParamShiftEstimatorGradient,
        "FidelityQuantumKernel": FidelityQuantumKernel,
        "FidelityStatevectorKernel": FidelityStatevectorKernel,
        "TrainableFidelityQuantumKernel": TrainableFidelityQuantumKernel,
        "TrainableFidelityStatevectorKernel": TrainableFidelityStatevectorKernel,
        "EstimatorV2": EstimatorV2, "SamplerV2": SamplerV2,
    }


def _runtime_stub(subs):
    """qiskit-ibm-runtime is not installed here: its local-mode names, on qmlbench."""
    try:
        import qiskit_ibm_runtime  # noqa: F401
        return False
    except ImportError:
        pass
    mod = types.ModuleType("qiskit_ibm_runtime")
    opts = types.ModuleType("qiskit_ibm_runtime.options")

    class Session:
        def __init__(self, backend=None, **_kwargs):
            self.backend = backend

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def close(self):
            pass

    class _Options(types.SimpleNamespace):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)

    class EstimatorOptions(_Options):
        pass

    class SamplerOptions(_Options):
        pass

    class SimulatorOptions(_Options):
        pass

    mod.Session = Session
    mod.EstimatorV2 = subs["EstimatorV2"]
    mod.SamplerV2 = subs["SamplerV2"]
    mod.options = opts
    opts.EstimatorOptions = EstimatorOptions
    opts.SamplerOptions = SamplerOptions
    opts.SimulatorOptions = SimulatorOptions
    sys.modules["qiskit_ibm_runtime"] = mod
    sys.modules["qiskit_ibm_runtime.options"] = opts
    return True


def _patch(module_name: str, **names):
    import importlib
    mod = importlib.import_module(module_name)
    for name, value in names.items():
        if not hasattr(mod, name):
            raise AttributeError(f"{module_name}.{name} is gone: the substitution map is stale")
        setattr(mod, name, value)


def _substitute_qiskit(subs):
    _patch("qiskit.primitives", StatevectorEstimator=subs["FastEstimator"],
           StatevectorSampler=subs["FastSampler"])
    _patch("qiskit.primitives.statevector_estimator", StatevectorEstimator=subs["FastEstimator"])
    _patch("qiskit.primitives.statevector_sampler", StatevectorSampler=subs["FastSampler"])


def _substitute_qiskit_ml(subs):
    k = {n: subs[n] for n in ("FidelityQuantumKernel", "FidelityStatevectorKernel",
                              "TrainableFidelityQuantumKernel", "TrainableFidelityStatevectorKernel")}
    _patch("qiskit_machine_learning.primitives", QMLEstimator=subs["QMLEstimator"],
           QMLSampler=subs["QMLSampler"])
    _patch("qiskit_machine_learning.kernels", **k)
    _patch("qiskit_machine_learning.gradients",
           ParamShiftEstimatorGradient=subs["ParamShiftEstimatorGradient"])
    # the defaults qiskit-ml builds inside its own classes
    _patch("qiskit_machine_learning.neural_networks.estimator_qnn", Estimator=subs["QMLEstimator"],
           ParamShiftEstimatorGradient=subs["ParamShiftEstimatorGradient"])
    _patch("qiskit_machine_learning.neural_networks.sampler_qnn", Sampler=subs["QMLSampler"])
    _patch("qiskit_machine_learning.kernels.fidelity_quantum_kernel", Sampler=subs["QMLSampler"])
    for mod in ("qiskit_machine_learning.algorithms.classifiers.qsvc",
                "qiskit_machine_learning.algorithms.regressors.qsvr",
                "qiskit_machine_learning.algorithms.classifiers.pegasos_qsvc",
                "qiskit_machine_learning.kernels.algorithms.quantum_kernel_trainer"):
        import importlib
        m = importlib.import_module(mod)
        for name, cls in k.items():
            if hasattr(m, name):
                setattr(m, name, cls)


def pytest_configure(config):
    subs = _build()
    config._qmlbench_runtime_stub = _runtime_stub(subs)
    if SUITE == "qiskit":
        _substitute_qiskit(subs)
    elif SUITE == "qiskit-machine-learning":
        _substitute_qiskit_ml(subs)
    else:
        raise pytest.UsageError(f"QMLBENCH_CONFORMANCE_SUITE={SUITE!r}: expected 'qiskit' or "
                                f"'qiskit-machine-learning'")
    config._qmlbench_subs = subs


def _deselections():
    path = os.environ.get("QMLBENCH_CONFORMANCE_DESELECT")
    if not path:
        return {}
    with open(path) as fh:
        return json.load(fh)


def _patch_runtime_names(items):
    """Where the real qiskit-ibm-runtime is installed, its primitives were imported by name
    into the upstream modules: swap those names for qmlbench's after import."""
    runtime = sys.modules.get("qiskit_ibm_runtime")
    if runtime is None or getattr(runtime, "__file__", None) is None:  # absent, or our stub
        return
    for mod in {getattr(item, "module", None) for item in items} - {None}:
        for name in ("EstimatorV2", "SamplerV2"):
            if getattr(mod, name, None) is getattr(runtime, name, object()):
                setattr(mod, name, globals()[name])


def pytest_collection_modifyitems(session, config, items):
    _patch_runtime_names(items)
    rules = _deselections()
    kept, dropped, record = [], [], {}
    for item in items:
        reason = next((r for pat, r in rules.items() if fnmatch.fnmatchcase(item.nodeid, pat)), None)
        if reason is None:
            kept.append(item)
        else:
            dropped.append(item)
            record[item.nodeid] = reason
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
    out = os.environ.get("QMLBENCH_CONFORMANCE_DESELECTED_OUT")
    if out:
        unused = [pat for pat in rules if not any(fnmatch.fnmatchcase(i, pat) for i in record)]
        with open(out, "w") as fh:
            json.dump({"deselected": record, "unused_patterns": unused}, fh, indent=1)
