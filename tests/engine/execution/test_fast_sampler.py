"""FastSampler: qiskit's StatevectorSampler semantics on the exact batched path."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import Parameter
from qiskit.circuit.library import real_amplitudes
from qiskit.primitives import StatevectorSampler
from qiskit.primitives.containers.sampler_pub import SamplerPub

from qmlbench.engine import execution
from qmlbench.engine.errors import QmlbenchError
from qmlbench.engine.execution import FastEstimator, FastSampler


def _registers_circuit():
    a, b, c = ClassicalRegister(1, "a"), ClassicalRegister(5, "b"), ClassicalRegister(3, "c")
    qc = QuantumCircuit(QuantumRegister(3), a, b, c)
    qc.h(0)
    qc.ry(Parameter("t"), 1)
    qc.rx(Parameter("u"), 2)
    qc.cx(1, 2)
    qc.measure([0, 1, 2, 2], [0, 2, 4, 5])
    return qc


def _exact_register_probs(qc, values, creg):
    """Reference: qiskit's StatevectorSampler layout, probabilities from many shots are too
    noisy; use the exact statevector and qiskit's own bit bookkeeping instead."""
    from qiskit.quantum_info import Statevector
    bound = qc.assign_parameters(values).remove_final_measurements(inplace=False)
    probs = Statevector(bound).probabilities_dict()
    # map qubit outcome -> register value by the measurement list of _registers_circuit
    meas = {0: 0, 2: 1, 4: 2, 5: 2}  # clbit -> qubit
    offsets = {"a": 0, "b": 1, "c": 6}
    sizes = {"a": 1, "b": 5, "c": 3}
    out: dict[int, float] = {}
    for key, p in probs.items():
        bits = key[::-1]
        value = 0
        for j in range(sizes[creg]):
            clbit = offsets[creg] + j
            if clbit in meas and bits[meas[clbit]] == "1":
                value |= 1 << j
        out[value] = out.get(value, 0.0) + p
    return out


def test_layout_matches_statevector_sampler():
    qc = _registers_circuit()
    values = np.array([[[0.3, 1.1], [2.0, 0.4]], [[1.0, 2.5], [0.1, 0.2]]])  # shape (2, 2, P)
    shots = 4000
    fast = FastSampler(seed=7).run([(qc, values)], shots=shots).result()[0]
    ref = StatevectorSampler(seed=7).run([(qc, values)], shots=shots).result()[0]
    assert list(fast.data.keys()) == list(ref.data.keys()) == ["a", "b", "c"]
    assert fast.data.shape == ref.data.shape == (2, 2)
    assert fast.metadata == ref.metadata == {"shots": shots, "circuit_metadata": {}}
    for name in ("a", "b", "c"):
        f, r = getattr(fast.data, name), getattr(ref.data, name)
        assert (f.shape, f.num_bits, f.num_shots) == (r.shape, r.num_bits, r.num_shots)
        assert f.array.shape == r.array.shape and f.array.dtype == r.array.dtype
    for idx in np.ndindex(2, 2):
        row = dict(zip(qc.parameters, values[idx]))
        for name in ("a", "b", "c"):
            exact = _exact_register_probs(qc, row, name)
            counts = getattr(fast.data, name).get_int_counts(idx)
            assert set(counts) <= {k for k, p in exact.items() if p > 1e-12}
            for k, p in exact.items():
                # 5 sigma of a binomial with 4000 shots
                assert abs(counts.get(k, 0) / shots - p) < 5 * np.sqrt(p * (1 - p) / shots) + 1e-9


def test_counts_are_multinomial_and_seeded():
    qc = QuantumCircuit(2)
    qc.ry(Parameter("a"), 0)
    qc.cx(0, 1)
    qc.measure_all()
    rows = np.linspace(0.1, 3.0, 7)[:, None]
    s = FastSampler(seed=11)
    one = s.run([(qc, rows)], shots=500).result()[0].data.meas
    two = s.run([(qc, rows)], shots=500).result()[0].data.meas
    assert np.array_equal(one.array, two.array)
    # a row's samples do not depend on the other rows (as in qiskit's sampler)
    alone = s.run([(qc, rows[3:4])], shots=500).result()[0].data.meas
    assert np.array_equal(alone.array[0], one.array[3])
    other = FastSampler(seed=12).run([(qc, rows)], shots=500).result()[0].data.meas
    assert not np.array_equal(one.array, other.array)
    for i, a in enumerate(rows[:, 0]):
        counts = one.get_int_counts(i)
        assert set(counts) <= {0, 3} and sum(counts.values()) == 500
        p = np.sin(a / 2) ** 2
        assert abs(counts.get(3, 0) / 500 - p) < 5 * np.sqrt(p * (1 - p) / 500) + 1e-9


def test_generator_seed_advances():
    qc = QuantumCircuit(1)
    qc.h(0)
    qc.measure_all()
    s = FastSampler(seed=np.random.default_rng(3))
    a = s.run([qc], shots=64).result()[0].data.meas.array
    b = s.run([qc], shots=64).result()[0].data.meas.array
    assert not np.array_equal(a, b)
    assert isinstance(s.seed, np.random.Generator)


def test_runs_on_the_exact_batched_path():
    qc = QuantumCircuit(2)
    qc.compose(real_amplitudes(2, reps=1), inplace=True)
    qc.measure_all()
    s = FastSampler(seed=0)
    s.run([(qc, np.zeros((3, qc.num_parameters)))], shots=10).result()
    assert s.path == execution.PATH_EXACT


