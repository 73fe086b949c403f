"""Fourier spectrum (Schuld, Sweke & Meyer 2021) and layer views.

Fourier: a model whose input x enters through r rotations RY(x) is a trigonometric
polynomial of degree r in x, so its FFT over one period has nothing above frequency r but
round-off: about M·ε·max|f| = 64 · 2.2e-16 ≈ 1.4e-14 for M = 64 samples of |f| <= 1, checked
against 1e-12.  Layer views: Bloch components against qiskit's Statevector per grid point
(exact arithmetic both ways: 1e-10).
"""

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp, Statevector

import qmlbench as qb
from qmlbench.engine import execution
from qmlbench.engine.insight import fourier_spectrum, layer_views


def model(reps, fm="angle", ansatz_reps=2, options=None, seed=0):
    cls = qb.models.MODELS["estimator_qnn"].estimator_class("classification")
    return cls(feature_map=fm, feature_map_reps=reps, num_qubits=2,
               feature_map_options=options if options is not None else {"rotation": "y"},
               ansatz="real_amplitudes", ansatz_reps=ansatz_reps, seed=seed)


def weights(m, seed=1):
    an = qb.circuits.ansatz(m.ansatz, 2, m.ansatz_reps)
    return np.random.default_rng(seed).uniform(0, 2 * np.pi, an.num_parameters)


@pytest.mark.parametrize("r", [1, 2, 3])
def test_r_encodings_leave_no_fourier_weight_beyond_r(r):
    m = model(r)
    res = fourier_spectrum(m, weights=weights(m), point=[0.4, -0.3])
    assert list(res.allowed_max) == [r, r]
    assert all(res.periodic)
    assert np.all(res.beyond < 1e-12)
    # re-uploading widens the spectrum: frequency r itself carries weight
    for i in range(2):
        top = res.amplitudes[i][np.isclose(res.frequencies[i], r)]
        assert top[0] > 1e-4


def test_z_feature_map_frequencies_are_even():
    """P(2x) after H: eigen-phase spread 2 per repetition, so frequencies 0, 2, ..., 2r and a
    period of π."""
    m = model(2, fm="z", options={})
    res = fourier_spectrum(m, weights=weights(m), point=[0.1, 0.2])
    assert list(res.allowed_max) == [4, 4]
    np.testing.assert_allclose(res.period, np.pi)
    assert np.all(res.beyond < 1e-12)


def test_spectrum_reconstructs_the_model_on_the_line():
    m = model(2)
    w = weights(m)
    res = fourier_spectrum(m, weights=w, point=[0.0, 0.5], inputs=[0])
    # sum of |c| bounds |f| everywhere on the line (triangle inequality), and c_0 is the mean
    an = qb.circuits.ansatz("real_amplitudes", 2, 2)
    fm = qb.circuits.feature_map("angle", 2, 2, rotation="y")
    circ = qb.circuits.compose(fm, an)
    xs = np.linspace(0, 2 * np.pi, 400, endpoint=False)
    vals = np.column_stack([xs, np.full_like(xs, 0.5), np.tile(w, (400, 1))])
    f = execution.expectation_values(circ, SparsePauliOp("ZZ"), vals)
    assert res.amplitudes[0][0] == pytest.approx(abs(f.mean()), abs=1e-12)
    assert np.max(np.abs(f)) <= res.amplitudes[0][0] + 2 * res.amplitudes[0][1:].sum() + 1e-12


def test_zz_map_is_reported_as_not_periodic():
    m = model(1, fm="zz", options={})
    res = fourier_spectrum(m, weights=weights(m), point=[0.3, 0.9])
    assert res.periodic == [False, False]
    assert res.amplitudes.shape[0] == 2


def test_unfitted_model_without_weights_is_refused():
    with pytest.raises(qb.SpecError, match="weights"):
        fourier_spectrum(model(1))


@pytest.fixture(scope="module")
def fitted():
    ds = qb.datasets.load("xor", n_samples=40, noise=0.05, test_size=0.25, seed=0)
    m = model(1, ansatz_reps=2)
    m.set_params(maxiter=10)
    return m.fit(ds.X_train, ds.y_train), ds


