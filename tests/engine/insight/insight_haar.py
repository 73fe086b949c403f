"""Helpers for the insight tests: circuits whose output states are exactly Haar-distributed when fed the right inputs."""

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import ParameterVector
from qiskit.quantum_info import random_statevector


def prep_two_qubits() -> QuantumCircuit:
    """|psi> = sum_k a_k |k> from six angles x[0..5] (three magnitudes, three phases)."""
    x = ParameterVector("x", 6)
    qc = QuantumCircuit(2)
    qc.ry(x[0], 1)
    qc.x(1)
    qc.cry(x[1], 1, 0)
    qc.x(1)
    qc.cry(x[2], 1, 0)
    qc.p(x[3], 0)
    qc.p(x[4], 1)
    qc.cp(x[5], 0, 1)
    return qc


def prep_angles(states: np.ndarray) -> np.ndarray:
    """The six angles that make :func:`prep_two_qubits` prepare each state (up to a global phase)."""
    a = np.asarray(states)
    m = np.abs(a)
    ph = np.angle(a) - np.angle(a[:, :1])
    t0 = 2 * np.arctan2(np.hypot(m[:, 2], m[:, 3]), np.hypot(m[:, 0], m[:, 1]))
    t1 = 2 * np.arctan2(m[:, 1], m[:, 0])
    t2 = 2 * np.arctan2(m[:, 3], m[:, 2])
    return np.column_stack([t0, t1, t2, ph[:, 1], ph[:, 2], ph[:, 3] - ph[:, 1] - ph[:, 2]])


def haar_states(dim: int, count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.array([random_statevector(dim, seed=rng).data for _ in range(count)])


def euler_one_qubit() -> QuantumCircuit:
    """RY(x[0]) then RZ(x[1]) on |0>: polar angle x[0], azimuth x[1]."""
    x = ParameterVector("x", 2)
    qc = QuantumCircuit(1)
    qc.ry(x[0], 0)
    qc.rz(x[1], 0)
    return qc


def haar_one_qubit_angles(count: int, seed: int) -> np.ndarray:
    """Polar angle with cos uniform on [-1, 1], azimuth uniform: the Haar measure on the sphere."""
    rng = np.random.default_rng(seed)
    return np.column_stack([np.arccos(rng.uniform(-1, 1, count)), rng.uniform(0, 2 * np.pi, count)])


