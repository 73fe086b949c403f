"""Bad noise settings get one-line messages naming the field and what is allowed; the
noisy kernel is Tr(rho sigma); the spec, the plateau lab and the seam carry the setting."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit

import qmlbench as qb
from qmlbench.engine import execution
from qmlbench.engine.errors import CapacityError, QmlbenchError, SpecError

DEP = {"model": "depolarizing", "p1": 0.05, "p2": 0.1}


@pytest.mark.parametrize("noise,field,words", [
    ({"model": "depolarizing", "p1": 1.5}, "execution.noise.p1", "from 0 to 1"),
    ({"model": "depolarizing", "p2": -0.1}, "execution.noise.p2", "from 0 to 1"),
    ({"model": "readout", "p01": 2}, "execution.noise.p01", "from 0 to 1"),
    ({"model": "thermal_relaxation", "t1": 10.0, "t2": 30.0}, "execution.noise.t2", "at most 2 T1"),
    ({"model": "thermal_relaxation", "t1": 0.0}, "execution.noise.t1", "> 0"),
    ({"model": "pink"}, "execution.noise.model", "depolarizing"),
    ({"p1": 0.1}, "execution.noise.model", "missing"),
    ({"model": "depolarizing", "strength": 0.1}, "execution.noise.strength", "p1"),
])
def test_bad_settings_name_the_field_and_what_is_allowed(noise, field, words):
    with pytest.raises(SpecError) as exc:
        qb.ExperimentSpec.from_dict({"execution": {"noise": noise}})
    msg = str(exc.value)
    assert msg.startswith(field) and words in msg and "\n" not in msg
    with pytest.raises(SpecError, match=field.replace(".", r"\.")):
        execution.evaluator_for({"noise": noise})


def test_a_backend_with_fewer_qubits_than_the_circuit():
    ev = execution.evaluator_for({"noise": {"model": "backend", "num_qubits": 2}})
    circ = qb.circuits.ansatz("real_amplitudes", num_qubits=3, reps=1)
    with pytest.raises(SpecError, match=r"execution\.noise\.backend.*2 qubits but the circuit has 3"):
        ev.expectation_values(circ, "ZZZ", np.zeros((1, circ.num_parameters)))


def test_a_user_backend_via_noise_model_from_backend():
    from qiskit.providers.fake_provider import GenericBackendV2

    backend = GenericBackendV2(3, noise_info=True, seed=5)
    ev = execution.evaluator_for({"noise": {"model": "backend", "backend": backend}})
    circ = qb.circuits.ansatz("real_amplitudes", num_qubits=3, reps=1)
    x = np.full((2, circ.num_parameters), 0.3)
    assert np.abs(ev.expectation_values(circ, "ZZZ", x)
                  - ev.aer_noisy_expectation_values(circ, "ZZZ", x)).max() < 1e-10
    with pytest.raises(SpecError, match="BackendV2"):
        execution.evaluator_for({"noise": {"model": "backend", "backend": "ibm"}})


def test_too_wide_for_density_matrices_says_the_limit_and_offers_shots():
    n = execution.MAX_NOISY_QUBITS + 1
    circ = QuantumCircuit(n)
    circ.h(0)
    ev = execution.evaluator_for({"noise": DEP})
    with pytest.raises(CapacityError) as exc:
        ev.expectation_values(circ, "Z" * n, np.zeros((1, 0)))
    msg = str(exc.value)
    assert msg.startswith("execution.noise") and str(execution.MAX_NOISY_QUBITS) in msg
    assert "shots" in msg
    shots = execution.evaluator_for({"noise": DEP, "shots": 200, "seed": 1})
    ev_h = shots.expectation_values(circ, "I" * (n - 1) + "X", np.zeros((1, 0)))
    assert shots.path.startswith(execution.PATH_AER_TRAJECTORIES)
    assert abs(ev_h[0] - 0.95) < 0.2  # H then depolarizing 0.05: <X> = 0.95, 200 trajectories


def test_no_statevector_under_noise_and_no_noise_with_a_user_primitive():
    ev = execution.evaluator_for({"noise": DEP})
    circ = qb.circuits.feature_map("z", num_qubits=2)
    with pytest.raises(QmlbenchError, match="mixed state"):
        ev.statevectors(circ, np.zeros((1, 2)))
    from qiskit.primitives import StatevectorEstimator

    with pytest.raises(SpecError, match="user primitive"):
        execution.evaluator_for({"noise": DEP}, estimator=StatevectorEstimator())


def test_shots_sample_the_noisy_value():
    circ = qb.circuits.feature_map("z", num_qubits=2, reps=1)
    x = np.array([[0.3, 1.1]] * 3)
    exact = execution.evaluator_for({"noise": DEP}).expectation_values(circ, "ZZ", x)
    sampled = execution.evaluator_for({"noise": DEP, "shots": 100_000, "seed": 0})
    got = sampled.expectation_values(circ, "ZZ", x)
    assert np.abs(got - exact).max() < 5 / np.sqrt(100_000) * 2


def test_the_spec_round_trips_the_setting_with_defaults():
    spec = qb.ExperimentSpec.from_dict({"execution": {"noise": DEP}})
    assert spec.execution.noise == {**DEP, "p01": 0.0, "p10": 0.0}
    again = qb.ExperimentSpec.from_json(spec.to_json())
    assert again.execution.noise == spec.execution.noise
    assert execution.evaluator_for(again).path == execution.PATH_DENSITY
    assert qb.ExperimentSpec().execution.noise is None


def test_noisy_kernel_is_the_hilbert_schmidt_product_of_aers_states():
    from qmlbench.engine.execution import noisy
    from qmlbench.engine.kernels import kernel_matrix, kernel_stats

    fm = qb.circuits.feature_map("zz", num_qubits=3, reps=2)
    X = np.random.default_rng(0).uniform(0, np.pi, (12, 3))
    Y = np.random.default_rng(1).uniform(0, np.pi, (5, 3))
    ev = execution.evaluator_for({"noise": DEP})
    K = kernel_matrix(fm, X, evaluator=ev)
    rx = noisy.aer_densities(ev.noise_plan, fm, X)
    ref = np.real(np.einsum("iab,jba->ij", rx, rx))
    assert np.abs(K - ref).max() < 1e-10
    assert kernel_stats(K)["is_psd"]
    assert np.all(np.diag(K) < 1)  # purity, lowered by the noise
    ry = noisy.aer_densities(ev.noise_plan, fm, Y)
    assert np.abs(kernel_matrix(fm, Y, X, evaluator=ev)
                  - np.real(np.einsum("iab,jba->ij", ry, rx))).max() < 1e-10
    zero = execution.evaluator_for({"noise": {"model": "depolarizing", "p1": 0.0, "p2": 0.0}})
    assert np.abs(kernel_matrix(fm, X, evaluator=zero) - kernel_matrix(fm, X)).max() < 1e-12


def test_noise_concentrates_the_kernel():
    """Off-diagonal spread shrinks as the noise grows (Thanasilp et al. 2022)."""
    from qmlbench.engine.kernels import kernel_matrix, kernel_stats

    fm = qb.circuits.feature_map("zz", num_qubits=4, reps=2)
    X = np.random.default_rng(2).uniform(0, 2 * np.pi, (30, 4))
    spreads = [kernel_stats(kernel_matrix(fm, X, evaluator=execution.evaluator_for(
        {"noise": {"model": "depolarizing", "p1": p, "p2": p}})))["offdiag_std"]
        for p in (0.0, 0.05, 0.2)]
    assert spreads[0] > spreads[1] > spreads[2]


def test_plateau_lab_takes_noise_and_a_sweep_of_settings():
    settings = [None, {"model": "depolarizing", "p1": 0.1, "p2": 0.1}]
    res = qb.plateau.gradient_variance("random_pauli", qubits=[2, 3], layers=3, samples=50,
                                       observable="zz", noise=settings)
    assert len(res) == 2 and res[0].noise is None and res[1].noise["p1"] == 0.1
    assert res[0].path == execution.PATH_EXACT and res[1].path == execution.PATH_DENSITY
    assert np.all(res[1].variances < res[0].variances)
    with pytest.raises(SpecError, match=r"noise\.p1"):
        qb.plateau.gradient_variance("random_pauli", qubits=[2], layers=2, samples=10,
                                     noise={"model": "depolarizing", "p1": 3})
