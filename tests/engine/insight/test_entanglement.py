"""Entangling capability (mean Meyer-Wallach Q) against exact values.

GHZ and product states are exact (Q = 1 and 0 for every sample).  For Haar states
E[Q] = (2^n - 2)/(2^n + 1); the sample mean of S independent Q's lies within 5 σ̂/√S of
it (σ̂ the sample standard deviation; a false failure has probability below 1e-6).
"""

import math

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import ParameterVector

import qmlbench as qb
from qmlbench.engine.insight import (entangling_capability, haar_meyer_wallach, meyer_wallach,
                                     single_qubit_purities)

from insight_haar import haar_states, prep_two_qubits


@pytest.mark.parametrize("n", [2, 3, 5])
def test_ghz_has_q_one(n):
    qc = QuantumCircuit(n)
    qc.h(0)
    for q in range(n - 1):
        qc.cx(q, q + 1)
    res = entangling_capability(qc, samples=10)
    assert res.value == pytest.approx(1.0, abs=1e-12)
    assert res.stderr == pytest.approx(0.0, abs=1e-12)


def test_product_states_have_q_zero():
    x = ParameterVector("θ", 8)
    qc = QuantumCircuit(4)
    for q in range(4):
        qc.ry(x[2 * q], q)
        qc.rz(x[2 * q + 1], q)
    res = entangling_capability(qc, samples=500)
    assert res.value == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(res.purities, 1.0, atol=1e-12)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_haar_states_average_the_haar_value(n):
    S = 4000
    q = meyer_wallach(haar_states(2 ** n, S, seed=n))
    tol = 5 * q.std(ddof=1) / math.sqrt(S) + 1e-12
    assert abs(q.mean() - haar_meyer_wallach(n)) <= tol


def test_haar_states_through_the_circuit_path(haar_two_qubit_inputs):
    S = 5000
    res = entangling_capability(prep_two_qubits(), samples=S, inputs=haar_two_qubit_inputs, seed=2)
    assert res.haar == pytest.approx(0.4)
    assert abs(res.value - 0.4) <= 5 * res.std / math.sqrt(S)
    assert res.stderr == pytest.approx(res.std / math.sqrt(S))


def test_purities_follow_qiskit_partial_trace():
    from qiskit.quantum_info import Statevector, partial_trace

    psi = haar_states(8, 3, seed=0)
    got = single_qubit_purities(psi)
    for b in range(3):
        sv = Statevector(psi[b])
        for k in range(3):
            rho = partial_trace(sv, [i for i in range(3) if i != k])
            assert got[b, k] == pytest.approx(float(np.real(rho.purity())), abs=1e-12)


def test_q_rises_with_depth():
    lo = entangling_capability(qb.circuits.ansatz("real_amplitudes", 3, reps=1), samples=2000)
    hi = entangling_capability(qb.circuits.ansatz("real_amplitudes", 3, reps=4), samples=2000)
    assert hi.value - lo.value > 5 * math.hypot(lo.stderr, hi.stderr)


def test_checks_and_json():
    with pytest.raises(qb.SpecError, match="samples"):
        entangling_capability(QuantumCircuit(2), samples=1)
    with pytest.raises(qb.CapacityError, match="limit"):
        entangling_capability(QuantumCircuit(25))
    res = entangling_capability(qb.circuits.ansatz("efficient_su2", 2, reps=1), samples=100)
    back = type(res).from_dict(res.to_dict())
    assert back.value == res.value
    np.testing.assert_allclose(back.histogram, res.histogram)


@pytest.mark.parametrize("n", [1, 2])
def test_a_product_circuit_scores_exactly_zero_not_round_off(n):
    # the Inside badge read "entanglement Q 7.14e-16 ± 3e-17" for the one-qubit
    # re-uploading preset: round-off of a Q that is 0 by construction
    p = ParameterVector("t", 2 * n)
    qc = QuantumCircuit(n)
    for q in range(n):
        qc.ry(p[2 * q], q)
        qc.rz(p[2 * q + 1], q)
    res = entangling_capability(qc, samples=200)
    assert res.value == 0.0 and res.stderr == 0.0