def test_layer_views_match_qiskit_statevector(fitted):
    m, ds = fitted
    res = layer_views(m, ds, resolution=7)
    assert res.layers == ["feature map", "ansatz rep 1", "ansatz rep 2"]
    assert res.bloch.shape == (3, 2, 3, 7, 7)
    fm = m.feature_map_
    w = m.weights_
    for layer, k in enumerate([0, 1, 2]):
        circ = QuantumCircuit(2)
        circ.compose(fm, inplace=True)
        if k:
            circ.compose(qb.circuits.ansatz("real_amplitudes", 2, k), inplace=True)
        for (jj, ii) in [(0, 0), (3, 5), (6, 2)]:
            x = [res.xs[ii], res.ys[jj]]
            bind = dict(zip(fm.parameters, x))
            names = {p.name: p for p in circ.parameters}
            for idx, val in enumerate(w[:circ.num_parameters - 2]):
                bind[names[f"θ[{idx}]"]] = val
            sv = Statevector(circ.assign_parameters(bind))
            for q in range(2):
                for c, p in enumerate("XYZ"):
                    op = SparsePauliOp.from_sparse_list([(p, [q], 1.0)], 2)
                    assert res.bloch[layer, q, c, jj, ii] == pytest.approx(
                        sv.expectation_value(op).real, abs=1e-10)
    # the feature map alone (RY on each qubit) leaves the qubits pure
    np.testing.assert_allclose(res.purity[0], 1.0, atol=1e-12)
    assert res.mean_purity[1] < 1.0


def test_layer_views_evaluate_each_layer_in_one_batch(fitted):
    m, ds = fitted
    calls = []

    class Counting(execution.Evaluator):
        def expectation_values(self, circuit, observable, values, axes=None):
            calls.append(np.shape(values)[0])
            return super().expectation_values(circuit, observable, values, axes)

    res = layer_views(m, ds, resolution=100, evaluator=Counting())
    assert calls == [10000, 10000, 10000]
    assert res.to_dict()["layers"] == res.layers


def test_layer_view_checks(fitted):
    m, ds = fitted
    with pytest.raises(qb.SpecError, match="resolution"):
        layer_views(m, ds, resolution=1)
    with pytest.raises(qb.SpecError, match="features"):
        layer_views(m, ds, features=(0, 0))


@pytest.mark.parametrize("input_scaling, first", [(False, False), (True, False), (True, True)])
def test_layer_views_of_a_reuploading_model_follow_every_layer(input_scaling, first):
    # A re-uploaded circuit is encoding, ansatz, encoding, ansatz, ...: the views come after
    # the first encoding and after each whole layer, and the last one is the model's own
    # state (cutting the ansatz by repetition showed the first layer only, as the last).
    L, n = 3, 2
    cls = qb.models.MODELS["estimator_qnn"].estimator_class("classification")
    m = cls(feature_map="angle", feature_map_reps=1, num_qubits=n,
            feature_map_options={"rotation": "y"}, ansatz="real_amplitudes", ansatz_reps=1,
            reuploading={"layers": L, "input_scaling": input_scaling, "trainable_first": first},
            seed=0)
    a = qb.circuits.ansatz("real_amplitudes", n, 1).num_parameters
    C = L + int(first)    # ansatz copies
    rng = np.random.default_rng(3)
    w = rng.uniform(0, 2 * np.pi, C * a + (L * n if input_scaling else 0))
    ds = qb.datasets.load("xor", n_samples=40, noise=0.05, test_size=0.25, seed=0)
    res = layer_views(m, ds, resolution=5, weights=w)
    assert res.layers == ["feature map"] + [f"layer {k}/{L}" for k in range(1, L + 1)]

    def reference(x, layers_done, encodings):
        # built by hand from compose's documented weight layout, not from compose
        qc = QuantumCircuit(n)
        an = qb.circuits.ansatz("real_amplitudes", n, 1)
        if first:
            qc.compose(an.assign_parameters(w[0:a]), inplace=True)
        for layer in range(encodings):
            for i in range(n):
                scale = w[C * a + layer * n + i] if input_scaling else 1.0
                qc.ry(scale * x[i], i)
            if layer < layers_done:
                c = layer + int(first)
                qc.compose(an.assign_parameters(w[c * a:(c + 1) * a]), inplace=True)
        return Statevector(qc)

    for view, (done, enc) in enumerate([(0, 1), (1, 1), (2, 2), (3, 3)]):
        for (jj, ii) in [(0, 0), (2, 4), (4, 1)]:
            sv = reference([res.xs[ii], res.ys[jj]], done, enc)
            for q in range(n):
                for c, p in enumerate("XYZ"):
                    op = SparsePauliOp.from_sparse_list([(p, [q], 1.0)], n)
                    assert res.bloch[view, q, c, jj, ii] == pytest.approx(
                        sv.expectation_value(op).real, abs=1e-10)
