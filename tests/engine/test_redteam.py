"""Red-team round 2: circuits users bring, every entry point checked against qiskit.

Each test compares with qiskit's own reference (``Statevector``, ``StatevectorSampler``,
hand-derived values where qiskit refuses the circuit) or asks for an error that names
the field.  Tolerances: exact paths 1e-9 (machine precision after a few dozen gates is
~1e-15; 1e-9 leaves room and still catches any real mistake); gradients against
central finite differences with eps=1e-6, whose truncation error is ~eps**2 and
round-off ~1e-10, so 1e-6; shots within 6 standard deviations of the binomial / mean
estimate (a false alarm about once in 10**8 runs, while the bugs are off by >0.4).
"""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import Gate, Parameter, ParameterVector
from qiskit.circuit.library import (DiagonalGate, PauliEvolutionGate, PermutationGate,
                                    StatePreparation, U2Gate, XXPlusYYGate, efficient_su2,
                                    real_amplitudes, zz_feature_map)
from qiskit.primitives import StatevectorEstimator
from qiskit.quantum_info import SparsePauliOp, Statevector, random_statevector

from qmlbench.engine import execution
from qmlbench.engine.errors import QmlbenchError, SpecError

TOL = 1e-9
GRAD_TOL = 1e-6
EPS = 1e-6
NO_VALUES = np.zeros((1, 0))


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _ref_sv(qc, v):
    bound = qc.assign_parameters(v) if qc.num_parameters else qc
    return Statevector(bound.remove_final_measurements(inplace=False)).data


def _ref_ev(qc, op, values):
    op = SparsePauliOp(op) if not isinstance(op, SparsePauliOp) else op
    return np.array([Statevector(qc.assign_parameters(v) if qc.num_parameters else qc)
                     .expectation_value(op).real for v in np.atleast_2d(values)])


def _ref_grad(qc, op, values):
    values = np.atleast_2d(np.asarray(values, dtype=float))
    out = np.empty(values.shape)
    for k in range(values.shape[1]):
        e = np.zeros(values.shape[1])
        e[k] = EPS
        out[:, k] = (_ref_ev(qc, op, values + e) - _ref_ev(qc, op, values - e)) / (2 * EPS)
    return out


def _shot_tol(shots):
    return 6 / np.sqrt(shots)


# --- user gates whose names are library names -------------------------------------------

class _ReversedCX(Gate):
    """A user gate that happens to be called "cx" but is CX with control and target swapped."""

    def __init__(self):
        super().__init__("cx", 2, [])

    def __array__(self, dtype=None, copy=None):
        return np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], dtype=complex)

    def _define(self):
        qc = QuantumCircuit(2)
        qc.cx(1, 0)
        self.definition = qc


class _NamedRX(Gate):
    """A user gate called "rx" whose definition is an RY."""

    def __init__(self, theta):
        super().__init__("rx", 1, [theta])

    def _define(self):
        qc = QuantumCircuit(1)
        qc.ry(self.params[0], 0)
        self.definition = qc


class _NamedDelay(Gate):
    def __init__(self):
        super().__init__("delay", 1, [])

    def _define(self):
        qc = QuantumCircuit(1)
        qc.x(0)
        self.definition = qc


class _NamedBarrier(Gate):
    def __init__(self):
        super().__init__("barrier", 1, [])

    def _define(self):
        qc = QuantumCircuit(1)
        qc.x(0)
        self.definition = qc


def test_a_user_gate_named_cx_is_not_fused_as_a_cx():
    # the peephole pass turns cx . rz . cx into a parity phase by the name "cx" alone
    t = Parameter("t")
    qc = QuantumCircuit(2)
    qc.h([0, 1])
    qc.ry(0.4, 0)
    qc.append(_ReversedCX(), [0, 1])
    qc.rz(t, 1)
    qc.append(_ReversedCX(), [0, 1])
    qc.h([0, 1])
    values = np.array([[0.7], [-1.9]])
    got = execution.statevectors(qc, values)
    want = np.array([_ref_sv(qc, v) for v in values])
    np.testing.assert_allclose(got, want, atol=TOL)
    np.testing.assert_allclose(execution.expectation_values(qc, "IX", values),
                               _ref_ev(qc, "IX", values), atol=TOL)