def test_mid_circuit_measurement_and_reset_go_to_aer_seeded():
    qc = QuantumCircuit(2, 2)
    qc.h(0)
    qc.measure(0, 0)
    qc.cx(0, 1)  # acts on a measured qubit: a mid-circuit measurement
    qc.reset(0)
    qc.measure([0, 1], [0, 1])
    s = FastSampler(seed=5)
    r1 = s.run([qc], shots=2000).result()[0].data.c
    assert "Aer" in s.path
    r2 = s.run([qc], shots=2000).result()[0].data.c
    assert np.array_equal(r1.array, r2.array)
    counts = r1.get_counts()
    assert set(counts) <= {"00", "10"}  # qubit 0 is reset, qubit 1 copies the measured bit
    assert abs(counts.get("10", 0) / 2000 - 0.5) < 0.05


def test_parameterised_controlled_rotation_on_the_aer_path_is_bound():
    """Aer 0.18 drops crx angles it binds itself; the delegated path binds first."""
    t = Parameter("t")
    qc = QuantumCircuit(2, 2)
    qc.x(0)
    qc.crx(t, 0, 1)
    qc.reset(0)  # forces the Aer path
    qc.measure([0, 1], [0, 1])
    res = FastSampler(seed=1).run([(qc, [[np.pi], [0.0]])], shots=400).result()[0].data.c
    assert res.shape == (2,)
    assert res.get_counts(0) == {"10": 400}
    assert res.get_counts(1) == {"00": 400}


def test_control_flow_goes_to_aer():
    qc = QuantumCircuit(2, 2)
    qc.x(0)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)):
        qc.x(1)
    qc.measure(1, 1)
    res = FastSampler(seed=2).run([qc], shots=100).result()[0].data.c
    assert res.get_counts() == {"11": 100}


def test_exact_mode_gives_probabilities():
    qc = QuantumCircuit(2)
    qc.ry(Parameter("a"), 0)
    qc.measure_all()
    res = FastSampler(default_shots=None).run([(qc, [[np.pi / 2], [np.pi]])]).result()[0]
    assert res.metadata["shots"] is None
    p0 = res.data.meas.get_probabilities(0)
    assert p0 == pytest.approx({"00": 0.5, "01": 0.5})
    p1 = res.data.meas.get_probabilities(1)
    assert p1["01"] == pytest.approx(1.0) and p1.get("00", 0.0) == pytest.approx(0.0, abs=1e-15)
    qc2 = QuantumCircuit(1, 1)
    qc2.h(0)
    qc2.measure(0, 0)
    qc2.reset(0)
    with pytest.raises(QmlbenchError, match="pass shots"):
        FastSampler(default_shots=None).run([qc2]).result()


def test_errors_like_statevector_sampler():
    """test_run_errors of qiskit's suite, less the control-flow case (Aer runs it here)."""
    qc1 = QuantumCircuit(1)
    qc1.measure_all()
    qc2 = QuantumCircuit(1)
    qc2.append(real_amplitudes(num_qubits=1, reps=1), [0])
    qc2.measure_all()
    s = FastSampler()
    for bad in ([(qc1, [1e2])], [qc2], [(qc2, [])], [(qc2, None)], [(qc2, [1e2])],
                [(qc2, [1e2] * 100)], [(qc1, None, -1)], [(qc1, None, 0)]):
        with pytest.raises(ValueError):
            s.run(bad).result()
    for shots in (-1, 0):
        with pytest.raises(ValueError):
            s.run([qc1], shots=shots).result()
        with pytest.raises(ValueError):
            s.run([SamplerPub(qc1, shots=shots)]).result()
    with pytest.raises(ValueError, match="An invalid Sampler pub-like was given"):
        s.run(qc1).result()
    with pytest.raises(ValueError, match="Note that if you want to run a single pub,"):
        s.run((qc2, [0, 1])).result()


def test_no_registers_warns_and_is_empty():
    with pytest.warns(UserWarning):
        res = FastSampler().run([QuantumCircuit(2)]).result()
    assert len(res[0].data) == 0


def test_estimator_metadata_has_qiskits_keys_only():
    qc = QuantumCircuit(2)
    est = FastEstimator()
    res = est.run([(qc, "ZZ")], precision=0.1).result()
    assert res[0].metadata == {"target_precision": 0.1, "circuit_metadata": {}}
    assert est.evaluator.path == execution.PATH_EXACT


def test_exported_from_execution():
    assert execution.FastSampler is FastSampler
    assert "FastSampler" in execution.__all__


def test_unmeasured_qubits_are_marginalised():
    from qiskit.quantum_info import Statevector
    qc = QuantumCircuit(4, 2)
    for q, a in enumerate((0.4, 1.3, 2.2, 0.9)):
        qc.ry(a, q)
    qc.cx(0, 1)
    qc.cx(2, 3)
    qc.measure(2, 0)
    qc.measure(0, 1)  # register bit 0 = qubit 2, bit 1 = qubit 0
    exact = Statevector(qc.remove_final_measurements(inplace=False)).probabilities([2, 0])
    res = FastSampler(default_shots=None).run([qc]).result()[0].data.c.get_probabilities()
    got = np.array([res.get(format(k, "02b"), 0.0) for k in range(4)])
    assert np.allclose(got, exact)
