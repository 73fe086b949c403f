"""Circuits: every registry entry builds, naming conventions hold, facts are right, bad input is named."""

import itertools
import pickle

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import Statevector

import qmlbench as qb
from qmlbench.engine import circuits as C
from qmlbench.engine.errors import CapacityError, SpecError
from qmlbench.engine.spec import CircuitSpec, BlockSpec


@pytest.mark.parametrize("name,entanglement", list(itertools.product(sorted(C.FEATURE_MAPS), C.ENTANGLEMENTS)))
@pytest.mark.parametrize("n", [1, 3])
def test_every_feature_map_builds_with_every_entanglement(name, entanglement, n):
    qc = C.feature_map(name, n, reps=2, entanglement=entanglement)
    assert isinstance(qc, QuantumCircuit)
    assert qc.num_qubits == n
    names = [p.name for p in qc.parameters]
    # one input per qubit, or per_qubit() of them (rotations loads one per axis)
    per = C.FEATURE_MAPS[name].per_qubit()
    assert names == [f"x[{i}]" for i in range(n * per)], names
    assert qc.metadata["entanglement_applies"] == C.FEATURE_MAPS[name].uses_entanglement


@pytest.mark.parametrize("name,entanglement", list(itertools.product(sorted(C.ANSATZE), C.ENTANGLEMENTS)))
@pytest.mark.parametrize("n", [1, 3])
def test_every_ansatz_builds_with_every_entanglement(name, entanglement, n):
    qc = C.ansatz(name, n, reps=2, entanglement=entanglement)
    assert qc.num_qubits == n
    assert qc.num_parameters > 0
    assert all(p.name.startswith("θ[") for p in qc.parameters)
    facts = C.circuit_facts(qc)
    assert facts["num_weights"] == qc.num_parameters and facts["num_inputs"] == 0


def test_entanglement_changes_circuit_only_where_it_applies():
    def ops(qc):
        return [(i.operation.name, tuple(qc.find_bit(q).index for q in i.qubits)) for i in qc.data]

    for registry, build in ((C.FEATURE_MAPS, C.feature_map), (C.ANSATZE, C.ansatz)):
        for name, block in registry.items():
            a = ops(build(name, 4, reps=1, entanglement="linear"))
            b = ops(build(name, 4, reps=1, entanglement="full"))
            assert (a != b) == block.uses_entanglement, name


def test_composed_parameters_list_inputs_then_weights():
    fm = C.feature_map("zz", 3, reps=2)
    an = C.ansatz("real_amplitudes", 3, reps=2)
    qc = C.compose(fm, an)
    names = [p.name for p in qc.parameters]
    assert names[:3] == ["x[0]", "x[1]", "x[2]"]
    assert all(n.startswith("θ[") for n in names[3:]) and len(names) == 3 + 9


def test_compose_refuses_different_widths():
    with pytest.raises(ValueError, match="3 qubits but ansatz has 2"):
        C.compose(C.feature_map("z", 3), C.ansatz("real_amplitudes", 2))


def test_facts_of_a_hand_checked_circuit():
    # real_amplitudes(3, reps=2, linear): RY layer ×3, CX(0,1) CX(1,2) ×2 -> 9 RY, 4 CX.
    # Depth: RY, CX01, CX12, RY, CX01, CX12, RY = 7.
    qc = C.ansatz("real_amplitudes", 3, reps=2, entanglement="linear")
    facts = C.circuit_facts(qc)
    assert facts == {"num_qubits": 3, "depth": 7, "two_qubit_gates": 4, "num_parameters": 9,
                     "num_inputs": 0, "num_weights": 9, "gate_counts": {"cx": 4, "ry": 9}}
    # zz(2, reps=1): H H, P P, CX P CX -> depth 5, 2 CX, 3 P, 2 H
    facts = C.circuit_facts(C.feature_map("zz", 2, reps=1))
    assert facts["gate_counts"] == {"cx": 2, "h": 2, "p": 3}
    assert facts["depth"] == 5 and facts["two_qubit_gates"] == 2 and facts["num_inputs"] == 2