@pytest.mark.parametrize("gate", [_NamedDelay, _NamedBarrier], ids=["delay", "barrier"])
def test_user_gates_named_delay_or_barrier_are_applied(gate):
    qc = QuantumCircuit(1)
    qc.append(gate(), [0])
    np.testing.assert_allclose(execution.statevectors(qc, NO_VALUES)[0], Statevector(qc).data,
                               atol=TOL)  # qiskit: |1>


def test_a_user_gate_named_rx_on_the_exact_path():
    t = Parameter("t")
    qc = QuantumCircuit(1)
    qc.append(_NamedRX(t), [0])
    v = np.array([[1.0]])
    np.testing.assert_allclose(execution.expectation_values(qc, "X", v), _ref_ev(qc, "X", v),
                               atol=TOL)
    np.testing.assert_allclose(execution.gradients(qc, "X", v), _ref_grad(qc, "X", v),
                               atol=GRAD_TOL)


def test_a_user_gate_named_rx_under_shots():
    # the transpiler keeps a gate whose name is in the basis, and Aer runs it as RX
    t = Parameter("t")
    qc = QuantumCircuit(1)
    qc.append(_NamedRX(t), [0])
    shots = 20000
    ev = execution.evaluator_for({"shots": shots, "seed": 3})
    v = np.array([[1.0]])
    want = _ref_ev(qc, "X", v)  # sin(1) = 0.84
    assert abs(ev.expectation_values(qc, "X", v)[0] - want[0]) < _shot_tol(shots)


def test_a_user_gate_named_rx_next_to_a_reset():
    t = Parameter("t")
    qc = QuantumCircuit(2)
    qc.reset(1)  # resets |0>: the state stays pure, <X_0> = sin(t)
    qc.append(_NamedRX(t), [0])
    got = execution.expectation_values(qc, "IX", [[1.0]])
    np.testing.assert_allclose(got, [np.sin(1.0)], atol=TOL)


# --- parameter names -------------------------------------------------------------------

def test_a_parameter_named_like_an_expression_is_not_that_expression():
    x, mx = Parameter("x"), Parameter("-x")
    qc = QuantumCircuit(1)
    qc.rx(-x, 0)
    qc.ry(mx, 0)
    values = np.array([[0.3, 1.2]])  # columns: "-x", "x"
    np.testing.assert_allclose(execution.statevectors(qc, values)[0], _ref_sv(qc, values[0]),
                               atol=TOL)


def test_gradients_with_parameter_names_that_are_not_identifiers():
    a, b = Parameter("a b"), Parameter("c-d")
    qc = QuantumCircuit(1)
    qc.rx(a * b, 0)
    qc.ry(a + b * b, 0)
    values = np.array([[0.7, 0.4], [-1.1, 0.9]])
    np.testing.assert_allclose(execution.expectation_values(qc, "Z", values),
                               _ref_ev(qc, "Z", values), atol=TOL)
    np.testing.assert_allclose(execution.gradients(qc, "Z", values),
                               _ref_grad(qc, "Z", values), atol=GRAD_TOL)


def test_gradient_of_a_product_with_a_parameter_named_lambda():
    # "lambda" is a Python keyword, so the angle goes through sympy, where qiskit's
    # (lambda*mu).gradient(lambda).sympify() comes back as the wrong symbol
    lam, mu = Parameter("lambda"), Parameter("mu")
    qc = QuantumCircuit(1)
    qc.rx(lam * mu, 0)
    qc.ry(mu, 0)
    values = np.array([[0.7, 0.4]])
    np.testing.assert_allclose(execution.gradients(qc, "Z", values),
                               _ref_grad(qc, "Z", values), atol=GRAD_TOL)


