"""Fuzzing the execution seam with circuits built the way users build them.

Random circuits from library class forms (composed as one instruction), ``compose``,
``append`` of gates and sub-circuits, ``to_gate``/``to_instruction``, controlled gates
(any control state), annotated operations, unitary matrices, parameterised Hamiltonian
gates, parameter expressions, resets and mid-circuit measurements.  Every path is
compared with qiskit's own reference: the default path (fast, or its fallback) and the
Aer path exactly, gradients against finite differences of the reference, shots within
their noise.  All examples run in one process, so a cache that confuses two circuits
shows up as a wrong value.
"""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from qiskit import QuantumCircuit, transpile
from qiskit.circuit import (AnnotatedOperation, ControlModifier, InverseModifier, Parameter,
                            PowerModifier)
from qiskit.circuit.library import (EfficientSU2, HamiltonianGate, RealAmplitudes, RXGate,
                                    RYGate, UnitaryGate, ZZFeatureMap)
from qiskit.quantum_info import DensityMatrix, Kraus, Operator, SparsePauliOp, Statevector
from qiskit.quantum_info import random_hermitian, random_pauli_list, random_unitary

from qmlbench.engine import execution

N = 3  # qubits: small enough for thousands of reference evaluations
_FUZZ = settings(max_examples=120, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
_FUZZ_SHOTS = settings(max_examples=25, deadline=None, derandomize=True,
                       suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


class _Builder:
    """Draws one user-style circuit; each block gets its own parameter names."""

    def __init__(self, draw, allow_mixed):
        self.draw = draw
        self.allow_mixed = allow_mixed
        self.k = 0
        self.mixed = False

    def param(self):
        self.k += 1
        return Parameter(f"p{self.k:02d}")

    def angle(self):
        d = self.draw
        p = self.param()
        form = d(st.sampled_from(["bare", "affine", "product", "sin", "neg"]))
        if form == "affine":
            return 2.0 * p + d(st.floats(-2, 2, allow_nan=False))
        if form == "product":
            return p * self.param()
        if form == "sin":
            return p.sin() + p
        if form == "neg":
            return -p
        return p

    def qubits(self, k):
        return self.draw(st.permutations(range(N)))[:k]

    def block(self, qc):
        d = self.draw
        kind = d(st.sampled_from(
            ["gate", "gate", "gate", "crot", "classform", "to_gate", "to_instruction",
             "controlled", "annotated", "unitary", "hamiltonian", "mixed"]))
        if kind == "gate":
            name = d(st.sampled_from(["h", "x", "sx", "s", "t", "rx", "ry", "rz", "rzz", "rxx",
                                      "cx", "cz", "swap", "u", "p"]))
            if name in ("h", "x", "sx", "s", "t"):
                getattr(qc, name)(self.qubits(1)[0])
            elif name in ("rx", "ry", "rz", "p"):
                getattr(qc, name)(self.angle(), self.qubits(1)[0])
            elif name in ("rzz", "rxx"):
                getattr(qc, name)(self.angle(), *self.qubits(2))
            elif name == "u":
                qc.u(self.angle(), self.angle(), self.angle(), self.qubits(1)[0])
            else:
                getattr(qc, name)(*self.qubits(2))
        elif kind == "crot":
            getattr(qc, d(st.sampled_from(["crx", "cry", "crz", "cp"])))(self.angle(),
                                                                         *self.qubits(2))
        elif kind == "classform":
            width = d(st.integers(2, N))
            qs = self.qubits(width)
            self.k += 1
            ent = d(st.sampled_from(["linear", "full", "circular", "reverse_linear"]))
            reps = d(st.integers(1, 2))
            cls = d(st.sampled_from(["zz", "ra", "su2"]))
            prefix = f"b{self.k:02d}"
            if cls == "zz":
                blk = ZZFeatureMap(width, reps=reps, entanglement=ent, parameter_prefix=prefix)
            elif cls == "ra":
                blk = RealAmplitudes(width, reps=reps, entanglement=ent, parameter_prefix=prefix)
            else:
                blk = EfficientSU2(width, reps=1, entanglement=ent, parameter_prefix=prefix)
            qc.compose(blk, qs, inplace=True)
        elif kind in ("to_gate", "to_instruction"):
            sub = QuantumCircuit(2)
            sub.ry(self.angle(), 0)
            sub.cx(0, 1)
            sub.rz(self.angle(), 1)
            if d(st.booleans()):
                sub.h(1)
            op = sub.to_gate() if kind == "to_gate" else sub.to_instruction()
            qc.append(op, self.qubits(2))
        elif kind == "controlled":
            base = d(st.sampled_from([RYGate, RXGate]))(self.angle())
            ctrl = d(st.integers(0, 1))
            qc.append(base.control(1, ctrl_state=ctrl), self.qubits(2))
        elif kind == "annotated":
            mods = d(st.sampled_from([[InverseModifier()], [ControlModifier(1)],
                                      [InverseModifier(), ControlModifier(1, ctrl_state=0)],
                                      [PowerModifier(2)]]))
            base = RYGate(self.angle())
            width = 1 + sum(m.num_ctrl_qubits for m in mods if isinstance(m, ControlModifier))
            qc.append(AnnotatedOperation(base, mods), self.qubits(width))
        elif kind == "unitary":
            seed = d(st.integers(0, 10_000))
            qc.append(UnitaryGate(random_unitary(4, seed=seed)), self.qubits(2))
        elif kind == "hamiltonian":
            seed = d(st.integers(0, 10_000))
            H = random_hermitian(2, seed=seed).data
            qc.append(HamiltonianGate(H, self.angle()), self.qubits(1))
        elif kind == "mixed" and self.allow_mixed:
            q = self.qubits(1)[0]
            if d(st.booleans()):
                qc.reset(q)
            else:
                if not qc.clbits:
                    qc.add_register(__import__("qiskit").ClassicalRegister(N, "c"))
                qc.measure(q, qc.clbits[q])
            self.mixed = True


@st.composite
def user_circuits(draw, allow_mixed=True):
    b = _Builder(draw, allow_mixed)
    qc = QuantumCircuit(N)
    for _ in range(draw(st.integers(1, 6))):
        b.block(qc)
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    values = rng.uniform(-np.pi, np.pi, (2, qc.num_parameters))
    note(str(qc.draw(output="text", fold=-1)))
    ops = SparsePauliOp(random_pauli_list(N, size=3, seed=seed % 10_000, phase=False),
                        coeffs=rng.normal(size=3))
    return qc, values, ops


_DEPHASE = Kraus([np.diag([1.0, 0.0]), np.diag([0.0, 1.0])])


def reference(qc: QuantumCircuit, values: np.ndarray, op: SparsePauliOp) -> np.ndarray:
    """qiskit's own answer: a statevector, or for resets and mid-circuit measurements a
    density matrix (a measurement nobody reads dephases its qubit)."""
    out = []
    for v in np.atleast_2d(values):
        bound = qc.assign_parameters(v) if qc.num_parameters else qc
        # an estimator ignores final measurements (qiskit's and Aer's do the same)
        bound = bound.remove_final_measurements(inplace=False)
        if not any(i.operation.name in ("reset", "measure") for i in bound.decompose(reps=8).data):
            out.append(Statevector(bound).expectation_value(op).real)
            continue
        flat = transpile(bound, basis_gates=["u", "cx", "reset", "measure"], optimization_level=0)
        dm = DensityMatrix.from_int(0, 2 ** N)
        for inst in flat.data:
            qs = [flat.find_bit(q).index for q in inst.qubits]
            name = inst.operation.name
            if name == "barrier":
                continue
            if name == "measure":
                dm = dm.evolve(_DEPHASE, qs)
            elif name == "reset":
                dm = dm.reset(qs)
            else:
                dm = dm.evolve(Operator(inst.operation), qs)
        out.append(dm.expectation_value(op).real)
    return np.array(out)


@_FUZZ
@given(user_circuits())
def test_the_default_path_matches_qiskit_on_user_circuits(case):
    qc, values, op = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = execution.evaluator_for().expectation_values(qc, op, values)
    np.testing.assert_allclose(got, reference(qc, values, op), atol=1e-8)


@_FUZZ
@given(user_circuits())
def test_the_aer_exact_path_matches_qiskit_on_user_circuits(case):
    qc, values, op = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = execution.Evaluator().aer_expectation_values(qc, op, values)
    np.testing.assert_allclose(got, reference(qc, values, op), atol=1e-8)


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(user_circuits())
def test_gradients_match_finite_differences_of_qiskit(case):
    qc, values, op = case
    if qc.num_parameters == 0:
        return
    values = values[:1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        grads = execution.evaluator_for().gradients(qc, op, values)[0]
    eps = 1e-5
    fd = np.empty(qc.num_parameters)
    for j in range(qc.num_parameters):
        d = np.zeros_like(values)
        d[0, j] = eps
        fd[j] = (reference(qc, values + d, op)[0] - reference(qc, values - d, op)[0]) / (2 * eps)
    np.testing.assert_allclose(grads, fd, atol=1e-5)


@_FUZZ_SHOTS
@given(user_circuits())
def test_the_shots_path_is_within_shot_noise_of_qiskit(case):
    qc, values, op = case
    shots = 8000
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = execution.evaluator_for({"shots": shots, "seed": 7}).expectation_values(
            qc, op, values)
    # each Pauli term has precision 1/sqrt(shots); the sum's std is at most sum|c|/sqrt(shots)
    sigma = np.sum(np.abs(op.coeffs)) / np.sqrt(shots)
    assert np.all(np.abs(got - reference(qc, values, op)) < 6 * sigma)
