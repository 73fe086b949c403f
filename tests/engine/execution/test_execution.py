"""The exact batched evaluator against qiskit's Statevector, finite differences and primitives."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter, ParameterVector
from qiskit.primitives import StatevectorEstimator
from qiskit.quantum_info import SparsePauliOp, Statevector

from qmlbench.engine import limits
from qmlbench.engine import circuits, execution
from qmlbench.engine.errors import CapacityError, DataError, QmlbenchError
from qmlbench.engine.spec import ExecutionSpec

TOL = 1e-10


def _reference_states(circuit, values):
    params = list(circuit.parameters)
    return np.stack([Statevector(circuit.assign_parameters(dict(zip(params, row)))).data
                     for row in values])


def _random_observable(n, rng, terms=4):
    labels = ["".join(rng.choice(list("IXYZ"), size=n)) for _ in range(terms)]
    return SparsePauliOp(labels, coeffs=rng.normal(size=terms))


def _finite_difference(circuit, obs, values, eps=1e-4):
    """Five-point central differences: error ~ eps**4 (high-frequency IQP angles need the small step)."""
    grads = np.empty(values.shape)
    for j in range(values.shape[1]):
        f = {}
        for k in (-2, -1, 1, 2):
            shifted = values.copy()
            shifted[:, j] += k * eps
            f[k] = execution.expectation_values(circuit, obs, shifted)
        grads[:, j] = (f[-2] - 8 * f[-1] + 8 * f[1] - f[2]) / (12 * eps)
    return grads


def _registry_cases():
    cases = []
    for kind, registry in (("feature_map", circuits.FEATURE_MAPS), ("ansatz", circuits.ANSATZE)):
        for name in registry:
            for n in (1, 2, 3, 4):
                ent = "full" if n == 4 else "linear"
                cases.append(pytest.param(kind, name, n, ent, id=f"{name}-{n}-{ent}"))
    return cases


def _build(kind, name, n, ent):
    reps = 2
    if kind == "feature_map":
        return circuits.feature_map(name, n, reps=reps, entanglement=ent)
    return circuits.ansatz(name, n, reps=reps, entanglement=ent)


@pytest.mark.parametrize("kind,name,n,ent", _registry_cases())
def test_registry_circuits_match_qiskit(kind, name, n, ent):
    rng = np.random.default_rng(n)
    circuit = _build(kind, name, n, ent)
    values = rng.uniform(0, 2 * np.pi, (3, circuit.num_parameters))
    ref = _reference_states(circuit, values)
    np.testing.assert_allclose(execution.statevectors(circuit, values), ref, atol=TOL, rtol=0)
    np.testing.assert_allclose(execution.probabilities(circuit, values), np.abs(ref) ** 2,
                               atol=TOL, rtol=0)
    obs = _random_observable(n, rng)
    expected = np.array([Statevector(s).expectation_value(obs).real for s in ref])
    np.testing.assert_allclose(execution.expectation_values(circuit, obs, values), expected,
                               atol=TOL, rtol=0)
    grads = execution.gradients(circuit, obs, values)
    assert grads.shape == values.shape
    np.testing.assert_allclose(grads, _finite_difference(circuit, obs, values), atol=1e-8, rtol=0)


@pytest.mark.parametrize("name", ["real_amplitudes", "efficient_su2", "excitation_preserving"])
def test_composed_model_gradients_match_qiskit_parameter_shift(name):
    """An independent exact reference: qiskit-ml's parameter-shift gradient on qiskit's estimator."""
    from qiskit_machine_learning.gradients import ParamShiftEstimatorGradient

    n = 3
    circuit = circuits.compose(circuits.feature_map("zz", n, reps=1),
                               circuits.ansatz(name, n, reps=2))
    rng = np.random.default_rng(7)
    values = rng.uniform(0, 2 * np.pi, (2, circuit.num_parameters))
    obs = _random_observable(n, rng)
    grad = ParamShiftEstimatorGradient(StatevectorEstimator())
    ref = np.array(grad.run([circuit] * 2, [obs] * 2, values).result().gradients)
    np.testing.assert_allclose(execution.gradients(circuit, obs, values), ref, atol=TOL, rtol=0)


def test_parameter_columns_follow_circuit_parameters_not_construction_order():
    b, a = Parameter("b"), Parameter("a")
    v = ParameterVector("x", 11)  # sorted x[0], x[1], ..., x[10], not lexicographically
    qc = QuantumCircuit(2)
    qc.ry(b, 0)
    qc.rx(a, 1)
    qc.rz(v[10], 0)
    for i in range(10):
        qc.ry(v[i] * (i + 1) / 10, i % 2)
    values = np.random.default_rng(0).uniform(-3, 3, (4, qc.num_parameters))
    np.testing.assert_allclose(execution.statevectors(qc, values), _reference_states(qc, values),
                               atol=TOL, rtol=0)


def test_zz_feature_map_product_expressions_are_evaluated_per_row():
    qc = circuits.feature_map("zz", 2, reps=1)
    x = np.array([[0.3, 1.7], [2.0, -1.0], [np.pi, np.pi]])
    np.testing.assert_allclose(execution.statevectors(qc, x), _reference_states(qc, x),
                               atol=TOL, rtol=0)


def test_nonlinear_expressions_and_odd_parameter_names():
    """sin/exp/powers/quotients go through the fast text compiler; a name that is not a Python
    identifier goes through sympy; both must give qiskit's numbers and exact derivatives."""
    a, b, odd = Parameter("a"), Parameter("b"), Parameter("my angle")
    x = ParameterVector("x", 2)
    qc = QuantumCircuit(2)
    qc.h([0, 1])
    qc.ry((a * x[0]).sin() + b.exp() / 3, 0)
    qc.rzz(x[1] ** 2 - a / (1 + b * b), 0, 1)
    qc.rx(2 * odd * x[0] + odd.cos(), 1)
    qc.cp((x[0] * x[1]).exp() / 5, 1, 0)
    rng = np.random.default_rng(10)
    values = rng.uniform(-1, 1, (4, qc.num_parameters))
    np.testing.assert_allclose(execution.statevectors(qc, values), _reference_states(qc, values),
                               atol=TOL, rtol=0)
    obs = SparsePauliOp(["ZX", "YY"], coeffs=[1.0, 0.4])
    np.testing.assert_allclose(execution.gradients(qc, obs, values),
                               _finite_difference(qc, obs, values), atol=1e-8, rtol=0)