@pytest.mark.parametrize("name", ["lambda", "sin", "in x", "w-1"])
def test_gradients_with_parameter_vectors_of_any_name(name):
    w = ParameterVector(name, 3)
    qc = QuantumCircuit(1)
    qc.rx(w[0] * w[1], 0)
    qc.ry(w[2] * w[1] + w[0], 0)
    values = np.array([[0.7, 0.4, 1.3]])
    np.testing.assert_allclose(execution.gradients(qc, "Z", values),
                               _ref_grad(qc, "Z", values), atol=GRAD_TOL)


# --- measurements, control flow, registers ---------------------------------------------

def _if_circuit():
    qc = QuantumCircuit(2, 1)
    qc.h(0)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)):
        qc.x(1)
    return qc


def test_if_test_under_shots_keeps_the_measurement_it_reads():
    # remove_final_measurements drops the measurement the if_test reads
    qc = _if_circuit()
    shots = 4000
    ev = execution.evaluator_for({"shots": shots, "seed": 1})
    probs = ev.probabilities(qc, NO_VALUES)[0]
    # qiskit: q1 copies q0's outcome, so |00> and |11> half each
    np.testing.assert_allclose(probs, [0.5, 0.0, 0.0, 0.5], atol=_shot_tol(shots))
    z1 = ev.expectation_values(qc, "ZI", NO_VALUES)[0]
    assert abs(z1) < _shot_tol(shots)  # exact: 0


def test_gradient_under_shots_of_a_parameter_inside_an_if_test():
    t = Parameter("t")
    qc = QuantumCircuit(2, 1)
    qc.h(0)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)):
        qc.ry(t, 1)
    # <Z_1> = 1/2 + cos(t)/2, so d/dt = -sin(t)/2 = -0.195 at 0.4
    shots = 20000
    ev = execution.evaluator_for({"shots": shots, "seed": 4})
    try:
        g = ev.gradients(qc, "ZI", [[0.4]])
    except QmlbenchError:
        return  # refusing is fine; a zero is not
    assert abs(g[0, 0] + np.sin(0.4) / 2) < 2 * _shot_tol(shots)


def test_shots_probabilities_with_the_users_own_meas_register():
    qc = QuantumCircuit(QuantumRegister(2, "q"), ClassicalRegister(2, "meas"))
    qc.h(0)
    qc.cx(0, 1)
    shots = 4000
    probs = execution.evaluator_for({"shots": shots, "seed": 1}).probabilities(qc, NO_VALUES)[0]
    np.testing.assert_allclose(probs, Statevector(qc).probabilities(), atol=_shot_tol(shots))


def test_shots_probabilities_after_measure_all_then_more_gates():
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.measure_all()
    qc.x(1)  # the measurement of q1 is now mid-circuit; q0's is final
    want = execution.probabilities(qc, NO_VALUES)[0]  # exact: |10>, |11> half each
    np.testing.assert_allclose(want, [0, 0, 0.5, 0.5], atol=TOL)
    shots = 4000
    probs = execution.evaluator_for({"shots": shots, "seed": 1}).probabilities(qc, NO_VALUES)[0]
    np.testing.assert_allclose(probs, want, atol=_shot_tol(shots))


def _boxed():
    """RY(t) then CX inside a box, and the same two gates without it."""
    t = Parameter("t")
    qc = QuantumCircuit(2)
    with qc.box():
        qc.ry(t, 0)
        qc.cx(0, 1)
    body = QuantumCircuit(2)
    body.ry(t, 0)
    body.cx(0, 1)
    return qc, body


def test_a_box_has_its_body_value():
    qc, body = _boxed()
    v = np.array([[0.3]])
    np.testing.assert_allclose(execution.expectation_values(qc, "IZ", v),
                               _ref_ev(body, "IZ", v), atol=TOL)


def test_a_box_gradient_is_its_bodys_not_silently_zero():
    qc, body = _boxed()
    v = np.array([[0.3]])
    np.testing.assert_allclose(execution.gradients(qc, "IZ", v),
                               _ref_grad(body, "IZ", v), atol=GRAD_TOL)  # -sin(0.3)


def test_mid_circuit_measurement_under_shots_is_the_average():
    qc = QuantumCircuit(1, 1)
    qc.h(0)
    qc.measure(0, 0)
    qc.h(0)
    shots = 4000
    for seed in (1, 2):
        ev = execution.evaluator_for({"shots": shots, "seed": seed})
        assert abs(ev.expectation_values(qc, "X", NO_VALUES)[0]) < _shot_tol(shots)


