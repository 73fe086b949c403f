"""Teaching presets: named experiments a class can start from."""

from __future__ import annotations

from ..engine.spec import ExperimentSpec

#: name -> (label, spec as a dict). Small on purpose: each trains in seconds on a laptop.
#: Measured here (seed 0): ad_hoc_qsvc test 1.00; moons_vqc 0.84; sine_vqr R² 0.99;
#: circles_svc_baseline 1.00; xor_estimator_qnn 0.85.
PRESETS: dict[str, tuple[str, dict]] = {
    "ad_hoc_qsvc": (
        "Havlíček ad hoc data + quantum kernel SVC",
        {"dataset": {"name": "ad_hoc", "n_samples": 50, "test_size": 0.2, "noise": 0.0,
                     "options": {"gap": 0.3}},
         "circuit": {"feature_map": {"name": "zz", "reps": 2, "entanglement": "linear"},
                     "ansatz": {"name": "real_amplitudes", "reps": 1}},
         "model": {"name": "qsvc"}, "seed": 0}),
    "moons_vqc": (
        "Moons + variational quantum classifier",
        {"dataset": {"name": "moons", "n_samples": 100, "noise": 0.1, "test_size": 0.25},
         "circuit": {"feature_map": {"name": "zz", "reps": 1, "entanglement": "linear"},
                     "ansatz": {"name": "real_amplitudes", "reps": 3, "entanglement": "linear"}},
         "model": {"name": "vqc"}, "optimizer": {"name": "cobyla", "maxiter": 100},
         "seed": 0}),
    "sine_vqr": (
        "Sine regression + variational quantum regressor",
        {"dataset": {"name": "sine", "n_samples": 40, "noise": 0.05, "test_size": 0.25},
         "circuit": {"feature_map": {"name": "angle", "reps": 2, "options": {"rotation": "y"}},
                     "ansatz": {"name": "real_amplitudes", "reps": 2}},
         "model": {"name": "vqr"}, "optimizer": {"name": "cobyla", "maxiter": 80}, "seed": 0}),
    "circles_svc_baseline": (
        "Circles + classical RBF SVC (the baseline to beat)",
        {"dataset": {"name": "circles", "n_samples": 100, "noise": 0.05},
         "model": {"name": "svc"}, "seed": 0}),
    "xor_estimator_qnn": (
        "XOR + EstimatorQNN with ADAM",
        {"dataset": {"name": "xor", "n_samples": 80, "noise": 0.1},
         "circuit": {"feature_map": {"name": "zz", "reps": 1},
                     "ansatz": {"name": "real_amplitudes", "reps": 2}},
         "model": {"name": "estimator_qnn"},
         "optimizer": {"name": "adam", "maxiter": 40, "learning_rate": 0.1}, "seed": 0}),
}


def preset_spec(name: str) -> ExperimentSpec:
    from ..engine.errors import SpecError

    if name not in PRESETS:
        raise SpecError("preset", name, sorted(PRESETS), reason="is not a known preset")
    return ExperimentSpec.from_dict(PRESETS[name][1])
