"""The noisy paths: exact batched density matrices (fast, :mod:`..sim.density`) in chunks
that fit the memory budget, and Aer's density-matrix simulator with the same NoiseModel
(the fallback for circuits the fast path cannot compile, and the reference in tests).

Both run the circuit :meth:`~.noise.NoisePlan.transpiled` writes (Aer's gates, final
measurements off), so the channels follow the same gates on both paths.
"""

from __future__ import annotations

import threading

import numpy as np

from .. import limits, sim
from ..errors import QmlbenchError
from .aer import measurements_as_dephasing
from .noise import NoisePlan

_lock = threading.Lock()
_programs: dict = {}
_MAX_PROGRAMS = 128


def flat_circuit(plan: NoisePlan, circuit):
    key = sim.circuit_key(circuit)
    cache_key = None if key is None else ("flat", plan.key, key)
    if cache_key is not None:
        with _lock:
            hit = _programs.get(cache_key)
        if hit is not None:
            return hit
    flat = plan.transpiled(circuit)
    if cache_key is not None:
        with _lock:
            _remember(cache_key, flat)
    return flat


def _remember(key, value):
    if len(_programs) >= _MAX_PROGRAMS:
        _programs.pop(next(iter(_programs)))
    _programs[key] = value


def program(plan: NoisePlan, circuit, redraw_axes: bool = False) -> sim.DensityProgram:
    """The density program of ``circuit`` under ``plan`` (cached by circuit structure and
    noise setting); raises :class:`~..sim.UnsupportedCircuit` when the fast path cannot run it."""
    key = sim.circuit_key(circuit)
    cache_key = None if key is None else ("prog", plan.key, redraw_axes, key)
    if cache_key is not None:
        with _lock:
            hit = _programs.get(cache_key)
        if hit is not None:
            return hit
    prog = sim.compile_density(flat_circuit(plan, circuit), plan.superop, redraw_axes)
    if cache_key is not None:
        with _lock:
            _remember(cache_key, prog)
    return prog


def _chunks(rows, n, copies):
    step = sim.rows_per_chunk(n, copies, limits.MEMORY_BUDGET_BYTES)
    for start in range(0, rows, step):
        yield slice(start, min(start + step, rows))


def _part(axes, sl):
    return None if axes is None else axes[sl]


def compiled_observables(plan: NoisePlan, ops, n):
    """Observables for the density path, readout errors folded in (see :mod:`.noise`)."""
    out = []
    for o in ops:
        if isinstance(o, sim.DenseObservable):
            if plan.has_readout:
                if o.diag is None:
                    raise QmlbenchError(
                        "observable: a dense non-diagonal observable cannot be read through a "
                        "readout error (it has no measurement basis); pass a SparsePauliOp")
                o = sim.DenseObservable(n, diag=plan.readout_diagonal(o.diag, n))
            out.append(o)
        else:
            out.append(sim.compile_observable(plan.readout_observable(o, n)))
    return out


def expectations(plan, prog, ops, arr, axes=None):
    n = prog.num_qubits
    obs = compiled_observables(plan, ops, n)
    res = np.empty((arr.shape[0], len(ops)))
    for sl in _chunks(arr.shape[0], n, 3):
        rho = sim.evolve(prog, arr[sl], _part(axes, sl))
        for k, o in enumerate(obs):
            res[sl, k] = sim.density_expectation(o, rho, n)[0]
    return res


