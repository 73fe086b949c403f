"""Every noisy value against Aer's density-matrix simulator with the same NoiseModel.

The fast path (batched density matrices in ``sim.density``) and Aer share nothing but the
circuit and ``NoisePlan.noise_model()``: Aer attaches its QuantumErrors to the gates by
name and simulates; the fast path reads each error's superoperator.  Every registry feature
map and ansatz at several widths and strengths, every noise model, must agree to 1e-10.
Gradients: for the ansatze every parameter is one rotation angle, so the two-term
parameter-shift rule holds exactly under noise (a rotation followed by a fixed channel is
still a sinusoid of period 2π in its angle) and Aer's shifted values are the reference.
"""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.quantum_info import SparsePauliOp

import qmlbench as qb
from qmlbench.engine import execution

TOL = 1e-10

MODELS = [
    {"model": "depolarizing", "p1": 0.02, "p2": 0.05},
    {"model": "depolarizing", "p1": 0.2, "p2": 0.5},
    {"model": "amplitude_damping", "gamma1": 0.03, "gamma2": 0.1},
    {"model": "thermal_relaxation", "t1": 50.0, "t2": 70.0, "time1": 1.0, "time2": 4.0},
    {"model": "depolarizing", "p1": 0.05, "p2": 0.1, "p01": 0.02, "p10": 0.07},
    {"model": "backend", "num_qubits": 4, "seed": 11},
]
WIDTHS = [2, 3, 4]

#: the largest deviation seen, reported by the last test
DEVIATIONS: list[float] = []


def _observables(n):
    rng = np.random.default_rng(n)
    labels = ["".join(rng.choice(list("IXYZ"), n)) for _ in range(3)]
    return [SparsePauliOp("Z" * n),
            SparsePauliOp.from_list([(lab, float(c)) for lab, c in zip(labels, rng.normal(size=3))]
                                    + [("I" * (n - 1) + "X", 0.4)])]


def _circuits(n):
    for name in qb.circuits.FEATURE_MAPS:
        yield f"fm:{name}", qb.circuits.feature_map(name, num_qubits=n, reps=2)
    for name in qb.circuits.ANSATZE:
        yield f"ansatz:{name}", qb.circuits.ansatz(name, num_qubits=n, reps=2)


CASES = [(n, label, m) for n in WIDTHS for label, _ in _circuits(n) for m in range(len(MODELS))]


@pytest.mark.parametrize("n,label,m", CASES, ids=[f"{n}q-{lab}-{m}" for n, lab, m in CASES])
def test_noisy_expectation_values_equal_aers_density_matrix(n, label, m):
    circuit = dict(_circuits(n))[label]
    ev = execution.evaluator_for({"noise": MODELS[m]})
    values = np.random.default_rng([n, m]).uniform(-np.pi, np.pi, (4, circuit.num_parameters))
    obs = _observables(n)
    fast = ev.expectation_values(circuit, obs, values)
    assert ev.path == execution.PATH_DENSITY
    aer = ev.aer_noisy_expectation_values(circuit, obs, values)
    dev = float(np.abs(fast - aer).max())
    DEVIATIONS.append(dev)
    assert dev < TOL, (label, MODELS[m])


@pytest.mark.parametrize("n", [2, 3])
@pytest.mark.parametrize("m", [0, 3, 5])
@pytest.mark.parametrize("name", ["real_amplitudes", "efficient_su2", "random_pauli"])
def test_noisy_gradients_equal_parameter_shift_on_aer(name, m, n):
    circuit = qb.circuits.ansatz(name, num_qubits=n, reps=2)
    ev = execution.evaluator_for({"noise": MODELS[m]})
    values = np.random.default_rng([n, m, 7]).uniform(-np.pi, np.pi, (3, circuit.num_parameters))
    obs = _observables(n)[1]
    grads = ev.gradients(circuit, obs, values)
    P = circuit.num_parameters
    shifted = np.repeat(values, 2 * P, axis=0).reshape(3, 2 * P, P)
    for j in range(P):
        shifted[:, 2 * j, j] += np.pi / 2
        shifted[:, 2 * j + 1, j] -= np.pi / 2
    aer = ev.aer_noisy_expectation_values(circuit, obs, shifted.reshape(-1, P)).reshape(3, 2 * P)
    ref = 0.5 * (aer[:, 0::2] - aer[:, 1::2])
    dev = float(np.abs(grads - ref).max())
    DEVIATIONS.append(dev)
    assert dev < TOL


@pytest.mark.parametrize("m", [0, 2, 5])
def test_noisy_density_matrices_and_probabilities_equal_aers(m):
    from qmlbench.engine.execution import noisy

    circuit = qb.circuits.feature_map("zz", num_qubits=3, reps=2)
    ev = execution.evaluator_for({"noise": MODELS[m]})
    values = np.random.default_rng(m).uniform(0, np.pi, (5, 3))
    rho = ev.density_matrices(circuit, values)
    ref = noisy.aer_densities(ev.noise_plan, circuit, values)
    assert np.abs(rho - ref).max() < TOL
    probs = ev.probabilities(circuit, values)
    assert np.abs(probs - noisy.aer_probabilities(ev.noise_plan, circuit, values)).max() < TOL
    DEVIATIONS.append(float(np.abs(rho - ref).max()))


def test_a_circuit_the_fast_path_cannot_compile_falls_back_to_aer_with_the_noise():
    from qiskit import QuantumCircuit
    from qiskit.circuit import Parameter

    a = Parameter("a")
    qc = QuantumCircuit(2)
    qc.ry(a, 0)
    qc.cx(0, 1)
    qc.reset(1)  # not a gate: the density path refuses, Aer takes it
    qc.ry(a, 1)
    ev = execution.evaluator_for({"noise": MODELS[0]})
    with pytest.warns(RuntimeWarning, match="density-matrix path"):
        got = ev.expectation_values(qc, "ZZ", [[0.7]])
    assert ev.path == execution.PATH_AER_NOISY and "reset" in ev.fallback_reason
    assert np.isfinite(got).all()


def test_agreement_figures():
    """Prints the largest deviation over the cases above (run after them)."""
    if not DEVIATIONS:
        pytest.skip("run with the comparison tests")
    print(f"\nnoisy vs Aer: max abs deviation {max(DEVIATIONS):.2e} over {len(DEVIATIONS)} cases")
    assert max(DEVIATIONS) < TOL
