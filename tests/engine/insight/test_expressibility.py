"""Expressibility against exact values.

Tolerances follow from the sample count S (never tuned).  The estimator
KL_hat = sum_j p_j ln(p_j / q_j) of multinomial bin frequencies p_j has
    E[KL_hat]  computed exactly: a sum over bins of binomial expectations (``expected_kl``),
    Var[KL_hat] ≈ Var_p[ln(p/q)] / S            (delta method, first order)
               + (K - 1) / (2 S^2)               (second order: 2 S KL_hat ~ χ²_{K-1} near p = q),
with K the bins of positive probability (counting all of them over-states the second term,
which errs on the safe side).  Each check allows 5 standard deviations (a false failure has
probability below 1e-6 for a normal estimator).
"""

import math

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter

import qmlbench as qb
from qmlbench.engine.insight import (expected_kl, expressibility, haar_bin_log_masses,
                                     haar_bin_masses, idle_value, kl_divergence)

from insight_haar import euler_one_qubit, haar_one_qubit_angles, haar_states, prep_angles, prep_two_qubits


def sigma(p, log_q, samples):
    on = p > 0
    g = np.log(p[on]) - log_q[on]
    first = (np.sum(p[on] * g ** 2) - np.sum(p[on] * g) ** 2) / samples
    return math.sqrt(first + (on.sum() - 1) / (2 * samples ** 2))


@pytest.mark.parametrize("num_qubits,bins", [(1, 75), (4, 75), (4, 20), (16, 75)])
def test_idle_circuit_scores_the_closed_form(num_qubits, bins):
    """Every fidelity is 1, so the histogram is one spike in the last bin, whose Haar mass is
    (1/bins)^(N-1): KL = (N - 1) ln(bins), with no sampling noise.  At 16 qubits the Haar
    masses of the other bins are below 1e-308 (they underflow unless taken in log space)."""
    res = expressibility(QuantumCircuit(num_qubits), samples=4 if num_qubits == 16 else 200,
                         bins=bins)
    exact = (2 ** num_qubits - 1) * math.log(bins)
    assert res.value == pytest.approx(exact, rel=1e-12)
    assert res.idle == pytest.approx(exact, rel=1e-12)
    assert res.stderr == 0.0
    assert res.histogram[-1] == 1.0


def test_haar_bin_masses_sum_to_one_and_stay_finite_in_log_space():
    for n in (1, 2, 5, 10, 16, 20):
        log_q = haar_bin_log_masses(n, 75)
        assert np.all(np.isfinite(log_q)), n
        assert np.exp(log_q).sum() == pytest.approx(1.0, abs=1e-12)
    # 16 qubits: bin 2's mass is about exp(-65535 * ln(75/74)) ≈ e^-880, not 0
    assert haar_bin_log_masses(16, 75)[1] < -700
    assert haar_bin_masses(2, 4) == pytest.approx([1 - 0.75 ** 3, 0.75 ** 3 - 0.5 ** 3,
                                                   0.5 ** 3 - 0.25 ** 3, 0.25 ** 3])


def rx_exact_bins(bins):
    """RX(θ)|0> with θ, φ uniform: F = cos²((θ-φ)/2), and θ-φ (mod 2π) is uniform, so F = cos² u
    with u uniform on [0, π): P(F <= f) = (2/π) arcsin(√f) (the arcsine law)."""
    e = np.linspace(0, 1, bins + 1)
    return (2 / np.pi) * (np.arcsin(np.sqrt(e[1:])) - np.arcsin(np.sqrt(e[:-1])))


def test_single_qubit_single_angle_circuit_matches_its_exact_75_bin_value():
    """Exact 75-bin value: sum_j p_j ln(75 p_j) with the arcsine-law bin masses p_j and the
    one-qubit Haar masses 1/75: 0.19612017310825.  With S = 20000 pairs the estimator's
    exact expectation sits (K-1)/(2S) ≈ 0.0018 above it; the measured value must lie within
    5σ (σ ≈ 0.0033, the formula in the module docstring at the exact p) of that expectation."""
    p = rx_exact_bins(75)
    log_q = haar_bin_log_masses(1, 75)
    exact = kl_divergence(p, log_q)
    assert exact == pytest.approx(0.19612017310825028, rel=1e-12)
    theta = Parameter("θ")
    qc = QuantumCircuit(1)
    qc.rx(theta, 0)
    S = 20000
    res = expressibility(qc, samples=S, bins=75, seed=3)
    mean = expected_kl(p, log_q, S)
    assert 0 < mean - exact < 76 / (2 * S)
    assert abs(res.value - mean) < 5 * sigma(p, log_q, S)
    # the reported stderr estimates the same σ from the histogram
    assert res.stderr == pytest.approx(sigma(p, log_q, S), rel=0.2)