def test_facts_decompose_library_blocks():
    # excitation_preserving's 'Interaction' block is a two-qubit gate made of standard gates.
    facts = C.circuit_facts(C.ansatz("excitation_preserving", 3, reps=1, entanglement="linear"))
    assert all(g in qb.circuits._STANDARD for g in facts["gate_counts"])
    assert facts["two_qubit_gates"] == 2


def test_zz_matches_the_havlicek_formula():
    # U_Phi(x) = exp(i sum phi_S Z_S) H^n with phi_i = x_i, phi_01 = (pi - x0)(pi - x1): on 2 qubits
    # the state is diag(exp(-i*2*...)) acting on |+>^2 (P(2phi) conventions of qiskit).
    x = np.array([0.3, 1.7])
    qc = C.feature_map("zz", 2, reps=1).assign_parameters(x)
    z = np.array([1, -1])
    phase = []
    for b in range(4):
        z0, z1 = z[b & 1], z[(b >> 1) & 1]
        phi = x[0] * (1 - z0) + x[1] * (1 - z1) + (np.pi - x[0]) * (np.pi - x[1]) * (1 - z0 * z1)
        phase.append(np.exp(1j * phi))
    expected = np.array(phase) / 2
    got = Statevector(qc).data
    assert abs(abs(np.vdot(expected, got)) - 1) < 1e-10


@pytest.mark.parametrize("rotation", ["x", "y", "z"])
def test_angle_encoding_rotates_each_qubit(rotation):
    qc = C.feature_map("angle", 2, rotation=rotation).assign_parameters([np.pi, 0.0])
    probs = Statevector(qc).probabilities([0])  # qubit 0 after a π rotation
    expected_one = 1.0 if rotation in "xy" else 0.5  # H then RZ(π): |->, half |1> in Z basis
    assert probs[1] == pytest.approx(expected_one)


def test_iqp_uses_products_of_inputs():
    qc = C.feature_map("iqp", 2, reps=1)
    exprs = [str(i.operation.params[0]) for i in qc.data if i.operation.params]
    assert any("x[0]*x[1]" in e.replace(" ", "") for e in exprs), exprs


def test_two_local_blocks_by_name():
    qc = C.ansatz("two_local", 3, reps=1, rotation_blocks=["rx", "rz"], entanglement_blocks="crx")
    counts = C.circuit_facts(qc)["gate_counts"]
    assert counts == {"crx": 2, "rx": 6, "rz": 6}


def test_random_pauli_structure_and_seed():
    qc = C.ansatz("random_pauli", 4, reps=3, seed=7)
    axes = qc.metadata["axes"]
    assert axes == C.random_pauli_axes(4, 3, 7)
    assert qc.data[0].operation.name == "ry" and float(qc.data[0].operation.params[0]) == pytest.approx(np.pi / 4)
    facts = C.circuit_facts(qc)
    assert facts["gate_counts"]["cz"] == 3 * 3  # linear CZ ladder per layer
    assert facts["num_weights"] == 12
    rot = [i.operation.name for i in qc.data if i.operation.params and i.operation.is_parameterized()]
    assert rot == [f"r{a}" for layer in axes for a in layer]
    assert C.ansatz("random_pauli", 4, reps=3, seed=7).metadata["axes"] == axes
    assert C.ansatz("random_pauli", 4, reps=3, seed=8).metadata["axes"] != axes
    given = [["x"] * 4, ["y"] * 4, ["z"] * 4]
    assert C.ansatz("random_pauli", 4, reps=3, axes=given).metadata["axes"] == given


def test_from_spec_uses_features_when_num_qubits_is_none():
    spec = CircuitSpec(feature_map=BlockSpec("zz", reps=2), ansatz=BlockSpec("efficient_su2", reps=1))
    fm, an = C.from_spec(spec, num_features=3)
    assert fm.num_qubits == an.num_qubits == 3
    fm, an = C.from_spec(CircuitSpec(num_qubits=2, feature_map=BlockSpec("z"),
                                     ansatz=BlockSpec("real_amplitudes")), num_features=5)
    assert fm.num_qubits == an.num_qubits == 2


