"""Data re-uploading (Pérez-Salinas et al. 2020, "Data re-uploading for a universal quantum
classifier"): a circuit option of every variational model, built from a spec."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.quantum_info import Statevector

import qmlbench as qb
from qmlbench.engine import circuits


def single_qubit_spec(layers, input_scaling=False, **model):
    return qb.ExperimentSpec.from_dict({
        "dataset": {"name": "moons"},
        "circuit": {"num_qubits": 1, "feature_map": {"name": "rotations"},
                    "ansatz": {"name": "efficient_su2", "reps": 1},
                    "reuploading": {"layers": layers, "input_scaling": input_scaling}},
        "model": {"name": "estimator_qnn", "params": {"observable": "Z0", **model}},
        "optimizer": {"name": "l_bfgs_b", "maxiter": 200},
    })


def test_spec_round_trip_and_default_specs_read_as_before():
    plain = qb.ExperimentSpec()
    assert "reuploading" not in plain.to_dict()["circuit"]
    assert plain.circuit.reupload == {"layers": 1, "input_scaling": False,
                                      "trainable_first": False}
    spec = single_qubit_spec(3)
    d = spec.to_dict()
    assert d["circuit"]["reuploading"] == {"layers": 3, "input_scaling": False,
                                           "trainable_first": False}
    assert qb.ExperimentSpec.from_json(spec.to_json()).to_dict() == d
    # the rotations map loads two features per qubit: one qubit takes the plane
    assert spec.circuit.num_features == 2


@pytest.mark.parametrize("value, field", [
    ({"layers": 0}, "circuit.reuploading.layers"),
    ({"layer": 2}, "circuit.reuploading.layer"),
    ({"input_scaling": "yes"}, "circuit.reuploading.input_scaling"),
    (3, "circuit.reuploading"),
])
def test_bad_settings_name_the_field(value, field):
    with pytest.raises(qb.SpecError) as err:
        qb.ExperimentSpec.from_dict({"circuit": {"reuploading": value}})
    assert err.value.field == field


def test_the_circuit_interleaves_encoding_and_ansatz_with_scaled_inputs():
    fm = circuits.feature_map("rotations", 1, axes=["y", "z"])
    an = circuits.ansatz("efficient_su2", 1, reps=1)
    assert circuits.compose(fm, an, layers=1) == circuits.compose(fm, an)
    c = circuits.compose(fm, an, layers=3, input_scaling=True)
    a, d = an.num_parameters, fm.num_parameters
    assert c.num_parameters == d + 3 * a + 3 * d
    assert [p.name for p in c.parameters][:2] == ["x[0]", "x[1]"]
    assert c.metadata["reuploading"] == {"layers": 3, "input_scaling": True,
                                         "trainable_first": False,
                                         "ansatz_weights": 3 * a, "scaling_weights": 3 * d}
    # the same state as the circuit written by hand: per layer RY(s0 x0) RZ(s1 x1), then
    # the layer's own RY RZ RY RZ
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=2), rng.normal(size=c.num_parameters - 2)
    from qiskit import QuantumCircuit

    hand = QuantumCircuit(1)
    for layer in range(3):
        s = w[3 * a + 2 * layer: 3 * a + 2 * layer + 2]
        hand.ry(s[0] * x[0], 0)
        hand.rz(s[1] * x[1], 0)
        t = w[a * layer: a * layer + a]
        hand.ry(t[0], 0)
        hand.rz(t[1], 0)
        hand.ry(t[2], 0)
        hand.rz(t[3], 0)
    got = qb.execution.statevectors(c, np.concatenate([x, w])[None, :])[0]
    assert abs(np.vdot(Statevector(hand).data, got)) == pytest.approx(1.0, abs=1e-12)


def test_trainable_first_puts_an_ansatz_copy_before_the_first_encoding():
    # W S W (Schuld, Sweke & Meyer 2021; Bowles et al. 2024's separable model): the first copy
    # takes theta[0:A], the one after encoding l theta[(l + 1) A:(l + 2) A], scalings last
    fm = circuits.feature_map("angle", 1, rotation="y")
    an = circuits.ansatz("separable", 1, reps=1)
    a = an.num_parameters
    c = circuits.compose(fm, an, layers=2, input_scaling=True, trainable_first=True)
    assert c.num_parameters == 1 + 3 * a + 2
    assert c.metadata["reuploading"]["ansatz_weights"] == 3 * a
    rng = np.random.default_rng(1)
    x, w = rng.normal(size=1), rng.normal(size=c.num_parameters - 1)
    from qiskit import QuantumCircuit

    hand = QuantumCircuit(1)

    def rot(t):
        for k in range(0, len(t), 3):
            hand.rz(t[k], 0)
            hand.ry(t[k + 1], 0)
            hand.rz(t[k + 2], 0)

    rot(w[0:a])
    for layer in range(2):
        hand.ry(w[3 * a + layer] * x[0], 0)
        rot(w[(layer + 1) * a:(layer + 2) * a])
    got = qb.execution.statevectors(c, np.concatenate([x, w])[None, :])[0]
    assert abs(np.vdot(Statevector(hand).data, got)) == pytest.approx(1.0, abs=1e-12)
    with pytest.raises(qb.SpecError, match="circuit.reuploading.trainable_first"):
        qb.ExperimentSpec.from_dict({"circuit": {"reuploading": {"trainable_first": 1}}})


@pytest.mark.parametrize("name", ["vqc", "estimator_qnn", "sampler_qnn", "vqr"])
def test_every_variational_model_builds_the_reuploaded_circuit_from_the_spec(name):
    dataset = "sine" if name == "vqr" else "moons"
    spec = qb.ExperimentSpec.from_dict({
        "dataset": {"name": dataset, "n_samples": 20},
        "circuit": {"feature_map": {"name": "angle"}, "ansatz": {"name": "real_amplitudes",
                                                                 "reps": 1},
                    "reuploading": {"layers": 2, "input_scaling": True}},
        "model": {"name": name}, "optimizer": {"name": "cobyla", "maxiter": 20}})
    run = qb.train(spec, block=True)
    m = run.model
    assert m.circuit_.metadata["reuploading"]["layers"] == 2
    assert m.num_weights_ == 2 * m.ansatz_.num_parameters + 2 * m.feature_map_.num_parameters
    assert len(m.weights_) == m.num_weights_


def test_a_single_qubit_classifies_the_circle_once_it_reuploads():
    """The paper's own task (Sec. V A): points uniform in [-1, 1]^2, class 1 inside the
    circle of radius sqrt(2/pi) (half the area).  One qubit that sees the point once draws
    a boundary no better than a tilted line (0.62 test accuracy measured); re-uploading it
    4 times classifies the circle well (0.91 measured; the paper reports about 0.9 for one
    qubit with 4 or more layers)."""
    rng = np.random.default_rng(0)

    def data(n):
        X = rng.uniform(-1, 1, (n, 2))
        return X, (np.sum(X ** 2, axis=1) < 2 / np.pi).astype(int)

    X_train, y_train = data(200)
    X_test, y_test = data(500)
    # "well": within 3 standard errors of the paper's 0.9 on this many test points
    p = 0.9
    threshold = p - 3 * np.sqrt(p * (1 - p) / len(X_test))          # 0.86
    acc = {}
    for layers in (1, 4):
        model = qb.models.build(single_qubit_spec(layers), task="classification")
        model.fit(X_train, y_train)
        assert model.circuit_.num_qubits == 1
        acc[layers] = model.score(X_test, y_test)
    assert acc[4] >= threshold, acc
    assert acc[1] < threshold, acc


def test_planned_steps_count_the_hybrid_models_minibatches():
    spec = qb.ExperimentSpec.from_dict({"dataset": {"name": "moons", "n_samples": 100,
                                                    "test_size": 0.25},
                                        "model": {"name": "hybrid",
                                                  "params": {"epochs": 3, "batch_size": 16}}})
    assert qb.models.planned_steps(spec) == 3 * 5          # 75 training points: 5 batches
    assert qb.models.planned_steps(spec.replace(model={"name": "vqc", "params": {}})) == 100
    assert qb.models.planned_steps(spec.replace(model={"name": "qsvc", "params": {}})) == 3


def test_the_fourier_spectrum_widens_with_the_layers():
    """Schuld, Sweke & Meyer 2021: L encodings of x by RY(x) allow the frequencies 0..L, and
    a generic circuit uses the highest one."""
    from qmlbench.engine.insight import fourier_spectrum
    from qmlbench.engine.models.variational import EstimatorQNNRegressor

    for layers in (1, 2, 3):
        model = EstimatorQNNRegressor(num_qubits=1, feature_map="angle", feature_map_reps=1,
                                      ansatz="efficient_su2", ansatz_reps=1,
                                      reuploading={"layers": layers})
        n_weights = 4 * layers
        w = np.random.default_rng(layers).uniform(0, 2 * np.pi, n_weights)
        res = fourier_spectrum(model, weights=w, point=[0.3])
        assert res.allowed_max[0] == layers and res.periodic[0]
        amps, freqs = res.amplitudes[0], res.frequencies[0]
        top = amps[np.isclose(freqs, layers)][0]
        assert top > 1e-3                                  # the new, highest frequency is used
        assert res.beyond[0] < 1e-12                       # and nothing above it