def test_list_of_observables_and_subset_of_parameters():
    qc = circuits.ansatz("efficient_su2", 3, reps=2)
    rng = np.random.default_rng(1)
    values = rng.uniform(0, 2 * np.pi, (5, qc.num_parameters))
    ops = [SparsePauliOp("ZII"), _random_observable(3, rng), SparsePauliOp("XYZ")]
    ev = execution.expectation_values(qc, ops, values)
    assert ev.shape == (5, 3)
    wrt = [1, 4, 7]
    g = execution.gradients(qc, ops, values, wrt=wrt)
    assert g.shape == (5, 3, 3)
    for k, o in enumerate(ops):
        np.testing.assert_allclose(ev[:, k], execution.expectation_values(qc, o, values), atol=TOL)
        full = execution.gradients(qc, o, values)
        np.testing.assert_allclose(g[:, k, :], full[:, wrt], atol=TOL, rtol=0)
        # a single parameter takes the forward-mode route; it must agree with the adjoint
        for j in (0, 5, qc.num_parameters - 1):
            np.testing.assert_allclose(execution.gradients(qc, o, values, wrt=[j]), full[:, [j]],
                                       atol=TOL, rtol=0)


def test_custom_gates_go_through_their_definitions_even_with_a_library_name():
    from qiskit.circuit import Gate

    t = Parameter("t")
    body = QuantumCircuit(2)
    body.ry(t, 0)
    body.cx(0, 1)
    body.rz(t / 2, 1)
    impostor = Gate("rx", 2, [t])  # not qiskit's RX: must not be simulated as one
    impostor.definition = body
    qc = QuantumCircuit(3)
    qc.h(2)
    qc.append(impostor, [2, 0])
    qc.append(body.to_gate(label="blk"), [1, 2])
    values = np.array([[0.7], [-1.3]])
    np.testing.assert_allclose(execution.statevectors(qc, values), _reference_states(qc, values),
                               atol=TOL, rtol=0)