def test_measurements_into_several_registers_are_ignored_by_probabilities():
    qc = QuantumCircuit(QuantumRegister(2), ClassicalRegister(1, "a"), ClassicalRegister(1, "b"))
    qc.h(0)
    qc.cx(0, 1)
    qc.ry(0.3, 1)
    qc.measure(0, 1)
    qc.measure(1, 0)
    want = Statevector(qc.remove_final_measurements(inplace=False)).probabilities()
    np.testing.assert_allclose(execution.probabilities(qc, NO_VALUES)[0], want, atol=TOL)


# --- errors that name the field ---------------------------------------------------------

def test_values_for_a_circuit_without_parameters_give_a_message_or_rows():
    qc = QuantumCircuit(2)
    qc.h(0)
    for values in ([], [1.0, 2.0]):
        try:
            out = execution.statevectors(qc, values)
        except QmlbenchError as exc:
            assert "values" in str(exc)
        else:
            assert out.shape[1] == 4


@pytest.mark.parametrize("seed", ["a", -1, 1.5])
def test_a_bad_shots_seed_is_refused_with_the_field(seed):
    t = Parameter("t")
    qc = QuantumCircuit(1)
    qc.rx(t, 0)
    with pytest.raises(SpecError, match="seed"):
        execution.evaluator_for({"shots": 10, "seed": seed}).expectation_values(qc, "Z", [[0.1]])


def test_a_misspelled_execution_field_is_not_silently_exact():
    with pytest.raises(SpecError, match="shot"):
        execution.evaluator_for({"shot": 100})


# --- things that were right (coverage) --------------------------------------------------

def _gate_zoo():
    s, u, w = Parameter("s"), Parameter("u"), Parameter("w")
    out = []

    def case(name, build, nq):
        qc = QuantumCircuit(nq)
        qc.h(range(nq))
        qc.ry(0.37, 0)
        build(qc)
        qc.rx(s, nq - 1)
        out.append(pytest.param(qc, id=name))

    case("r", lambda q: q.r(s, u, 0), 2)
    case("u2", lambda q: q.append(U2Gate(s, u), [0]), 2)
    case("cu", lambda q: q.cu(s, u, w, 0.2, 0, 1), 2)
    case("xx_plus_yy", lambda q: q.append(XXPlusYYGate(s, u), [1, 0]), 2)
    case("rzx", lambda q: q.rzx(s, 1, 0), 2)
    case("ecr_iswap", lambda q: (q.ecr(0, 1), q.iswap(1, 0)), 2)
    case("mcx_open", lambda q: q.mcx([0, 1, 2], 3, ctrl_state="010"), 4)
    case("mcrx", lambda q: q.mcrx(u, [0, 1], 2), 3)
    case("pauli_evolution", lambda q: q.append(
        PauliEvolutionGate(SparsePauliOp(["XYZ", "ZIX"], [0.5, -0.3]), time=2 * u + w), [0, 1, 2]), 3)
    case("diagonal_permutation", lambda q: (
        q.append(DiagonalGate([1, 1j, -1, np.exp(0.3j)]), [2, 0]),
        q.append(PermutationGate([2, 0, 1]), [0, 1, 2])), 3)
    case("state_preparation_inverse", lambda q: q.append(
        StatePreparation(random_statevector(4, seed=3)).inverse(), [0, 1]), 2)
    case("controlled_composite_open", lambda q: q.append(
        _sub(u, w).to_gate().control(1, ctrl_state=0), [0, 1, 2]), 3)
    case("cx_open_parity", lambda q: (q.cx(0, 1, ctrl_state=0), q.rz(u, 1),
                                      q.cx(0, 1, ctrl_state=0)), 2)
    case("global_phase_expression", lambda q: setattr(q, "global_phase", 2 * u + 0.1), 2)
    return out


def _sub(a, b):
    sub = QuantumCircuit(2)
    sub.ry(a, 0)
    sub.cx(0, 1)
    sub.rz(b, 1)
    return sub


