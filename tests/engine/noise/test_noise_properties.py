"""Random small circuits and random channels: the density-matrix simulator against qiskit's
``DensityMatrix.evolve`` (quantum_info, an independent implementation), and the seam's
noisy path against Aer, in the house style of ``test_seam_fuzz``."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit.quantum_info import DensityMatrix, SparsePauliOp, SuperOp, random_quantum_channel

from qmlbench.engine import execution, sim

_FUZZ = settings(max_examples=40, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ONE = ["rx", "ry", "rz", "p", "h", "sx", "s", "t", "x", "u"]
TWO = ["cx", "cz", "rzz", "rxx", "ryy", "swap", "rzx"]


@st.composite
def circuits(draw, max_qubits=3):
    n = draw(st.integers(1, max_qubits))
    qc = QuantumCircuit(n)
    k = 0
    for _ in range(draw(st.integers(1, 8))):
        two = n > 1 and draw(st.booleans())
        name = draw(st.sampled_from(TWO if two else ONE))
        qubits = draw(st.permutations(range(n)))[: 2 if two else 1]
        gate = getattr(qc, name)
        if name in ("rx", "ry", "rz", "p", "rzz", "rxx", "ryy", "rzx"):
            k += 1
            gate(Parameter(f"a{k:02d}") * draw(st.sampled_from([1.0, 2.0, -0.5])), *qubits)
        elif name == "u":
            k += 3
            gate(Parameter(f"a{k - 2:02d}"), Parameter(f"a{k - 1:02d}"), Parameter(f"a{k:02d}"),
                 *qubits)
        else:
            gate(*qubits)
    return qc


@given(circuits(), st.integers(0, 2 ** 31 - 1))
@_FUZZ
def test_random_circuits_with_random_channels_match_qiskits_density_matrix(qc, seed):
    """A random CPTP channel (qiskit's random_quantum_channel) after every gate."""
    n = qc.num_qubits
    rng = np.random.default_rng(seed)
    chans = {1: random_quantum_channel(2, seed=int(rng.integers(1 << 30))),
             2: random_quantum_channel(4, seed=int(rng.integers(1 << 30)))}
    supers = {k: np.asarray(SuperOp(c).data) for k, c in chans.items()}
    prog = sim.compile_density(qc, lambda name, qubits: supers[len(qubits)])
    vals = rng.uniform(-np.pi, np.pi, (3, qc.num_parameters))
    rho = sim.density_matrices(sim.evolve(prog, vals), n)
    for b in range(3):
        bound = qc.assign_parameters(vals[b])
        ref = DensityMatrix.from_label("0" * n)
        for inst in bound.data:
            qs = [bound.find_bit(q).index for q in inst.qubits]
            ref = ref.evolve(inst.operation, qs).evolve(chans[len(qs)], qs)
        assert np.abs(rho[b] - ref.data).max() < 1e-10


@given(circuits(), st.floats(0, 1), st.floats(0, 1), st.integers(0, 2 ** 31 - 1))
@_FUZZ
def test_random_circuits_and_strengths_agree_with_aer(qc, p1, p2, seed):
    ev = execution.evaluator_for({"noise": {"model": "depolarizing", "p1": p1, "p2": p2}})
    n = qc.num_qubits
    rng = np.random.default_rng(seed)
    labels = ["".join(rng.choice(list("IXYZ"), n)) for _ in range(3)]
    obs = SparsePauliOp.from_list([(lab, 1.0) for lab in labels])
    vals = rng.uniform(-np.pi, np.pi, (3, qc.num_parameters))
    got = ev.expectation_values(qc, obs, vals)
    assert np.abs(got - ev.aer_noisy_expectation_values(qc, obs, vals)).max() < 1e-10


@given(circuits(max_qubits=2), st.floats(0, 0.5), st.integers(0, 2 ** 31 - 1))
@_FUZZ
def test_gradients_are_the_derivative_of_the_noisy_value(qc, gamma, seed):
    """Against central differences of the fast noisy value (h = 1e-5: error ~1e-9)."""
    ev = execution.evaluator_for({"noise": {"model": "amplitude_damping", "gamma1": gamma,
                                            "gamma2": gamma}})
    n = qc.num_qubits
    obs = SparsePauliOp("Z" * n) + SparsePauliOp("X" + "I" * (n - 1))
    rng = np.random.default_rng(seed)
    vals = rng.uniform(-np.pi, np.pi, (2, qc.num_parameters))
    g = ev.gradients(qc, obs, vals)
    h = 1e-5
    for j in range(qc.num_parameters):
        e = np.zeros(qc.num_parameters)
        e[j] = h
        fd = (ev.expectation_values(qc, obs, vals + e) - ev.expectation_values(qc, obs, vals - e)) / (2 * h)
        assert np.abs(g[:, j] - fd).max() < 1e-7


@given(circuits(), st.floats(0, 1), st.integers(0, 2 ** 31 - 1))
@_FUZZ
def test_noisy_states_are_states(qc, p, seed):
    """Hermitian, trace one, positive semi-definite; purity never above the noiseless one."""
    ev = execution.evaluator_for({"noise": {"model": "depolarizing", "p1": p, "p2": p}})
    vals = np.random.default_rng(seed).uniform(-np.pi, np.pi, (2, qc.num_parameters))
    rho = ev.density_matrices(qc, vals)
    assert np.abs(rho - rho.conj().transpose(0, 2, 1)).max() < 1e-12
    assert np.abs(np.trace(rho, axis1=1, axis2=2) - 1).max() < 1e-12
    assert np.linalg.eigvalsh(rho).min() > -1e-12