def test_global_phase_and_final_measurements():
    t = Parameter("t")
    qc = QuantumCircuit(2, global_phase=0.5 * t + 0.1)
    qc.h(0)
    qc.crx(t, 0, 1)
    values = np.array([[0.4], [2.5]])
    np.testing.assert_allclose(execution.statevectors(qc, values), _reference_states(qc, values),
                               atol=TOL, rtol=0)
    measured = qc.measure_all(inplace=False)
    np.testing.assert_allclose(execution.probabilities(measured, values),
                               np.abs(_reference_states(qc, values)) ** 2, atol=TOL, rtol=0)


def test_projector_observable_without_dense_matrix():
    n = 4
    qc = circuits.ansatz("real_amplitudes", n, reps=2)
    values = np.random.default_rng(3).uniform(0, 2 * np.pi, (3, qc.num_parameters))
    # |0...0><0...0| = prod (I + Z)/2: 2**n Z-type terms
    proj = SparsePauliOp("I" * n)
    for q in range(n):
        proj = proj.compose(SparsePauliOp(["I" * n, "I" * (n - 1 - q) + "Z" + "I" * q],
                                          coeffs=[0.5, 0.5]))
    proj = proj.simplify()
    states = _reference_states(qc, values)
    np.testing.assert_allclose(execution.expectation_values(qc, proj, values),
                               np.abs(states[:, 0]) ** 2, atol=TOL, rtol=0)


def test_batch_splitting_gives_the_same_result(monkeypatch):
    qc = circuits.compose(circuits.feature_map("zz", 3, reps=1), circuits.ansatz("real_amplitudes", 3))
    rng = np.random.default_rng(4)
    values = rng.uniform(0, 2 * np.pi, (13, qc.num_parameters))
    obs = _random_observable(3, rng)
    whole = (execution.statevectors(qc, values), execution.expectation_values(qc, obs, values),
             execution.gradients(qc, [obs, obs], values))
    monkeypatch.setattr(limits, "MEMORY_BUDGET_BYTES", 16 * 8 * 5)  # a few rows per chunk
    split = (execution.statevectors(qc, values), execution.expectation_values(qc, obs, values),
             execution.gradients(qc, [obs, obs], values))
    for a, b in zip(whole, split):
        np.testing.assert_allclose(a, b, atol=1e-13, rtol=0)


def test_capacity_error_names_the_limit():
    qc = QuantumCircuit(execution.MAX_EXACT_QUBITS + 6)
    with pytest.raises(CapacityError, match=rf"num_qubits: {execution.MAX_EXACT_QUBITS + 6}.*"
                                            rf"limit is {execution.MAX_EXACT_QUBITS} qubits"):
        execution.statevectors(qc, np.zeros((1, 0)))


def test_capacity_error_when_one_state_does_not_fit_in_free_memory(monkeypatch):
    monkeypatch.setattr(limits, "available_memory_bytes", lambda: 2 ** 20)
    qc = circuits.ansatz("real_amplitudes", 16, reps=1)  # 3 states of 2**16 amplitudes > 1 MiB
    with pytest.raises(CapacityError, match=r"num_qubits: 16 needs about .* GiB .* free"):
        execution.statevectors(qc, np.zeros((1, qc.num_parameters)))


@pytest.mark.parametrize("name,kind,ent", [("zz", "feature_map", "circular"),
                                           ("efficient_su2", "ansatz", "sca"),
                                           ("random_pauli", "ansatz", "linear")])