@pytest.mark.parametrize("qc", _gate_zoo())
def test_library_gates_match_qiskit_values_and_gradients(qc):
    rng = np.random.default_rng(1)
    values = rng.uniform(-2, 2, (2, qc.num_parameters))
    got = execution.statevectors(qc, values)
    np.testing.assert_allclose(got, np.array([_ref_sv(qc, v) for v in values]), atol=TOL)
    op = SparsePauliOp(["X" + "Y" + "Z" * (qc.num_qubits - 2), "Z" * qc.num_qubits], [0.6, -0.4])
    np.testing.assert_allclose(execution.gradients(qc, op, values), _ref_grad(qc, op, values),
                               atol=GRAD_TOL)


def test_parameters_whose_sorted_order_differs_from_construction_order():
    b, a = Parameter("b"), Parameter("a")
    qc = QuantumCircuit(2)
    qc.rx(b, 0)
    qc.ry(a, 1)
    qc.cx(0, 1)
    qc.rz(2 * b - a, 1)
    partial = qc.assign_parameters({a: 0.3})
    for c, v in ((qc, np.array([[0.3, 1.1]])), (partial, np.array([[1.1]]))):
        np.testing.assert_allclose(execution.statevectors(c, v)[0], _ref_sv(c, v[0]), atol=TOL)
        np.testing.assert_allclose(execution.gradients(c, "XZ", v), _ref_grad(c, "XZ", v),
                                   atol=GRAD_TOL)


def test_fast_estimator_broadcasts_like_qiskit():
    from qmlbench.engine.execution import FastEstimator

    qc = real_amplitudes(3, reps=2)
    vals = np.random.default_rng(3).uniform(-1, 1, (4, 1, qc.num_parameters))
    obs = [[SparsePauliOp("XYZ"), SparsePauliOp(["ZZI", "IXX"], [0.3, -1.2])]]
    got = FastEstimator().run([(qc, obs, vals)]).result()[0].data.evs
    want = StatevectorEstimator().run([(qc, obs, vals)]).result()[0].data.evs
    assert got.shape == want.shape == (4, 2)
    np.testing.assert_allclose(got, want, atol=TOL)


def test_trainable_fast_kernel_matches_qiskit_ml_when_training_names_sort_first():
    from qiskit_machine_learning.kernels import TrainableFidelityStatevectorKernel

    from qmlbench.engine.kernels import FastKernel

    th, x = ParameterVector("a", 2), ParameterVector("x", 2)  # "a" sorts before "x"
    fm = QuantumCircuit(2)
    fm.ry(th[0], 0)
    fm.h(1)
    fm.rz(x[0], 0)
    fm.rz(x[1], 1)
    fm.cx(0, 1)
    fm.rx(th[1] * x[0], 1)
    fm.ry(x[1], 0)
    rng = np.random.default_rng(0)
    X, Y = rng.uniform(0, 2, (5, 2)), rng.uniform(0, 2, (3, 2))
    ours = FastKernel(fm, training_parameters=list(th))
    theirs = TrainableFidelityStatevectorKernel(feature_map=fm, training_parameters=list(th))
    for k in (ours, theirs):
        k.assign_training_parameters({th[1]: 0.9, th[0]: 0.2})
    np.testing.assert_allclose(ours.evaluate(X), theirs.evaluate(X), atol=TOL)
    np.testing.assert_allclose(ours.evaluate(X, Y), theirs.evaluate(X, Y), atol=TOL)


