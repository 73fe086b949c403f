"""The Hamiltonian-evolution feature map (Huang et al. 2021; Bowles et al.'s projected kernel)
against the evolution it stands for."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.quantum_info import SparsePauliOp, Statevector
from scipy.linalg import expm

import qmlbench as qb


@pytest.mark.parametrize("n,reps,t", [(3, 1, 0.4), (4, 2, 0.1)])
def test_heisenberg_map_is_the_trotterised_ring_evolution(n, reps, t):
    fm = qb.circuits.feature_map("heisenberg", n, reps=reps, t=t, seed=5)
    assert fm.num_parameters == n
    x = np.random.default_rng(0).uniform(-1, 1, n)
    # the fixed random rotations: the circuit with every x = 0 (the bonds are then identities)
    start = Statevector(fm.assign_parameters(np.zeros(n))).data
    tau = t * n / reps

    def bond(j):
        a, b = j, (j + 1) % n
        terms = [("XX", [a, b], 1.0), ("YY", [a, b], 1.0), ("ZZ", [a, b], 1.0)]
        return SparsePauliOp.from_sparse_list(terms, n).to_matrix()

    step = np.eye(2 ** n)
    for j in range(n):   # XX, YY and ZZ on one pair commute: each bond's factor is exact
        step = expm(-0.5j * tau * x[j] * bond(j)) @ step
    expected = np.linalg.matrix_power(step, reps) @ start
    got = Statevector(fm.assign_parameters(x)).data
    assert abs(np.vdot(expected, got)) == pytest.approx(1.0, abs=1e-12)


def test_heisenberg_rotations_follow_the_seed():
    a = qb.circuits.feature_map("heisenberg", 3, seed=1)
    b = qb.circuits.feature_map("heisenberg", 3, seed=2)
    z = np.zeros(3)
    assert abs(np.vdot(Statevector(a.assign_parameters(z)).data,
                       Statevector(b.assign_parameters(z)).data)) < 0.999