def test_wider_circuits_match_qiskit(name, kind, ent):
    n = 7
    qc = _build(kind, name, n, ent)
    rng = np.random.default_rng(11)
    values = rng.uniform(0, 2 * np.pi, (2, qc.num_parameters))
    ref = _reference_states(qc, values)
    np.testing.assert_allclose(execution.statevectors(qc, values), ref, atol=TOL, rtol=0)
    obs = _random_observable(n, rng)
    expected = np.array([Statevector(s).expectation_value(obs).real for s in ref])
    np.testing.assert_allclose(execution.expectation_values(qc, obs, values), expected,
                               atol=TOL, rtol=0)
    wrt = [0, qc.num_parameters // 2, qc.num_parameters - 1]
    grads = execution.gradients(qc, obs, values, wrt=wrt)
    fd = _finite_difference(qc, obs, values)[:, wrt]
    np.testing.assert_allclose(grads, fd, atol=1e-8, rtol=0)


def test_bad_inputs_name_the_field():
    qc = circuits.ansatz("real_amplitudes", 2, reps=1)
    with pytest.raises(DataError, match=r"values: expected shape \(batch, 4\)"):
        execution.statevectors(qc, np.zeros((2, 3)))
    with pytest.raises(DataError, match="values: contains NaN"):
        execution.statevectors(qc, np.full((1, 4), np.nan))
    with pytest.raises(DataError, match="observable: acts on 3 qubits but the circuit has 2"):
        execution.expectation_values(qc, SparsePauliOp("ZZZ"), np.zeros((1, 4)))
    with pytest.raises(DataError, match="wrt: index 9"):
        execution.gradients(qc, SparsePauliOp("ZZ"), np.zeros((1, 4)), wrt=[9])


def _reset_circuit():
    """A reset on a qubit in a product state: Aer simulates it deterministically, we do not."""
    t = Parameter("t")
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.reset(0)
    qc.ry(t, 0)
    qc.cx(0, 1)
    qc.rz(2 * t, 1)
    plain = QuantumCircuit(2)
    plain.ry(t, 0)
    plain.cx(0, 1)
    plain.rz(2 * t, 1)
    return qc, plain


@pytest.mark.timeout(120)
def test_unsupported_circuit_falls_back_to_aer_with_one_warning():
    qc, plain = _reset_circuit()
    values = np.array([[0.3], [1.9], [-2.2]])
    obs = SparsePauliOp(["ZZ", "XI"], coeffs=[1.0, 0.5])
    ev = execution.evaluator_for()
    execution.evaluator._warned.clear()
    with pytest.warns(RuntimeWarning, match="reset") as record:
        got = ev.expectation_values(qc, obs, values)
    assert len([w for w in record if "reset" in str(w.message)]) == 1
    assert ev.path == execution.PATH_AER_MIXED and "reset" in ev.fallback_reason
    np.testing.assert_allclose(got, execution.expectation_values(plain, obs, values), atol=TOL)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a second call must not warn again
        grads = ev.gradients(qc, obs, values)
        probs = ev.probabilities(qc, values)
    np.testing.assert_allclose(grads, execution.gradients(plain, obs, values), atol=1e-9)
    np.testing.assert_allclose(probs, execution.probabilities(plain, values), atol=TOL)
    # a reset makes a mixed state in general: no statevector, and the message says why
    with pytest.raises(QmlbenchError, match="mixed state"):
        ev.statevectors(qc, values)
    ev.statevectors(plain, values)
    assert ev.path == execution.PATH_EXACT and ev.fallback_reason is None


def test_user_estimator_is_used_and_parameter_shift_gradients_are_exact():
    qc = circuits.compose(circuits.feature_map("zz", 2, reps=1),
                          circuits.ansatz("efficient_su2", 2, reps=1))
    rng = np.random.default_rng(5)
    values = rng.uniform(0, 2 * np.pi, (4, qc.num_parameters))
    obs = [SparsePauliOp("ZZ"), SparsePauliOp(["XY", "ZI"], coeffs=[0.3, -1.0])]
    ev = execution.evaluator_for(estimator=StatevectorEstimator())
    assert ev.path == execution.PATH_USER
    np.testing.assert_allclose(ev.expectation_values(qc, obs, values),
                               execution.expectation_values(qc, obs, values), atol=TOL)
    np.testing.assert_allclose(ev.gradients(qc, obs, values, wrt=[0, 3, 5]),
                               execution.gradients(qc, obs, values, wrt=[0, 3, 5]), atol=1e-9)


@pytest.mark.timeout(120)
def test_user_sampler_gives_probabilities_and_diagonal_expectations():
    from qiskit.primitives import StatevectorSampler

    shots = 20000
    qc = circuits.ansatz("real_amplitudes", 2, reps=1)
    rng = np.random.default_rng(12)
    values = rng.uniform(0, 2 * np.pi, (3, qc.num_parameters))
    ev = execution.evaluator_for(sampler=StatevectorSampler(default_shots=shots, seed=3))
    assert ev.path == execution.PATH_USER
    p_exact = execution.probabilities(qc, values)
    p = ev.probabilities(qc, values)
    assert np.all(np.abs(p - p_exact) <= 5 * np.sqrt(p_exact * (1 - p_exact) / shots) + 1e-12)
    zz = SparsePauliOp(["ZZ", "IZ"], coeffs=[1.0, 0.5])
    exact = execution.expectation_values(qc, zz, values)
    # |coefficients| sum to 1.5, so the sample mean has std <= 1.5 / sqrt(shots)
    assert np.all(np.abs(ev.expectation_values(qc, zz, values) - exact) < 5 * 1.5 / np.sqrt(shots))
    with pytest.raises(QmlbenchError, match="observable: .*X or Y terms.*estimator"):
        ev.expectation_values(qc, SparsePauliOp("XZ"), values)


@pytest.mark.timeout(120)
def test_shots_are_seeded_and_within_sampling_error():
    shots = 20000
    qc = circuits.ansatz("real_amplitudes", 2, reps=1)
    rng = np.random.default_rng(6)
    values = rng.uniform(0, 2 * np.pi, (3, qc.num_parameters))
    obs = SparsePauliOp("ZZ")
    ev = execution.evaluator_for(ExecutionSpec(shots=shots, seed=11))
    assert ev.path.startswith(execution.PATH_SHOTS) and str(shots) in ev.path
    exact_ev = execution.expectation_values(qc, obs, values)
    sigma = 1 / np.sqrt(shots)
    got = ev.expectation_values(qc, obs, values)
    assert np.all(np.abs(got - exact_ev) < 5 * sigma)
    np.testing.assert_array_equal(got, execution.evaluator_for({"shots": shots, "seed": 11})
                                  .expectation_values(qc, obs, values))
    p_exact = execution.probabilities(qc, values)
    p = ev.probabilities(qc, values)
    assert np.all(np.abs(p - p_exact) <= 5 * np.sqrt(p_exact * (1 - p_exact) / shots) + 1e-12)
    # each parameter appears in one rotation: gradient = (f+ - f-)/2 has std sigma/sqrt(2)
    g = ev.gradients(qc, obs, values)
    assert np.all(np.abs(g - execution.gradients(qc, obs, values)) < 5 * sigma)


# --- property-based: random circuits of standard gates ----------------------------------------
_FIXED_1Q = ["h", "x", "y", "z", "s", "sdg", "t", "tdg", "sx", "sxdg"]
_FIXED_2Q = ["cx", "cz", "cy", "swap", "ch", "iswap", "dcx", "ecr"]
_PARAM_1Q = {"rx": 1, "ry": 1, "rz": 1, "p": 1, "u": 3, "r": 2, "u2": 2}
_PARAM_2Q = {"rxx": 1, "ryy": 1, "rzz": 1, "rzx": 1, "crx": 1, "cry": 1, "crz": 1, "cp": 1,
             "cu": 4, "xx_plus_yy": 2, "xx_minus_yy": 2, "cu3": 3}


@st.composite
def random_circuits(draw):
    from qiskit.circuit.library import get_standard_gate_name_mapping

    gates = get_standard_gate_name_mapping()
    n = draw(st.integers(1, 4))
    params = ParameterVector("p", draw(st.integers(1, 4)))
    qc = QuantumCircuit(n)
    for _ in range(draw(st.integers(1, 14))):
        kind = draw(st.sampled_from(["f1", "p1"] + (["f2", "p2", "ccx"] if n >= 2 else [])))
        if kind == "ccx" and n < 3:
            kind = "f2"
        qubits = draw(st.permutations(range(n)))
        if kind == "f1":
            getattr(qc, draw(st.sampled_from(_FIXED_1Q)))(qubits[0])
        elif kind == "f2":
            name = draw(st.sampled_from(_FIXED_2Q))
            qc.append(gates[name], qubits[:2])
        elif kind == "ccx":
            qc.ccx(*qubits[:3])
        else:
            table = _PARAM_1Q if kind == "p1" else _PARAM_2Q
            name = draw(st.sampled_from(sorted(table)))
            angles = []
            for _ in range(table[name]):
                form = draw(st.sampled_from(["param", "scaled", "product", "const"]))
                a, b = draw(st.sampled_from(list(params))), draw(st.sampled_from(list(params)))
                c = draw(st.floats(-2, 2, allow_nan=False))
                angles.append({"param": a, "scaled": c * a + 0.3, "product": a * b - c,
                               "const": c}[form])
            gate = type(gates[name])(*angles)
            qc.append(gate, qubits[:gate.num_qubits])
    return qc


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_circuits(), st.integers(0, 2 ** 31 - 1))
def test_random_circuits_match_qiskit_and_finite_differences(qc, seed):
    rng = np.random.default_rng(seed)
    values = rng.uniform(-np.pi, np.pi, (2, qc.num_parameters))
    np.testing.assert_allclose(execution.statevectors(qc, values), _reference_states(qc, values),
                               atol=TOL, rtol=0)
    obs = _random_observable(qc.num_qubits, rng, terms=3)
    grads = execution.gradients(qc, obs, values)
    np.testing.assert_allclose(grads, _finite_difference(qc, obs, values), atol=1e-6, rtol=0)
    last = qc.num_parameters - 1
    if last >= 0:
        np.testing.assert_allclose(execution.gradients(qc, obs, values, wrt=[last]),
                                   grads[:, [last]], atol=TOL, rtol=0)