def test_haar_states_on_one_qubit_score_the_haar_floor():
    """Exactly Haar states (polar angle with uniform cosine) through the feature-map path
    (inputs drawn from R = 50 S data rows: a pair repeats a row with probability 1/R, so
    0.02 pairs are expected to do so in all, a shift far below σ).  Expected value: ``.haar``,
    the exact expectation under Haar bin masses; tolerance 5σ with σ² = (K-1)/(2S²)."""
    S = 10000
    rows = haar_one_qubit_angles(50 * S, seed=5)
    res = expressibility(euler_one_qubit(), samples=S, inputs=rows, seed=1)
    log_q = haar_bin_log_masses(1, 75)
    assert res.inputs == "dataset"
    assert res.haar == pytest.approx(expected_kl(np.exp(log_q), log_q, S))
    assert abs(res.value - res.haar) < 5 * math.sqrt(74 / (2 * S ** 2))


def test_haar_states_on_two_qubits_from_qiskit_random_statevector(haar_two_qubit_inputs):
    """qiskit's ``random_statevector`` states, prepared by a six-angle circuit (checked state by
    state against qiskit's Statevector), fed as data rows: KL within 5σ of the Haar floor."""
    from qiskit.quantum_info import Statevector

    qc = prep_two_qubits()
    states = haar_states(4, 5, seed=2)
    for psi, angles in zip(states, prep_angles(states)):
        got = Statevector(qc.assign_parameters(angles)).data
        assert abs(np.vdot(got, psi)) ** 2 == pytest.approx(1.0, abs=1e-12)
    S = 10000
    res = expressibility(qc, samples=S, inputs=haar_two_qubit_inputs, seed=4)
    assert abs(res.value - res.haar) < 5 * math.sqrt(74 / (2 * S ** 2))
    assert res.mean_fidelity == pytest.approx(0.25, abs=5 * math.sqrt(3 / 80 / S))


def test_direct_haar_fidelities_score_the_haar_floor():
    """The divergence computation alone, on fidelities of qiskit random_statevector pairs
    of three qubits (N = 8): within 5σ of the exact expectation under Haar."""
    S = 5000
    a, b = haar_states(8, S, seed=8), haar_states(8, S, seed=9)
    f = np.abs(np.einsum("bi,bi->b", a.conj(), b)) ** 2
    p = np.bincount(np.minimum((f * 75).astype(int), 74), minlength=75) / S
    log_q = haar_bin_log_masses(3, 75)
    mean = expected_kl(np.exp(log_q), log_q, S)
    assert abs(kl_divergence(p, log_q) - mean) < 5 * math.sqrt(74 / (2 * S ** 2))


def test_expressibility_falls_with_depth_and_is_reproducible():
    """Sim et al.'s trend: more repetitions, a closer match to Haar (real amplitudes, 3 qubits:
    1 and 4 repetitions differ by more than 5 combined standard errors)."""
    vals = [expressibility(qb.circuits.ansatz("real_amplitudes", 3, reps=r), samples=10000)
            for r in (1, 4)]
    assert vals[0].value - vals[1].value > 5 * math.hypot(vals[0].stderr, vals[1].stderr)
    again = expressibility(qb.circuits.ansatz("real_amplitudes", 3, reps=1), samples=10000)
    assert again.value == vals[0].value


def test_fixed_inputs_measure_the_ansatz_after_the_feature_map():
    fm = qb.circuits.feature_map("zz", 2, reps=1)
    an = qb.circuits.ansatz("real_amplitudes", 2, reps=1)
    res = expressibility(qb.circuits.compose(fm, an), samples=500, inputs=[0.3, 0.7])
    assert res.inputs == "fixed"
    assert res.idle > res.value > 0


def test_arguments_are_checked_with_their_names():
    qc = qb.circuits.ansatz("real_amplitudes", 2, reps=1)
    with pytest.raises(qb.SpecError, match="samples"):
        expressibility(qc, samples=0)
    with pytest.raises(qb.SpecError, match="bins"):
        expressibility(qc, bins=2.5)
    with pytest.raises(qb.SpecError, match="seed"):
        expressibility(qc, seed=-1)
    with pytest.raises(qb.SpecError, match="circuit"):
        expressibility("real_amplitudes")
    with pytest.raises(qb.DataError, match="inputs"):
        expressibility(qb.circuits.feature_map("zz", 2), inputs=np.zeros((3, 5)))
    with pytest.raises(qb.CapacityError, match="limit is 24 qubits"):
        expressibility(QuantumCircuit(30))


def test_result_round_trips_through_json():
    res = expressibility(qb.circuits.ansatz("real_amplitudes", 2, reps=1), samples=200)
    back = type(res).from_json(res.to_json())
    assert back.value == res.value and back.bins == 75
    np.testing.assert_allclose(back.histogram, res.histogram)
    assert 0 < res.relative < 1
    assert idle_value(2, 75) == res.idle
