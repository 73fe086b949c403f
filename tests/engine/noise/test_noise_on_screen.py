"""What the screen's noise views ask of the engine: a fitted model under another noise with
the same weights, the ideal and noisy surfaces and kernels of one model, the rule that a
change of noise alone needs no training, width checks known when a spec is built, and the
plateau study's noise sweep against depth with its fitted slope per layer."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit.quantum_info import SparsePauliOp

import qmlbench as qb
from qmlbench.engine import boundary, execution, kernels
from qmlbench.engine.errors import CapacityError, SpecError
from qmlbench.engine.execution.noise import at_strength
from qmlbench.engine.plateau.sweep import PlateauSettings
from qmlbench.engine.state import WorkbenchState

SPEC = {"dataset": {"name": "moons", "n_samples": 40}, "seed": 1,
        "circuit": {"feature_map": {"name": "zz", "reps": 1},
                    "ansatz": {"name": "real_amplitudes", "reps": 1}},
        "model": {"name": "vqc"}, "optimizer": {"name": "cobyla", "maxiter": 10}}
DEP = {"model": "depolarizing", "p1": 0.05, "p2": 0.1}


@pytest.fixture(scope="module")
def run():
    r = qb.train({**SPEC, "execution": {"noise": DEP}}, block=True)
    assert r.status == "done"
    return r


def test_with_noise_keeps_the_weights_and_leaves_the_model_alone(run):
    model = run.model
    ideal, other = model.with_noise(None), model.with_noise({**DEP, "p2": 0.3})
    assert ideal.weights_ is model.weights_ and other.weights_ is model.weights_
    assert model.noise["p2"] == 0.1 and ideal.noise is None and other.noise["p2"] == 0.3
    X = run.dataset.X_test
    np.testing.assert_allclose(model.with_noise(model.noise).predict_proba(X),
                               model.predict_proba(X), atol=1e-12)
    assert ideal.path_ == execution.PATH_EXACT and model.path_ == execution.PATH_DENSITY
    assert not np.allclose(ideal.predict_proba(X), model.predict_proba(X))
    with pytest.raises(SpecError, match=r"noise\.p1"):
        model.with_noise({"model": "depolarizing", "p1": 2})


def test_noise_comparison_zero_noise_is_the_ideal_surface_and_noise_shrinks_it(run):
    zero = boundary.noise_comparison(run.model, run.dataset,
                                     {"model": "depolarizing", "p1": 0.0, "p2": 0.0},
                                     resolution=12)
    np.testing.assert_allclose(zero.noisy.values, zero.ideal.values, atol=1e-12)
    assert zero.flipped == 0.0 and zero.mean_change < 1e-12
    comp = boundary.noise_comparison(run.model, run.dataset, {**DEP, "p1": 0.3, "p2": 0.3},
                                     resolution=12, ideal=zero.ideal)
    assert comp.ideal is zero.ideal and comp.path == execution.PATH_DENSITY
    # strong depolarizing noise pulls the outcome distribution towards uniform, so on
    # average P(class) moves towards 1/2 (not pointwise: the channels act mid-circuit)
    assert np.mean(np.abs(comp.noisy.values - 0.5)) < 0.5 * np.mean(np.abs(comp.ideal.values - 0.5))
    assert len(comp.predictions[0]) == len(run.dataset.X_train)
    with pytest.raises(SpecError, match="execution.noise"):
        boundary.noise_comparison(run.model, run.dataset, None)
    svc = qb.train({**SPEC, "model": {"name": "svc"}}, block=True).model
    with pytest.raises(SpecError, match="quantum models only"):
        boundary.noise_comparison(svc, run.dataset, DEP)


def test_a_kernel_model_under_noise_uses_noisy_states_for_both_sides():
    r = qb.train({**SPEC, "model": {"name": "qsvc"}}, block=True)
    X = r.dataset.X_test
    np.testing.assert_allclose(r.model.with_noise(None).decision_function(X),
                               r.model.decision_function(X), atol=1e-12)
    noisy = r.model.with_noise(DEP)
    assert noisy.svm_ is r.model.svm_
    assert not np.allclose(noisy.decision_function(X), r.model.decision_function(X))


def test_same_but_noise():
    a = qb.ExperimentSpec.from_dict(SPEC)
    b = a.replace(execution={"noise": DEP})
    assert boundary.same_but_noise(a, b) and boundary.same_but_noise(a, a)
    assert not boundary.same_but_noise(a, b.replace(seed=3))


def test_noisy_kernel_views_spread_falls_and_zero_noise_is_ideal():
    spec = qb.ExperimentSpec.from_dict(SPEC)
    ds = qb.datasets.from_spec(spec.dataset, spec.seed, num_features=2)
    zero = kernels.noisy_kernel_views(spec, ds, {"model": "depolarizing", "p1": 0.0, "p2": 0.0})
    np.testing.assert_allclose(zero.noisy.matrix, zero.ideal.matrix, atol=1e-12)
    views = kernels.noisy_kernel_views(spec, ds, DEP, ideal=zero.ideal)
    assert views.ideal is zero.ideal and views.path == execution.PATH_DENSITY
    assert views.noisy_std < views.ideal_std and 0 < views.concentration < 1
    off = ~np.eye(len(views.noisy.matrix), dtype=bool)
    assert views.noisy_std == pytest.approx(views.noisy.matrix[off].std())


def test_the_spec_refuses_what_noise_cannot_run_when_it_is_built():
    n = execution.MAX_NOISY_QUBITS + 1
    with pytest.raises(CapacityError, match=f"limited to {execution.MAX_NOISY_QUBITS} qubits.*shots"):
        qb.ExperimentSpec.from_dict({"circuit": {"num_qubits": n}, "execution": {"noise": DEP}})
    ok = qb.ExperimentSpec.from_dict({"circuit": {"num_qubits": n},
                                      "execution": {"noise": DEP, "shots": 100}})
    assert ok.execution.noise["p1"] == 0.05
    with pytest.raises(SpecError, match=r"execution\.noise\.num_qubits: 2 .*has 3"):
        qb.ExperimentSpec.from_dict({"circuit": {"num_qubits": 3},
                                     "execution": {"noise": {"model": "backend", "num_qubits": 2}}})


def test_plateau_settings_carry_a_noise_sweep_and_a_depth_sweep():
    s = PlateauSettings(qubits=[3, 6], depth_mode="sweep", layers=12, samples=30,
                        noise_model="depolarizing", noise_strengths=[0, 0.02])
    k = s.kwargs()
    assert k["qubits"] == [3] and k["layers"] == [1, 3, 4, 6, 7, 9, 10, 12]
    assert k["noise"] == [None, at_strength("depolarizing", 0.02)]
    assert s.total_samples == 30 * 8 * 2
    state = WorkbenchState(plateau=s)
    assert WorkbenchState.from_json(state.to_json()).plateau == s
    for bad, field in (({"noise_strengths": [1.5]}, "plateau.noise_strengths"),
                       ({"noise_model": "thermal_relaxation"}, "plateau.noise_model"),
                       ({"noise_model": "depolarizing", "qubits": [2, 13]}, "plateau.qubits")):
        with pytest.raises(SpecError, match=field.replace(".", r"\.")):
            PlateauSettings(**bad)
    assert PlateauSettings().noise is None and "noise" not in PlateauSettings().kwargs()


def test_the_sweep_returns_one_result_per_setting_as_gradient_variance_does():
    s = PlateauSettings(qubits=[2, 3], depth_mode="fixed", layers=2, samples=30,
                        noise_model="amplitude_damping", noise_strengths=[0, 0.1])
    seen = []
    got = s.run(on_width=lambda partial: seen.append(len(partial)))
    ref = qb.plateau.gradient_variance(**s.kwargs())
    assert len(got) == 2 and seen[-1] == 2
    for a, b in zip(got, ref):
        np.testing.assert_allclose(a.variances, b.variances)
        assert a.noise == b.noise
    assert got[1].to_dict()["noise"]["gamma1"] == 0.1
    assert got[1].to_rows()[0]["noise"].startswith("amplitude_damping gamma1=0.1")
    assert qb.plateau.PlateauResult.from_dict(got[1].to_dict()).noise["gamma2"] == 0.1


def test_depth_decay_reproduces_the_depolarizing_rate_per_layer():
    """RY(θ) then L identity gates, each followed by depolarizing p: <Z> = (1-p)^(L+1) cos θ,
    so Var[∂θ] = (1-p)^(2(L+1)) / 2 over uniform θ and ln Var falls by 2 ln(1-p) a layer."""
    def circuit(n, L):
        qc = QuantumCircuit(1)
        qc.ry(Parameter("a"), 0)
        for _ in range(L):
            qc.id(0)
        return qc

    p = 0.1
    res = qb.plateau.gradient_variance(circuit, qubits=[1], layers=[1, 2, 4, 8], samples=400,
                                       observable=SparsePauliOp("Z"),
                                       noise={"model": "depolarizing", "p1": p, "p2": 0.0})
    rate, err = res.depth_decay()
    # 4 sigma of the fit's own standard error (from 400 samples a depth)
    assert abs(rate[0] - 2 * np.log(1 - p)) < 4 * err[0]
    with pytest.raises(ValueError, match="sweep layers"):
        qb.plateau.gradient_variance(circuit, qubits=[1], layers=2, samples=10,
                                     observable=SparsePauliOp("Z")).depth_decay()