def gradients(plan, prog, ops, arr, wrt, axes=None):
    n = prog.num_qubits
    obs = compiled_observables(plan, ops, n)
    grads = np.empty((arr.shape[0], len(ops), len(wrt)))
    per = limits.bytes_per_density(n)
    group = max(1, int(limits.MEMORY_BUDGET_BYTES // (2 * per)) - 2)
    for g0 in range(0, len(wrt), group):
        cols = list(wrt[g0:g0 + group])
        for sl in _chunks(arr.shape[0], n, 2 * (1 + len(cols)) + 1):
            rho = sim.evolve_with_tangents(prog, arr[sl], cols, _part(axes, sl))
            for k, o in enumerate(obs):
                grads[sl, k, g0:g0 + len(cols)] = sim.density_expectation(o, rho, n)[1:].T
    return grads


def densities(prog, arr, axes=None):
    n = prog.num_qubits
    out = np.empty((arr.shape[0], 2 ** n, 2 ** n), dtype=complex)
    for sl in _chunks(arr.shape[0], n, 3):
        out[sl] = sim.density_matrices(sim.evolve(prog, arr[sl], _part(axes, sl)), n)
    return out


def probabilities(plan, prog, arr):
    n = prog.num_qubits
    d = 2 ** n
    out = np.empty((arr.shape[0], d))
    idx = np.arange(d)
    for sl in _chunks(arr.shape[0], n, 3):
        rho = sim.evolve(prog, arr[sl])
        out[sl] = np.real(rho.reshape(d, d, *rho.shape[1:])[idx, idx, 0, :]).T
    return plan.readout_probabilities(out, n)


# --- Aer, with the same NoiseModel ----------------------------------------------------------

def _aer_run(plan, circuit, arr, save):
    from qiskit_aer import AerSimulator

    circ = measurements_as_dephasing(flat_circuit(plan, circuit))
    save(circ)
    backend = AerSimulator(method="density_matrix", noise_model=plan.noise_model())
    params = list(circ.parameters)
    binds = [{p: arr[:, i].tolist() for i, p in enumerate(params)}] if params else None
    res = backend.run(circ, parameter_binds=binds).result()
    rows = arr.shape[0] if params else 1
    return res, rows, bool(params)


def aer_expectations(plan: NoisePlan, circuit, ops, arr) -> np.ndarray:
    """``(B, K)`` noisy expectation values from Aer's density-matrix method with
    ``plan.noise_model()``; readout errors folded into the observables as on the fast path."""
    n = circuit.num_qubits
    paulis = []
    for o in ops:
        if isinstance(o, sim.DenseObservable):
            if o.diag is not None:
                o = sim.DenseObservable(n, diag=plan.readout_diagonal(o.diag, n))
            paulis.append(o.to_sparse_pauli_op())
        else:
            paulis.append(plan.readout_observable(o, n))

    def save(circ):
        for k, op in enumerate(paulis):
            circ.save_expectation_value(op, range(circ.num_qubits), label=f"ev{k}")

    res, rows, many = _aer_run(plan, circuit, arr, save)
    out = np.array([[np.real(res.data(i)[f"ev{k}"]) for k in range(len(paulis))]
                    for i in range(rows)], dtype=float)
    return out if many else np.repeat(out, arr.shape[0], axis=0)


def aer_densities(plan: NoisePlan, circuit, arr) -> np.ndarray:
    res, rows, many = _aer_run(plan, circuit, arr, lambda c: c.save_density_matrix(label="rho"))
    out = np.stack([np.asarray(res.data(i)["rho"], dtype=complex) for i in range(rows)])
    return out if many else np.repeat(out, arr.shape[0], axis=0)


def aer_probabilities(plan: NoisePlan, circuit, arr) -> np.ndarray:
    res, rows, many = _aer_run(plan, circuit, arr, lambda c: c.save_probabilities(label="p"))
    out = np.stack([np.asarray(res.data(i)["p"], dtype=float) for i in range(rows)])
    out = plan.readout_probabilities(out, circuit.num_qubits)
    return out if many else np.repeat(out, arr.shape[0], axis=0)


def aer_trajectory_estimator(plan: NoisePlan, shots, seed):
    """Aer's V2 estimator sampling ``shots`` noisy statevector trajectories per row (for
    circuits too wide for density matrices)."""
    from qiskit_aer.primitives import EstimatorV2

    run = {"shots": int(shots)}
    if seed is not None:
        run["seed_simulator"] = seed
    return EstimatorV2(options={"default_precision": 0.0, "run_options": run,
                                "backend_options": {"method": "statevector",
                                                    "noise_model": plan.noise_model()}})


__all__ = ["aer_densities", "aer_expectations", "aer_probabilities", "aer_trajectory_estimator",
           "compiled_observables", "densities", "expectations", "flat_circuit", "gradients",
           "probabilities", "program"]