def test_two_threads_evaluating_different_circuits_agree_with_one():
    from qmlbench.engine.sim import compile as sim

    rng = np.random.default_rng(0)
    circs = [zz_feature_map(3, reps=2), real_amplitudes(3, reps=3, entanglement="full"),
             efficient_su2(3, reps=1)]
    vals = [rng.uniform(-2, 2, (8, c.num_parameters)) for c in circs]
    op = SparsePauliOp(["XYZ", "ZZI"], [0.4, -0.7])
    want = [(_ref_ev(c, op, v), execution.gradients(c, op, v)) for c, v in zip(circs, vals)]
    errors = []

    def worker(i):
        for it in range(12):
            if it % 4 == 0:
                with sim._lock:
                    sim._by_structure.clear()  # compile again while the other thread runs
            j = (i + it) % 3
            e = np.abs(execution.expectation_values(circs[j], op, vals[j]) - want[j][0]).max()
            g = np.abs(execution.gradients(circs[j], op, vals[j]) - want[j][1]).max()
            if e > TOL or g > TOL:
                errors.append((i, it, j, e, g))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_plateau_with_a_callable_ansatz_matches_finite_differences():
    from qmlbench.engine import plateau
    from qmlbench.engine.plateau import point_seed
    from qmlbench.engine.stats import variance_with_stderr

    def ansatz(n, layers):
        th = ParameterVector("w", 3 * n * layers)
        qc = QuantumCircuit(n)
        qc.h(range(n))
        k = 0
        for _ in range(layers):
            for i in range(n):
                qc.ry(th[k], i)
                qc.rz(2 * th[k + 1] + 0.3, i)
                k += 2
            for i in range(n - 1):
                qc.cz(i, i + 1)
            for i in range(n):
                qc.p(th[k], i)
                k += 1
        return qc

    n, layers, samples = 3, 2, 24
    op = SparsePauliOp(["XXI", "IZY"], [0.5, 0.7])
    res = plateau.gradient_variance(ansatz, n, layers, samples=samples, observable=op,
                                    param_index=5, seed=11)
    qc = ansatz(n, layers)
    rng = np.random.default_rng(point_seed(11, n, layers))
    values = rng.uniform(0, 2 * np.pi, size=(samples, qc.num_parameters))
    fd = _ref_grad(qc, op, values)[:, [5]]
    _, var, _ = variance_with_stderr(fd)
    np.testing.assert_allclose(res.variances[0], var, rtol=1e-6)


# --- round 2b ----------------------------------------------------------------------------

def _deeply_nested(inner: QuantumCircuit, depth: int = 42) -> QuantumCircuit:
    """``inner`` wrapped as a gate ``depth`` times: past the fast path's nesting limit (40),
    so the circuit goes to the Aer statevector fallback."""
    g = inner.to_gate()
    for _ in range(depth):
        w = QuantumCircuit(inner.num_qubits)
        w.append(g, range(inner.num_qubits))
        g = w.to_gate()
    qc = QuantumCircuit(inner.num_qubits)
    qc.h(1)
    qc.append(g, range(inner.num_qubits))
    return qc


def test_aer_fallback_statevectors_keep_a_parameterised_global_phase():
    a, b = Parameter("a"), Parameter("b")
    inner = QuantumCircuit(2)
    inner.ry(b, 0)
    inner.cx(0, 1)
    inner.global_phase = a
    qc = _deeply_nested(inner)
    values = np.array([[0.3, 1.2], [1.0, -0.4]])
    ev = execution.evaluator_for()
    got = ev.statevectors(qc, values)
    assert ev.path == execution.PATH_AER_FALLBACK
    want = np.array([_ref_sv(qc, v) for v in values])
    np.testing.assert_allclose(got, want, atol=TOL)  # qiskit's phase, as the contract says


def test_aer_fallback_statevectors_without_a_parameterised_phase_are_right():
    b = Parameter("b")
    inner = QuantumCircuit(2)
    inner.ry(b, 0)
    inner.crx(2 * b, 0, 1)
    inner.global_phase = 0.4
    qc = _deeply_nested(inner)
    values = np.array([[1.2], [-0.4]])
    np.testing.assert_allclose(execution.statevectors(qc, values),
                               np.array([_ref_sv(qc, v) for v in values]), atol=TOL)


def test_repeated_wrt_indices_give_the_gradient_in_every_column_or_a_message():
    qc = real_amplitudes(2, reps=1)
    v = np.array([[0.3, -0.5, 1.1, 0.7]])
    full = execution.gradients(qc, "XZ", v)
    try:
        got = execution.gradients(qc, "XZ", v, wrt=[1, 1])
    except QmlbenchError as exc:
        assert "wrt" in str(exc)
        return
    np.testing.assert_allclose(got, full[:, [1, 1]], atol=TOL)  # got [0, g1]