# --- the fast path behind qiskit's primitive interfaces ---------------------------------------
@pytest.mark.parametrize("input_gradients", [False, True])
def test_estimator_qnn_on_fast_primitives_matches_qiskit(input_gradients):
    from qiskit_machine_learning.gradients import ParamShiftEstimatorGradient
    from qiskit_machine_learning.neural_networks import EstimatorQNN

    from qmlbench.engine.execution import FastEstimator, FastEstimatorGradient

    fm = circuits.feature_map("zz", 3, reps=1)
    an = circuits.ansatz("real_amplitudes", 3, reps=2)
    qc = circuits.compose(fm, an)
    obs = [SparsePauliOp("ZZZ"), SparsePauliOp(["XIY", "IZI"], coeffs=[0.5, -1.0])]
    common = dict(circuit=qc, observables=obs, input_params=list(fm.parameters),
                  weight_params=list(an.parameters), input_gradients=input_gradients,
                  default_precision=0.0)
    ours = EstimatorQNN(estimator=FastEstimator(), gradient=FastEstimatorGradient(), **common)
    est = StatevectorEstimator()
    ref = EstimatorQNN(estimator=est, gradient=ParamShiftEstimatorGradient(est), **common)
    rng = np.random.default_rng(8)
    X = rng.uniform(0, np.pi, (5, 3))
    w = rng.uniform(0, 2 * np.pi, an.num_parameters)
    np.testing.assert_allclose(ours.forward(X, w), ref.forward(X, w), atol=TOL)
    (gi, gw), (ri, rw) = ours.backward(X, w), ref.backward(X, w)
    np.testing.assert_allclose(gw, rw, atol=1e-9)
    if input_gradients:
        np.testing.assert_allclose(gi, ri, atol=1e-9)
    else:
        assert gi is None and ri is None


def test_fast_estimator_broadcasts_pubs_like_qiskit():
    from qmlbench.engine.execution import FastEstimator

    qc = circuits.ansatz("efficient_su2", 2, reps=1)
    rng = np.random.default_rng(9)
    values = rng.uniform(0, 2 * np.pi, (3, 1, qc.num_parameters))
    obs = [[SparsePauliOp("ZZ"), SparsePauliOp("XY"), SparsePauliOp(["IZ", "XX"], [1.0, 0.2])]]
    ours = FastEstimator().run([(qc, obs, values)]).result()[0].data.evs
    ref = StatevectorEstimator().run([(qc, obs, values)]).result()[0].data.evs
    assert ours.shape == ref.shape == (3, 3)
    np.testing.assert_allclose(ours, ref, atol=TOL)
    bound = qc.assign_parameters(values[0, 0])
    single = FastEstimator().run([(bound, SparsePauliOp("ZZ"))]).result()[0].data.evs
    np.testing.assert_allclose(single, ref[0, 0], atol=TOL)
