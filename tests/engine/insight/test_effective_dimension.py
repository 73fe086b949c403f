"""Effective dimension against qiskit-machine-learning's ``EffectiveDimension`` on the same
QNN with exact primitives (same seed: the same weight and input samples, so the numbers
agree to round-off, 1e-8), and against the analytic value of a one-qubit RY chain."""

import math
import warnings

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter, ParameterVector
from qiskit.primitives import StatevectorEstimator
from qiskit.quantum_info import SparsePauliOp

import qmlbench as qb
from qmlbench.engine.execution import FastSampler
from qmlbench.engine.insight import effective_dimension

SIZES = [5000, 8000, 10000, 40000, 60000, 100000, 150000, 200000, 500000, 1000000]


def qiskit_ml_values(qnn, weights, inputs, sizes, seed):
    from qiskit_machine_learning.neural_networks import EffectiveDimension
    from qiskit_machine_learning.utils import algorithm_globals

    algorithm_globals.random_seed = seed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(EffectiveDimension(qnn, weights, inputs).get_effective_dimension(sizes))


def tutorial_circuit():
    from qiskit.circuit.library import real_amplitudes, z_feature_map

    fm, an = z_feature_map(3, reps=1), real_amplitudes(3, reps=1)
    qc = QuantumCircuit(3)
    qc.compose(fm, inplace=True)
    qc.compose(an, inplace=True)
    return qc, fm, an


def test_sampler_qnn_of_tutorial_10_matches_qiskit_ml():
    """qiskit-ml tutorial 10: Z feature map + real amplitudes on 3 qubits, parity, 10 weight
    and 10 input samples, seed 42; the sampler is exact (FastSampler without shots)."""
    from qiskit_machine_learning.neural_networks import SamplerQNN

    qc, fm, an = tutorial_circuit()
    qnn = SamplerQNN(circuit=qc, input_params=fm.parameters, weight_params=an.parameters,
                     interpret=lambda x: bin(x).count("1") % 2, output_shape=2,
                     sampler=FastSampler(default_shots=None))
    ref = qiskit_ml_values(qnn, 10, 10, SIZES, 42)
    res = effective_dimension(qnn, SIZES, 10, 10, seed=42)
    np.testing.assert_allclose(res.values, ref, atol=1e-8)
    np.testing.assert_allclose(res.normalized, ref / 6, atol=1e-9)
    assert res.num_weights == 6 and res.eigenvalues.shape == (10, 6)
    # the normalised Fisher has trace d for the average over weight samples
    assert res.eigenvalues.sum(axis=1).mean() == pytest.approx(6.0)


def test_estimator_qnn_matches_qiskit_ml():
    from qiskit_machine_learning.neural_networks import EstimatorQNN

    qc, fm, an = tutorial_circuit()
    qnn = EstimatorQNN(circuit=qc, observables=SparsePauliOp("ZZZ"), input_params=fm.parameters,
                       weight_params=an.parameters, estimator=StatevectorEstimator(),
                       default_precision=0.0)
    ref = qiskit_ml_values(qnn, 5, 8, SIZES, 7)
    res = effective_dimension(qnn, SIZES, 5, 8, seed=7)
    np.testing.assert_allclose(res.values, ref, atol=1e-8)


def test_qmlbench_model_matches_qiskit_ml_on_its_circuit():
    """A qmlbench EstimatorQNN classifier and qiskit-ml's EstimatorQNN on the same circuit and
    observable, with explicit sample arrays."""
    from qiskit_machine_learning.neural_networks import EstimatorQNN

    ds = qb.datasets.load("xor", n_samples=40, noise=0.05, test_size=0.25, seed=0)
    model = qb.models.MODELS["estimator_qnn"].estimator_class("classification")(
        feature_map="angle", feature_map_reps=2, feature_map_options={"rotation": "y"},
        ansatz="real_amplitudes", ansatz_reps=2, maxiter=10, seed=0).fit(ds.X_train, ds.y_train)
    qnn = EstimatorQNN(circuit=model.circuit_, observables=model.observable_,
                       input_params=model.feature_map_.parameters,
                       weight_params=model.ansatz_.parameters,
                       estimator=StatevectorEstimator(), default_precision=0.0)
    rng = np.random.default_rng(1)
    w, x = rng.uniform(0, 1, (4, qnn.num_weights)), ds.X_train[:12]
    ref = qiskit_ml_values(qnn, w, x, [1000, 100000], 0)
    res = effective_dimension(model, [1000, 100000], w, x)
    np.testing.assert_allclose(res.values, ref, atol=1e-8)


@pytest.mark.parametrize("d", [1, 3])
def test_one_qubit_ry_chain_has_its_analytic_value(d):
    """RY(x) RY(w_1) ... RY(w_d)|0> gives f = <Z> = cos(s), s = x + sum w.  Every weight has
    ∂f/∂w_j = -sin s, and with p = ((1 ± f)/2) the Fisher matrix is
    sin²s / (1 - cos²s) · 11ᵀ = 11ᵀ for every sample: its trace is d, so the normalised Fisher
    is 11ᵀ, with eigenvalues (d, 0, ..., 0), and det(I + κ 11ᵀ) = 1 + dκ.  Hence
    d_eff(n) = ln(1 + d κ_n) / ln κ_n, κ_n = n / (2π ln n), whatever the samples."""
    from qiskit_machine_learning.neural_networks import EstimatorQNN

    x, w = Parameter("x"), ParameterVector("w", d)
    qc = QuantumCircuit(1)
    qc.ry(x, 0)
    for j in range(d):
        qc.ry(w[j], 0)
    qnn = EstimatorQNN(circuit=qc, observables=SparsePauliOp("Z"), input_params=[x],
                       weight_params=list(w), estimator=StatevectorEstimator(), default_precision=0.0)
    sizes = np.array([100, 1000, 10 ** 6])
    kappa = sizes / (2 * np.pi * np.log(sizes))
    exact = np.log(1 + d * kappa) / np.log(kappa)
    res = effective_dimension(qnn, sizes, 7, 9, seed=3)
    np.testing.assert_allclose(res.values, exact, atol=1e-9)
    np.testing.assert_allclose(np.sort(res.eigenvalues, axis=1)[:, -1], d, atol=1e-9)


def test_arguments_are_checked_with_their_names():
    qc, fm, an = tutorial_circuit()
    from qiskit_machine_learning.neural_networks import EstimatorQNN

    qnn = EstimatorQNN(circuit=qc, observables=SparsePauliOp("ZZZ"), input_params=fm.parameters,
                       weight_params=an.parameters, estimator=StatevectorEstimator())
    with pytest.raises(qb.SpecError, match="dataset_sizes"):
        effective_dimension(qnn, [10])
    with pytest.raises(qb.DataError, match="weight_samples"):
        effective_dimension(qnn, [1000], np.zeros((2, 5)))
    with pytest.raises(qb.DataError, match="input_samples"):
        effective_dimension(qnn, [1000], 2, np.zeros((2, 7)))
    with pytest.raises(qb.SpecError, match="weight_samples"):
        effective_dimension(qnn, [1000], 0)
    with pytest.raises(qb.SpecError, match="model"):
        effective_dimension(qb.models.MODELS["qsvc"].estimator_class()(), [1000])
    res = effective_dimension(qnn, [1000, 5000], 2, 3)
    back = type(res).from_json(res.to_json())
    np.testing.assert_allclose(back.values, res.values)
    assert math.isfinite(res.fisher_trace)
