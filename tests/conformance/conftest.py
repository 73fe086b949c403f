"""Conformance layer: tests nobody here wrote, run against qmlbench's primitives.

At test time the sdists of the *installed* qiskit and qiskit-machine-learning are
fetched with ``pip download --no-deps --no-binary :all:`` into
``~/.cache/qmlbench-conformance/`` (``QMLBENCH_CONFORMANCE_CACHE`` overrides; a
cached sdist is reused), the upstream test files below are extracted next to
them (never into this repository), and each suite runs once in a pytest
subprocess with the plugin ``qmlbench_substitutes.py``, which puts qmlbench's
``FastEstimator``, ``FastSampler``, ``FastEstimatorGradient`` and ``FastKernel``
in place of the reference classes.  ``test_upstream.py`` then asserts, per
upstream module, that nothing failed, and prints each failure's upstream
traceback.  The pass/fail/deselected counts of each suite are printed at the
end of the run and written to ``<cache>/summary.json``.

Deselections are listed here, one reason each.  "qmlbench bug: ..." marks an
upstream test that fails because of a qmlbench defect being fixed elsewhere:
re-enable it (delete the line) with the fix.
"""

from __future__ import annotations

import json

import pytest

import upstream_suites
from upstream_suites import SuiteRun, cache_dir


#: upstream test modules run, per distribution (paths inside the sdist)
SUITES: dict[str, list[str]] = {
    "qiskit": [
        "test/python/primitives/test_statevector_estimator.py",
        "test/python/primitives/test_statevector_sampler.py",
    ],
    "qiskit-machine-learning": [
        "test/neural_networks/test_estimator_qnn.py",
        "test/neural_networks/test_sampler_qnn.py",
        "test/gradients/test_estimator_gradient.py",
        "test/gradients/test_sampler_gradient.py",
        "test/algorithms/classifiers/test_vqc.py",
        "test/algorithms/regressors/test_vqr.py",
        "test/algorithms/classifiers/test_neural_network_classifier.py",
        "test/algorithms/regressors/test_neural_network_regressor.py",
        "test/kernels/test_fidelity_qkernel.py",
        "test/kernels/test_fidelity_statevector_kernel.py",
        "test/kernels/test_trainable_fidelity_qkernel.py",
        "test/algorithms/classifiers/test_qsvc.py",
        "test/algorithms/classifiers/test_fidelity_quantum_kernel_qsvc.py",
        "test/algorithms/regressors/test_qsvr.py",
        "test/algorithms/regressors/test_fidelity_quantum_kernel_qsvr.py",
        "test/algorithms/classifiers/test_pegasos_qsvc.py",
        "test/algorithms/classifiers/test_fidelity_quantum_kernel_pegasos_qsvc.py",
        "test/kernels/algorithms/test_fidelity_qkernel_trainer.py",
    ],
}

#: support files the modules import (every package __init__.py on the way is added)
SUPPORT: dict[str, list[str]] = {
    "qiskit": ["test/utils/"],
    "qiskit-machine-learning": [
        "test/machine_learning_test_case.py", "test/algorithms_test_case.py",
        "test/decorators.py", "test/gradients/logging_primitives.py",
    ],
}

