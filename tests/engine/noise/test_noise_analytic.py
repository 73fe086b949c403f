"""Noisy values against closed forms derived here, independent of both simulators.

Convention (checked against Aer's own object in the first test): ``depolarizing_error(p, 1)``
is ``rho -> (1 - p) rho + p I/2``.  A qubit's state is ``(I + r.sigma)/2``; the channel maps
it to ``(I + (1-p) r.sigma)/2``: the Bloch vector shrinks by ``1 - p`` per gate.
"""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import ParameterVector
from qiskit.quantum_info import DensityMatrix, SparsePauliOp

import qmlbench as qb
from qmlbench.engine import execution


def dep(p1, p2=0.0, **kw):
    return {"noise": {"model": "depolarizing", "p1": p1, "p2": p2, **kw}}


@pytest.mark.parametrize("p", [0.0, 0.01, 0.3, 1.0])
def test_aers_depolarizing_error_shrinks_the_bloch_vector_by_one_minus_p(p):
    from qiskit_aer.noise import depolarizing_error

    r = np.array([0.3, -0.5, 0.6])
    paulis = [np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]), np.diag([1, -1])]
    rho = DensityMatrix(0.5 * (np.eye(2) + sum(c * s for c, s in zip(r, paulis))))
    out = rho.evolve(depolarizing_error(p, 1))
    bloch = [np.real(np.trace(out.data @ s)) for s in paulis]
    assert np.allclose(bloch, (1 - p) * r, atol=1e-14)


@pytest.mark.parametrize("p", [0.0, 0.05, 0.4])
def test_one_rotation_then_depolarizing(p):
    """RY(t)|0> has Bloch vector (sin t, 0, cos t); one channel: times (1 - p)."""
    t = ParameterVector("t", 1)
    qc = QuantumCircuit(1)
    qc.ry(t[0], 0)
    ev = execution.evaluator_for(dep(p))
    th = np.linspace(-3, 3, 7)[:, None]
    got = ev.expectation_values(qc, ["X", "Y", "Z"], th)
    assert np.allclose(got, (1 - p) * np.column_stack([np.sin(th[:, 0]), 0 * th[:, 0],
                                                        np.cos(th[:, 0])]), atol=1e-13)
    g = ev.gradients(qc, "Z", th)
    assert np.allclose(g[:, 0], -(1 - p) * np.sin(th[:, 0]), atol=1e-13)


@pytest.mark.parametrize("n,L,p", [(2, 3, 0.1), (3, 4, 0.02), (4, 2, 0.3)])
def test_product_circuit_closed_form(n, L, p):
    """L layers of RX on every qubit, each followed by depolarizing p.  RX rotations about one
    axis add and the channel commutes with them (it only scales the Bloch vector), so qubit j
    ends with z_j = (1-p)^L cos(sum_l t_lj), and <Z...Z> = prod_j z_j."""
    t = ParameterVector("t", n * L)
    qc = QuantumCircuit(n)
    for l in range(L):
        for j in range(n):
            qc.rx(t[l * n + j], j)
    rng = np.random.default_rng(n)
    vals = rng.uniform(0, 2 * np.pi, (6, n * L))
    col = {p_.name: i for i, p_ in enumerate(qc.parameters)}
    angle = np.stack([sum(vals[:, col[t[l * n + j].name]] for l in range(L)) for j in range(n)], 1)
    z = (1 - p) ** L * np.cos(angle)
    ev = execution.evaluator_for(dep(p))
    local = [SparsePauliOp.from_sparse_list([("Z", [j], 1.0)], n) for j in range(n)]
    assert np.allclose(ev.expectation_values(qc, local, vals), z, atol=1e-13)
    assert np.allclose(ev.expectation_values(qc, "Z" * n, vals), z.prod(axis=1), atol=1e-13)


def _warm_up(n, L):
    """Cerezo et al. 2021's warm-up, L layers deep: RX(t) on every qubit per layer."""
    t = ParameterVector("t", n * L)
    qc = QuantumCircuit(n)
    for l in range(L):
        for j in range(n):
            qc.rx(t[l * n + j], j)
    return qc