def test_wrt_given_as_names_or_parameters_gives_a_message():
    qc = real_amplitudes(2, reps=1)
    v = np.array([[0.3, -0.5, 1.1, 0.7]])
    for wrt in (["θ[0]"], [qc.parameters[0]]):
        try:
            got = execution.gradients(qc, "XZ", v, wrt=wrt)
        except QmlbenchError as exc:
            assert "wrt" in str(exc)
        else:
            np.testing.assert_allclose(got, execution.gradients(qc, "XZ", v)[:, [0]], atol=TOL)


def test_a_circuit_that_is_not_a_circuit_gives_a_message():
    with pytest.raises(QmlbenchError, match="circuit"):
        execution.statevectors("h 0", [[0.1]])


def test_numpy_integer_shots_are_shots():
    ev = execution.evaluator_for({"shots": np.int64(100), "seed": np.int64(3)})
    assert ev.shots == 100


def test_shots_estimate_of_an_eigenstate_is_exact():
    # every one of the shots measures Z = -1, so any estimate from them is -1 exactly;
    # Aer's EstimatorV2 instead adds N(0, precision) noise to the exact value
    qc = QuantumCircuit(1)
    qc.x(0)
    values = []
    for seed in range(5):
        ev = execution.evaluator_for({"shots": 100, "seed": seed})
        values.append(ev.expectation_values(qc, "Z", NO_VALUES)[0])
    assert all(-1.0 <= v <= 1.0 for v in values), values  # outside the spectrum: impossible
    np.testing.assert_allclose(values, -1.0, atol=1e-12)


def test_shots_noise_scales_with_the_observable():
    # <100 Z> on |+> from 100 shots: each shot gives +-100, so the estimate's standard
    # deviation is 100 / sqrt(100) = 10 (qiskit's StatevectorSampler counts give that)
    qc = QuantumCircuit(1)
    qc.h(0)
    op = SparsePauliOp("Z", 100.0)
    est = [execution.evaluator_for({"shots": 100, "seed": s}).expectation_values(qc, op, NO_VALUES)[0]
           for s in range(30)]
    # sample std of 30 draws of sigma=10 falls below 5 with probability ~1e-5
    assert np.std(est, ddof=1) > 5.0, np.std(est, ddof=1)


def test_a_user_sampler_on_a_circuit_without_parameters():
    from qiskit.primitives import StatevectorSampler

    qc = QuantumCircuit(1)
    qc.x(0)
    ev = execution.evaluator_for(sampler=StatevectorSampler(default_shots=100, seed=1))
    np.testing.assert_allclose(ev.probabilities(qc, NO_VALUES), [[0.0, 1.0]], atol=0)
    # every shot reads 1, so <Z> = -1 exactly (a raw reshape error today)
    np.testing.assert_allclose(ev.expectation_values(qc, "Z", NO_VALUES), [-1.0], atol=0)


def test_a_non_hermitian_observable_is_refused_like_qiskit():
    # qiskit's estimators raise "Non-Hermitian input observable"; here 1j*Z gave 0 silently
    qc = QuantumCircuit(1)
    with pytest.raises(QmlbenchError, match="observable"):
        execution.expectation_values(qc, SparsePauliOp("Z", 1j), NO_VALUES)


def test_gradients_with_a_parameter_and_a_vector_of_the_same_name():
    x, xv = Parameter("x"), ParameterVector("x", 2)  # names x, x[0], x[1]: all distinct
    qc = QuantumCircuit(1)
    qc.rx(x * xv[0], 0)
    qc.ry(xv[1] * x + xv[0], 0)
    values = np.array([[0.7, 0.4, 1.3]])
    np.testing.assert_allclose(execution.expectation_values(qc, "Z", values),
                               _ref_ev(qc, "Z", values), atol=TOL)
    np.testing.assert_allclose(execution.gradients(qc, "Z", values),
                               _ref_grad(qc, "Z", values), atol=GRAD_TOL)