#: upstream test id pattern (fnmatch, relative to the suite root) -> why it does not run here
DESELECT: dict[str, dict[str, str]] = {
    "qiskit": {
        "*test_statevector_sampler.py::*::test_run_errors":
            "FastSampler runs control flow on Aer by design where StatevectorSampler raises "
            "QiskitError; the other subtests are re-run in tests/engine/test_fast_sampler.py",
    },
    "qiskit-machine-learning": {
        # internals of the reference classes that a drop-in need not have
        "*test_fidelity_qkernel.py::TestDuplicates::*":
            "counts the circuits a counting sampler gets; FastKernel builds no fidelity circuits",
        "*test_fidelity_qkernel.py::TestFidelityQuantumKernel::test_properties":
            "inspects .fidelity / .evaluate_duplicates / .max_circuits_per_job, which FastKernel lacks",
        "*test_fidelity_qkernel.py::TestFidelityQuantumKernel::test_exceptions":
            "validates FidelityQuantumKernel-only arguments (evaluate_duplicates, max_circuits_per_job)",
        "*test_fidelity_qkernel.py::TestFidelityQuantumKernel::test_enforce_psd":
            "injects a mock fidelity object (-0.5 everywhere); FastKernel computes fidelities itself",
        "*test_fidelity_statevector_kernel.py::TestStatevectorKernel::test_enforce_psd":
            "patches the internal _add_shot_noise, which FastKernel does not have",
        "*test_fidelity_statevector_kernel.py::TestStatevectorKernel::test_statevector_cache":
            "inspects the internal _get_statevector cache",
        "*test_fidelity_statevector_kernel.py::TestStatevectorKernel::test_pickling":
            "calls __setstate__ and compares the internal _get_statevector caches (its "
            "pickle.dumps/loads of the kernel passes before that)",
        "*test_fidelity_statevector_kernel.py::TestStatevectorKernelDuplicates::*":
            "mocks the internal _compute_kernel_entry to count calls",
        "*test_fidelity_statevector_kernel.py::TestStatevectorKernel::test_with_shot_noise":
            "asserts the exact draws of qiskit-ml's own RNG stream (10 shots); FastKernel's "
            "shot noise is seeded but is another stream",
        # run-time budget (the layer must stay within minutes on 2 cores)
        "*test_vqc.py::TestVQC::test_VQC_*None___[bmn]*____runtime_sampler__":
            "budget: the 21 runtime-sampler cases with no optimizer (+3 upstream skips anyway) "
            "run SLSQP to convergence on 10000-shot counts (~13 min, mostly in qiskit's "
            "BitArray.get_counts); the 24 with COBYLA and all 48 QMLSampler cases run",
    },
}

_RUNS: dict[str, SuiteRun] = {}


@pytest.fixture(scope="session")
def upstream(tmp_path_factory):
    """``upstream(dist) -> SuiteRun``: the suite's one subprocess run, done on first use."""
    def get(dist: str) -> SuiteRun:
        if dist not in _RUNS:
            _RUNS[dist] = upstream_suites.run_suite(dist, tmp_path_factory.mktemp(f"upstream-{dist}"),
                                                    SUITES, SUPPORT, DESELECT)
        return _RUNS[dist]
    return get


def pytest_generate_tests(metafunc):
    if "upstream_module" in metafunc.fixturenames:
        pairs = [(d, m) for d, modules in SUITES.items() for m in modules]
        metafunc.parametrize("upstream_dist,upstream_module", pairs,
                             ids=[f"{d}:{m.rsplit('/', 1)[-1][:-3]}" for d, m in pairs])
    elif "upstream_dist" in metafunc.fixturenames:
        metafunc.parametrize("upstream_dist", list(SUITES))


@pytest.fixture
def deselect_rules():
    return DESELECT


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not _RUNS:
        return
    tr = terminalreporter
    tr.section("conformance: upstream suites on qmlbench's primitives")
    summary = {}
    for dist, run in _RUNS.items():
        totals = {o: run.count(o) for o in ("passed", "failed", "skipped")}
        totals["deselected"] = len(run.deselected)
        tr.write_line(f"{dist} {run.version}: {totals['passed']} passed, {totals['failed']} failed, "
                      f"{totals['skipped']} skipped, {totals['deselected']} deselected "
                      f"({run.seconds:.0f} s)")
        for module, c in run.modules.items():
            tr.write_line(f"    {module}: {c['passed']} passed, {c['failed']} failed, "
                          f"{c['skipped']} skipped, {c['deselected']} deselected")
        summary[dist] = {"version": run.version, "seconds": round(run.seconds, 1), **totals,
                         "modules": run.modules, "deselected_ids": run.deselected,
                         "failed_ids": sorted(t for t, (o, _) in run.cases.items() if o == "failed")}
    try:
        cache_dir().mkdir(parents=True, exist_ok=True)
        (cache_dir() / "summary.json").write_text(json.dumps(summary, indent=1))
    except OSError:
        pass