@pytest.mark.parametrize("call,match", [
    (lambda: C.feature_map("zzz", 2), r"circuit.feature_map.name: 'zzz' is not a known feature map; choose one of angle, heisenberg, iqp, pauli, rotations, separable, z, zz"),
    (lambda: C.ansatz("real_amp", 2), r"circuit.ansatz.name: 'real_amp' is not a known ansatz; choose one of efficient_su2"),
    (lambda: C.feature_map("zz", 2, entanglement="ring"), r"entanglement: 'ring' is not a known entanglement; choose one of full, linear, reverse_linear, pairwise, circular, sca"),
    (lambda: C.ansatz("real_amplitudes", 2, reps=0), r"circuit.ansatz.reps: 0 must be an integer >= 1"),
    (lambda: C.feature_map("zz", 2, alhpa=1.0), r"options.alhpa: 1.0 is not an option of zz; choose one of alpha"),
    (lambda: C.feature_map("zz", 2, alpha="big"), r"circuit.feature_map.options.alpha: 'big' must be a finite number"),
    (lambda: C.feature_map("pauli", 2, paulis="ZZ"), r"options.paulis: 'ZZ' must be a non-empty list of Pauli strings"),
    (lambda: C.ansatz("random_pauli", 2, reps=2, axes=[["x", "q"], ["y", "z"]]), r"options.axes: .* must be 2 lists of 2 axes from x, y, z"),
    (lambda: C.ansatz("pauli_two_design", 2, seed=-1), r"options.seed: -1 must be a non-negative integer"),
    (lambda: C.ansatz("real_amplitudes", 2, skip_final_rotation_layer="yes"), r"skip_final_rotation_layer: 'yes' must be true or false"),
    (lambda: C.feature_map("pauli", 2, paulis=["ZQ"]), r"options.paulis: 'ZQ' must be a string of Pauli letters"),
    (lambda: C.feature_map("pauli", 2, paulis=["ZZZ"]), r"'ZZZ' acts on more qubits than the circuit has \(2\)"),
    (lambda: C.feature_map("pauli", 3, paulis=["ZZZ"], entanglement="pairwise"), r"'pairwise' applies only to 1- and 2-qubit Pauli terms"),
    (lambda: C.feature_map("angle", 2, rotation="w"), r"options.rotation: 'w' is not a rotation axis; choose one of x, y, z"),
    (lambda: C.ansatz("two_local", 2, rotation_blocks=["foo"]), r"rotation_blocks: 'foo' is not a supported gate; choose one of rx, ry"),
    (lambda: C.ansatz("two_local", 2, entanglement_blocks="ry"), r"entanglement_blocks: 'ry' is not a supported gate; choose one of cx"),
    (lambda: C.ansatz("excitation_preserving", 2, mode="x"), r"options.mode: 'x' is not a mode; choose one of iswap, fsim"),
])
def test_bad_input_names_field_value_and_alternatives(call, match):
    with pytest.raises(SpecError, match=match):
        call()


def test_too_many_qubits_says_the_limit_and_why():
    limit = qb.execution.MAX_EXACT_QUBITS
    with pytest.raises(CapacityError, match=rf"{limit + 1} is too many .* limit is {limit} qubits .*statevector"):
        C.ansatz("real_amplitudes", limit + 1)


def test_circuits_pickle():
    qc = C.compose(C.feature_map("iqp", 2), C.ansatz("random_pauli", 2, reps=2))
    back = pickle.loads(pickle.dumps(qc))
    vals = np.linspace(0.1, 1.0, qc.num_parameters)
    assert np.allclose(Statevector(back.assign_parameters(vals)).data,
                       Statevector(qc.assign_parameters(vals)).data)


def test_check_options_catches_typos_without_building():
    C.check_options("ansatz", "two_local", {"rotation_blocks": ["rx"]})
    with pytest.raises(SpecError, match=r"circuit.ansatz.options.rotation_block: .* is not an option of two_local; "
                                        r"choose one of entanglement_blocks, rotation_blocks"):
        C.check_options("ansatz", "two_local", {"rotation_block": ["rx"]})
    with pytest.raises(SpecError, match=r"circuit.feature_map.name: 'nope' is not a known feature map"):
        C.check_options("feature_map", "nope", {})