@pytest.mark.parametrize("p", [0.1, 0.2])
def test_the_plateau_lab_reproduces_the_geometric_decay_in_layers(p):
    """Local cost C = 1/n sum_j <0|rho_j|0> = 1/n sum_j (1 + z_j)/2 with
    z_j = (1-p)^L cos(s_j), s_j the sum of qubit j's angles.  dC/dt_first = -(1-p)^L sin(s_0)/(2n);
    with uniform angles s_0 is uniform mod 2π, E[sin^2] = 1/2, so
        Var = (1-p)^(2L) / (8 n^2):
    ln Var falls by -2 ln(1-p) per layer.  The lab's fitted rate per layer must match within
    its sample-count tolerance (3 standard errors), and each variance within 4."""
    n, layers, samples = 2, [1, 2, 3, 4, 5, 6], 4000
    res = qb.plateau.gradient_variance(_warm_up, qubits=[n], layers=layers, samples=samples,
                                       observable="local", param_index=0, seed=3,
                                       noise=dep(p)["noise"])
    assert res.path == execution.PATH_DENSITY
    var, se = res.variances[0], res.stderr[0]
    exact = (1 - p) ** (2 * np.array(layers)) / (8 * n ** 2)
    assert np.all(np.abs(var - exact) < 4 * se), (var, exact, se)
    rate, rate_se = qb.plateau.fit_decay(layers, var, se)
    assert abs(rate - 2 * np.log(1 - p)) < 3 * rate_se + 1e-3, (rate, rate_se)
    # and without noise the variance does not decay with depth
    ideal = qb.plateau.gradient_variance(_warm_up, qubits=[n], layers=layers, samples=samples,
                                         observable="local", param_index=0, seed=3)
    assert np.all(np.abs(ideal.variances[0] - 1 / (8 * n ** 2)) < 4 * ideal.stderr[0])


def test_readout_error_on_z_is_affine():
    """Read through a readout error, <Z> = P(read 0) - P(read 1) = (p10 - p01) + (1 - p01 - p10) <Z>;
    an unmeasured qubit (I) is untouched and terms on two qubits multiply the factors."""
    p01, p10 = 0.03, 0.11
    t = ParameterVector("t", 2)
    qc = QuantumCircuit(2)
    qc.ry(t[0], 0)
    qc.ry(t[1], 1)
    ev = execution.evaluator_for({"noise": {"model": "readout", "p01": p01, "p10": p10}})
    vals = np.array([[0.3, 1.9], [2.5, -0.4]])
    a, b = p10 - p01, 1 - p01 - p10
    z0, z1 = np.cos(vals[:, 0]), np.cos(vals[:, 1])
    got = ev.expectation_values(qc, ["IZ", "ZI", "ZZ", "XI"], vals)
    want = np.column_stack([a + b * z0, a + b * z1, (a + b * z0) * (a + b * z1),
                            a + b * np.sin(vals[:, 1])])
    assert np.allclose(got, want, atol=1e-13)


def test_readout_probabilities_agree_with_aers_sampler():
    """Aer's sampler applies readout errors to its counts: 200k shots within 5 sigma."""
    from qiskit_aer import AerSimulator

    ev = execution.evaluator_for({"noise": {"model": "depolarizing", "p1": 0.05, "p2": 0.1,
                                            "p01": 0.04, "p10": 0.12}})
    qc = qb.circuits.feature_map("zz", num_qubits=2, reps=1)
    x = np.array([[0.4, 1.3]])
    probs = ev.probabilities(qc, x)[0]
    circ = ev.noise_plan.transpiled(qc.assign_parameters(x[0]))
    circ.measure_all()
    shots = 200_000
    counts = AerSimulator(method="density_matrix", noise_model=ev.noise_plan.noise_model()).run(
        circ, shots=shots, seed_simulator=1).result().get_counts()
    freq = np.array([counts.get(format(i, "02b"), 0) / shots for i in range(4)])
    assert np.all(np.abs(freq - probs) < 5 * np.sqrt(probs * (1 - probs) / shots) + 1e-4)


@pytest.mark.parametrize("name", list(qb.circuits.FEATURE_MAPS) + list(qb.circuits.ANSATZE))
def test_zero_noise_is_exactly_noiseless(name):
    n = 3
    circ = (qb.circuits.feature_map(name, num_qubits=n, reps=2) if name in qb.circuits.FEATURE_MAPS
            else qb.circuits.ansatz(name, num_qubits=n, reps=2))
    vals = np.random.default_rng(0).uniform(-np.pi, np.pi, (6, circ.num_parameters))
    ideal = execution.evaluator_for()
    for model in ({"model": "depolarizing", "p1": 0.0, "p2": 0.0},
                  {"model": "amplitude_damping", "gamma1": 0.0, "gamma2": 0.0},
                  {"model": "readout", "p01": 0.0, "p10": 0.0}):
        ev = execution.evaluator_for({"noise": model})
        obs = ["ZZZ", SparsePauliOp.from_list([("XYZ", 0.5), ("IIX", -1.0)])]
        assert np.abs(ev.expectation_values(circ, obs, vals)
                      - ideal.expectation_values(circ, obs, vals)).max() < 1e-12
        assert np.abs(ev.gradients(circ, obs, vals) - ideal.gradients(circ, obs, vals)).max() < 1e-12
        assert np.abs(ev.probabilities(circ, vals) - ideal.probabilities(circ, vals)).max() < 1e-12
        sv = ideal.statevectors(circ, vals)
        rho = ev.density_matrices(circ, vals)
        assert np.abs(rho - sv[:, :, None] * sv.conj()[:, None, :]).max() < 1e-12
