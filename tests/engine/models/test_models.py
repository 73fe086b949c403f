"""Models: registry, scikit-learn behaviour, training on easy data, clear refusals,
and agreement with qiskit-machine-learning's own objectives."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone, is_classifier, is_regressor

import qmlbench as qb
from qmlbench.engine import models
from qmlbench.engine.errors import DataError, SpecError
from qmlbench.engine.models import StopTraining
from qmlbench.engine.models.variational import (EstimatorQNNClassifier, EstimatorQNNRegressor,
                                                VQCModel, diagonal_to_pauli)

QUANTUM = {"qsvc", "qsvr", "pegasos_qsvc", "qkt_qsvc", "projected_qsvc", "vqc", "vqr",
           "estimator_qnn", "sampler_qnn", "hybrid"}
CLASSICAL = {"svc", "svr", "mlp", "logistic"}
#: models of quantum data (tests/engine/models/test_state_models.py): they take states, not features
STATE_MODELS = {"state_qsvc", "qcnn"}

# small, fast settings: 2 qubits, one layer, few iterations
FAST = {"kernel": {"feature_map": "angle", "feature_map_reps": 1},
        "variational": {"feature_map": "angle", "feature_map_reps": 1, "ansatz_reps": 1,
                        "maxiter": 40},
        "classical": {},
        "hybrid": {"feature_map": "angle", "ansatz_reps": 1, "epochs": 20, "batch_size": 8,
                   "pre_layers": [4]}}
REG_FAST = {"kernel": {"feature_map": "angle", "feature_map_reps": 2},
            "variational": {"feature_map": "angle", "feature_map_reps": 2, "ansatz_reps": 1,
                            "maxiter": 60},
            "classical": {},
            "hybrid": {"feature_map": "angle", "ansatz_reps": 1, "epochs": 40, "batch_size": 8,
                       "post_layers": [8]}}


@pytest.fixture(scope="module")
def blobs():
    return qb.datasets.load("gaussians", n_samples=48, noise=0.1, test_size=0.25, seed=3)


@pytest.fixture(scope="module")
def sine():
    return qb.datasets.load("sine", n_samples=40, noise=0.05, test_size=0.25, seed=0)


def _runnable(task):
    """The models for ``task`` that run here: the hybrid model needs the torch extra (CI has
    it; without it, test_extras checks the message that names the install command)."""
    return [n for n in models.models_for(task) if not models.get(n).missing]


def _estimator(name, task, settings=FAST, **extra):
    entry = models.get(name)
    kw = dict(settings[entry.kind])
    if name == "qkt_qsvc":
        kw["maxiter"] = 15
    kw["seed"] = 0
    kw.update(extra)
    return entry.estimator_class(task)(**kw)


# --- registry --------------------------------------------------------------------

def test_registry_holds_every_model_with_its_facts():
    assert QUANTUM | CLASSICAL <= set(models.MODELS)
    for name, entry in models.MODELS.items():
        assert entry.quantum == (name in QUANTUM | STATE_MODELS)
        assert entry.inputs == ("states" if name in STATE_MODELS else "features")
        assert entry.kind in ("kernel", "variational", "hybrid", "classical")
        assert set(entry.tasks) <= {"classification", "regression"} and entry.tasks
    assert set(models.get("estimator_qnn").tasks) == {"classification", "regression"}
    assert models.get("vqr").tasks == ("regression",)
    assert models.models_for("regression") == ["qsvr", "vqr", "estimator_qnn", "hybrid", "svr",
                                               "mlp"]


@pytest.mark.parametrize("name", sorted(n for n in QUANTUM | CLASSICAL
                                        if not models.get(n).missing))
def test_build_from_spec_gives_an_unfitted_sklearn_estimator(name):
    entry = models.get(name)
    task = entry.tasks[0]
    dataset = "sine" if task == "regression" else "moons"
    spec = qb.ExperimentSpec.from_dict({
        "dataset": {"name": dataset},
        "circuit": {"feature_map": {"name": "z", "reps": 3},
                    "ansatz": {"name": "efficient_su2", "reps": 2}},
        "model": {"name": name},
        "optimizer": {"name": "spsa", "maxiter": 7},
        "execution": {"shots": None, "seed": 11},
        "seed": 5})
    est = models.build(spec)
    assert is_classifier(est) == (task == "classification")
    assert is_regressor(est) == (task == "regression")
    params = est.get_params()
    if entry.quantum:
        assert params["feature_map"] == "z" and params["feature_map_reps"] == 3
        assert params["seed"] == 11          # execution.seed wins over the spec seed
    if entry.uses_ansatz:
        assert params["ansatz"] == "efficient_su2" and params["ansatz_reps"] == 2
    if entry.uses_optimizer:
        assert params["optimizer"] == "spsa" and params["maxiter"] == 7
    twin = clone(est)
    assert twin is not est and twin.get_params() == params
    assert not any(k.endswith("_") for k in vars(est))       # nothing learned yet


def test_build_picks_classifier_or_regressor_by_the_dataset_task(sine, blobs):
    spec = qb.ExperimentSpec.from_dict({"model": {"name": "estimator_qnn"}})
    assert isinstance(models.build(spec, sine), EstimatorQNNRegressor)
    assert isinstance(models.build(spec, blobs), EstimatorQNNClassifier)
    with pytest.raises(DataError, match=r"'qsvc' does not do regression.*qsvr"):
        models.build(qb.ExperimentSpec.from_dict({"model": {"name": "qsvc"}}), sine)


def test_model_params_are_checked_with_the_field_named():
    with pytest.raises(SpecError) as err:
        qb.ExperimentSpec.from_dict({"model": {"name": "qsvc", "params": {"gamma": 2}}})
    assert err.value.field == "model.params.gamma"
    assert "C" in str(err.value) and "probability" in str(err.value)
    with pytest.raises(SpecError, match=r"model.params.C: -1 must be a number > 0"):
        models.check_params("svc", {"C": -1})
    with pytest.raises(SpecError, match=r"model.params.interpretation.*modulo, parity"):
        models.check_params("vqc", {"interpretation": "bits"})
    spec = qb.ExperimentSpec.from_dict({"model": {"name": "qsvc", "params": {"C": 3.0}}})
    assert models.build(spec).C == 3.0


# --- every model learns an easy problem -------------------------------------------

@pytest.mark.parametrize("name", [n for n in _runnable("classification")
                                  if n not in STATE_MODELS])
def test_every_classifier_beats_chance_on_separated_blobs(name, blobs):
    est = _estimator(name, "classification")
    assert est.fit(blobs.X_train, blobs.y_train) is est
    assert set(est.classes_) == {0, 1}
    # 12 test points of two well separated blobs; chance is 0.5
    assert est.score(blobs.X_test, blobs.y_test) >= 0.8
    assert est.predict(blobs.X_test).shape == (len(blobs.X_test),)


@pytest.mark.parametrize("name", _runnable("regression"))
def test_every_regressor_fits_a_sine(name, sine):
    est = _estimator(name, "regression", REG_FAST)
    est.fit(sine.X_train, sine.y_train)
    assert est.score(sine.X_test, sine.y_test) >= 0.7      # R² of a constant guess is <= 0


def test_variational_classifier_probabilities_and_decisions(blobs):
    vqc = _estimator("vqc", "classification").fit(blobs.X_train, blobs.y_train)
    p = vqc.predict_proba(blobs.X_test)
    assert p.shape == (len(blobs.X_test), 2)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-10)
    np.testing.assert_array_equal(vqc.classes_[p.argmax(axis=1)], vqc.predict(blobs.X_test))
    eq = _estimator("estimator_qnn", "classification").fit(blobs.X_train, blobs.y_train)
    f = eq.decision_function(blobs.X_test)
    assert np.all(np.abs(f) <= 1 + 1e-9)
    np.testing.assert_array_equal(eq.predict(blobs.X_test), eq.classes_[(f > 0).astype(int)])
    assert len(vqc.loss_history_) == vqc.n_evaluations_ and vqc.loss_history_[-1] < vqc.loss_history_[0]


@pytest.mark.parametrize("name", ["pegasos_qsvc", "qsvc", "estimator_qnn", "svc", "logistic"])
def test_binary_decision_function_is_positive_for_the_second_class(name, blobs):
    # scikit-learn's contract (roc_auc_score, decision surfaces): positive means classes_[1].
    # Text labels whose sorted order differs from the encoded one catch a flipped mapping too.
    from sklearn.metrics import roc_auc_score

    labels = np.array(["zebra", "ant"])                     # classes_ = ['ant', 'zebra']
    y_train, y_test = labels[blobs.y_train], labels[blobs.y_test]
    est = _estimator(name, "classification").fit(blobs.X_train, y_train)
    assert list(est.classes_) == ["ant", "zebra"]
    d = est.decision_function(blobs.X_test)
    assert d.shape == (len(blobs.X_test),)
    np.testing.assert_array_equal(est.predict(blobs.X_test), est.classes_[(d > 0).astype(int)])
    assert est.score(blobs.X_test, y_test) >= 0.8
    assert roc_auc_score(y_test == "zebra", d) >= 0.9


def test_pegasos_decision_surface_is_oriented_like_qsvc(blobs):
    pegasos = _estimator("pegasos_qsvc", "classification").fit(blobs.X_train, blobs.y_train)
    qsvc = _estimator("qsvc", "classification").fit(blobs.X_train, blobs.y_train)
    grid = np.random.default_rng(1).uniform(0, np.pi, (60, 2))
    r = np.corrcoef(pegasos.decision_function(grid), qsvc.decision_function(grid))[0, 1]
    assert r > 0.5                                          # same kernel, same orientation


def test_multiclass_predict_is_the_argmax_of_decision_function():
    # libsvm's one-vs-one vote and the one-vs-rest decision values disagree on ties unless
    # ties are broken by the decision values; zz on wide data produced such ties
    from sklearn.datasets import make_blobs

    X, y = make_blobs(n_samples=120, random_state=0)
    X = (X - X.mean(0)) / X.std(0)
    for name in ("qsvc", "qkt_qsvc", "svc"):
        kw = {} if name == "svc" else {"feature_map": "zz", "feature_map_reps": 1}
        est = _estimator(name, "classification", **kw).fit(X, y)
        d = est.decision_function(X)
        np.testing.assert_array_equal(est.predict(X), est.classes_[d.argmax(axis=1)])


def test_non_numeric_features_raise_a_type_error_naming_the_value(blobs):
    # a DataError for qmlbench's callers, a TypeError for scikit-learn's (as float() raises)
    from qmlbench.engine.errors import DataTypeError

    X = blobs.X_train.astype(object)
    X[2, 1] = {"foo": "bar"}
    for name in ("qsvc", "vqc", "svc"):
        with pytest.raises(DataTypeError, match=r"X: model '\w+' needs numeric features; got "
                           r"values that are not numbers, e\.g\. \{'foo': 'bar'\} \(dict\) at "
                           r"\[2, 1\] \(float\(\) argument must be a string or a real number"):
            _estimator(name, "classification").fit(X, blobs.y_train)
    assert issubclass(DataTypeError, TypeError) and issubclass(DataTypeError, DataError)
    X = blobs.X_train.astype(str)
    X[0, 0] = "abc"
    with pytest.raises(TypeError, match=r"e\.g\. 'abc' \(str\) at \[0, 0\].*could not convert"):
        _estimator("svc", "classification").fit(X, blobs.y_train)


@pytest.mark.parametrize("name", _runnable("regression"))
def test_regressors_take_numeric_targets_held_as_objects(name, sine):
    est = _estimator(name, "regression", REG_FAST)
    a = est.fit(sine.X_train, sine.y_train).predict(sine.X_test)
    b = clone(est).fit(sine.X_train, sine.y_train.astype(object)).predict(sine.X_test)
    np.testing.assert_allclose(a, b)


def test_iterative_baselines_report_n_iter(blobs):
    for name in ("logistic", "mlp"):
        est = _estimator(name, "classification", max_iter=50).fit(blobs.X_train, blobs.y_train)
        assert np.all(np.asarray(est.n_iter_) >= 1) and np.all(np.asarray(est.n_iter_) <= 50)


def test_declared_sklearn_tags_carry_reasons():
    from sklearn.utils import get_tags

    peg = models.get("pegasos_qsvc").estimator_class()()
    eq = EstimatorQNNClassifier()
    assert not get_tags(peg).classifier_tags.multi_class
    assert not get_tags(eq).classifier_tags.multi_class
    assert get_tags(VQCModel()).classifier_tags.multi_class
    assert get_tags(eq).classifier_tags.poor_score
    assert not get_tags(models.get("svc").estimator_class()()).classifier_tags.poor_score
    for name, entry in models.MODELS.items():
        for task in entry.tasks:
            declared = getattr(entry.estimator_class(task), "_declared_tags", {})
            for key, reason in declared.items():
                assert isinstance(reason, str) and reason.strip() and "\n" not in reason, key


def test_multiclass_works_where_the_model_allows_it():
    rng = np.random.default_rng(0)
    centers = np.array([[0.5, 0.5], [2.6, 0.5], [1.5, 2.6]])
    y = np.repeat([0, 1, 2], 15)
    X = centers[y] + rng.normal(0, 0.2, (45, 2))
    qsvc = _estimator("qsvc", "classification", feature_map="angle").fit(X, y)
    assert qsvc.score(X, y) >= 0.8                          # chance is 1/3
    vqc = _estimator("vqc", "classification", maxiter=80, ansatz_reps=2).fit(X, y)
    assert vqc.predict_proba(X).shape == (45, 3)
    assert vqc.score(X, y) > 0.5
    np.testing.assert_allclose(vqc.predict_proba(X).sum(axis=1), 1.0, atol=1e-10)
    assert set(qsvc.predict(X)) == {0, 1, 2}


def test_labels_a_model_cannot_take_are_refused_clearly(blobs, sine):
    y3 = np.arange(len(blobs.y_train)) % 3
    with pytest.raises(DataError, match=r"'estimator_qnn' takes at most 2 classes; got 3 "
                                        r"\(\[0, 1, 2\]\).*vqc"):
        _estimator("estimator_qnn", "classification").fit(blobs.X_train, y3)
    with pytest.raises(DataError, match=r"'pegasos_qsvc' takes at most 2 classes.*qsvc"):
        _estimator("pegasos_qsvc", "classification").fit(blobs.X_train, y3)
    names = np.array(["red", "blue"])[blobs.y_train]
    with pytest.raises(DataError, match=r"'vqr' is a regressor but got class labels \(text, "
                                        r"values \['blue', 'red'\]\)"):
        _estimator("vqr", "regression").fit(blobs.X_train, names)
    spec = qb.ExperimentSpec.from_dict({"model": {"name": "vqr"}})
    with pytest.raises(DataError, match=r"model 'vqr' does not do classification; it does "
                                        r"regression. Models for classification: qsvc"):
        models.build(spec, blobs)
    with pytest.raises(DataError, match=r"'vqc' is a classifier but the labels look continuous"):
        _estimator("vqc", "classification").fit(sine.X_train, sine.y_train)
    with pytest.raises(DataError, match=r"needs at least 2 classes"):
        _estimator("qsvc", "classification").fit(blobs.X_train, np.zeros(len(blobs.X_train)))
    y5 = np.arange(len(blobs.y_train)) % 5                   # 2 qubits hold 4 outcomes
    with pytest.raises(DataError, match=r"at most 4 classes; got 5"):
        _estimator("vqc", "classification").fit(blobs.X_train, y5)
    X = blobs.X_train.copy()
    X[3, 1] = np.nan
    with pytest.raises(DataError, match=r"NaN or infinite"):
        _estimator("qsvc", "classification").fit(X, blobs.y_train)


def test_feature_count_must_match_the_circuit(blobs):
    with pytest.raises(DataError, match=r"3 features but feature map 'angle' on 2 qubit"):
        _estimator("vqc", "classification", num_qubits=2).fit(
            np.hstack([blobs.X_train, blobs.X_train[:, :1]]), blobs.y_train)
    fitted = _estimator("qsvc", "classification").fit(blobs.X_train, blobs.y_train)
    with pytest.raises(DataError, match=r"X has 3 features, but QSVCModel is expecting 2 features"):
        fitted.predict(np.ones((2, 3)))


# --- monitor: live loss and stop ---------------------------------------------------

def test_monitor_sees_every_evaluation_and_can_stop(blobs):
    seen = []

    def monitor(step, loss, weights):
        seen.append((step, loss, np.array(weights)))
        if step == 6:
            raise StopTraining("enough")

    est = _estimator("vqc", "classification", maxiter=500)
    assert est.fit(blobs.X_train, blobs.y_train, monitor=monitor) is est
    assert [s for s, _, _ in seen] == [1, 2, 3, 4, 5, 6]
    assert est.stopped_ and est.loss_history_ == [l for _, l, _ in seen]
    best = min(seen, key=lambda s: s[1])
    np.testing.assert_array_equal(est.weights_, best[2])
    assert est.predict(blobs.X_test).shape == (len(blobs.X_test),)

    # a monitor returning True stops too (scikit-learn's GradientBoosting convention)
    est2 = _estimator("estimator_qnn", "classification", maxiter=500)
    est2.fit(blobs.X_train, blobs.y_train, monitor=lambda s, l, w: s >= 3)
    assert est2.stopped_ and len(est2.loss_history_) == 3


def test_an_error_in_the_monitor_propagates_and_leaves_weights(blobs):
    seen = []

    def monitor(step, loss, weights):
        seen.append((loss, np.array(weights)))
        if step == 4:
            raise RuntimeError("boom")

    est = _estimator("vqc", "classification", maxiter=100)
    with pytest.raises(RuntimeError, match="boom"):
        est.fit(blobs.X_train, blobs.y_train, monitor=monitor)
    assert len(est.loss_history_) == 4 and est.predict(blobs.X_test).shape == (12,)
    # the weights left are the best of those evaluated, not the initial or arbitrary ones
    assert est.loss_history_ == [loss for loss, _ in seen]
    np.testing.assert_array_equal(est.weights_, min(seen, key=lambda s: s[0])[1])


def test_kernel_models_report_their_phases(blobs):
    phases = []
    _estimator("qsvc", "classification").fit(
        blobs.X_train, blobs.y_train,
        monitor=lambda step, loss, weights, phase: phases.append((step, loss, phase)))
    assert phases == [(1, None, "kernel matrix"), (2, None, "fit")]


def test_trainable_kernel_lowers_its_svc_loss(blobs):
    est = _estimator("qkt_qsvc", "classification", maxiter=25)
    est.fit(blobs.X_train, blobs.y_train)
    assert min(est.loss_history_) < est.loss_history_[0]
    assert est.weights_.shape == (2,) and est.circuit_.num_parameters == 4


# --- the same science as qiskit-machine-learning ----------------------------------

@pytest.fixture(scope="module")
def small_data():
    rng = np.random.default_rng(0)
    return rng.uniform(0, np.pi, (10, 2)), rng.integers(0, 3, 10)


def _loss_and_grad(model, X, t, w):
    out = model._forward(X, w)
    per, d = model._loss_value(out, t)
    dout = model._forward_grad(X, w)
    g = d @ dout if dout.ndim == 2 else np.einsum("nk,nkp->p", d, dout)
    return np.sum(per) / len(X), g / len(X)


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("loss", ["cross_entropy", "squared_error"])
def test_vqc_objective_equals_qiskit_ml(small_data, k, loss):
    from qiskit_machine_learning.algorithms import VQC
    from qiskit_machine_learning.primitives import QMLSampler

    X, y = small_data
    y = y % k
    ours = VQCModel(feature_map="zz", feature_map_reps=1, ansatz_reps=2, loss=loss,
                    optimizer="gradient_descent", maxiter=1)
    ours.fit(X, y)
    w = np.random.default_rng(k).random(ours.num_weights_)
    t = np.eye(k)[y]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = VQC(feature_map=ours.feature_map_, ansatz=ours.ansatz_, sampler=QMLSampler(),
                  output_shape=k, loss=loss)
        Xv, yv = ref._validate_input(X, y)
        ref._neural_network.set_interpret(ref.interpret, ref._num_classes)
        fn = ref._create_objective(Xv, yv)
    value, grad = _loss_and_grad(ours, X, t, w)
    assert value == pytest.approx(fn.objective(w), abs=1e-10)
    # qiskit-ml caches forwards for np.isclose weights: step well beyond its tolerance
    eps = 1e-4
    fd = np.array([(fn.objective(w + eps * e) - fn.objective(w - eps * e)) / (2 * eps)
                   for e in np.eye(len(w))])
    np.testing.assert_allclose(grad, fd, atol=1e-4)
    if loss == "squared_error":
        np.testing.assert_allclose(grad, fn.gradient(w).ravel(), atol=1e-10)


def test_estimator_qnn_objective_and_gradient_equal_qiskit_ml(small_data):
    from qiskit_machine_learning.algorithms import (NeuralNetworkClassifier,
                                                    NeuralNetworkRegressor)
    from qiskit_machine_learning.algorithms.objective_functions import BinaryObjectiveFunction
    from qiskit_machine_learning.neural_networks import EstimatorQNN

    X, y = small_data
    yb = y % 2
    for cls, target, ref_cls in [(EstimatorQNNClassifier, 2.0 * yb - 1, NeuralNetworkClassifier),
                                 (EstimatorQNNRegressor, np.sin(X[:, 0]), NeuralNetworkRegressor)]:
        ours = cls(feature_map="zz", feature_map_reps=1, ansatz_reps=2,
                   optimizer="gradient_descent", maxiter=1)
        ours.fit(X, yb if cls is EstimatorQNNClassifier else target)
        w = np.random.default_rng(1).random(ours.num_weights_)
        qnn = EstimatorQNN(circuit=ours.circuit_, input_params=list(ours.feature_map_.parameters),
                           weight_params=list(ours.ansatz_.parameters), default_precision=0.0)
        ref = ref_cls(qnn, loss="squared_error")
        if ref_cls is NeuralNetworkClassifier:
            fn = ref._create_objective(*ref._validate_input(X, target))
        else:  # what NeuralNetworkRegressor._fit_internal builds for one output
            fn = BinaryObjectiveFunction(X, target, qnn, ref._loss)
        value, grad = _loss_and_grad(ours, X, target, w)
        assert value == pytest.approx(fn.objective(w), abs=1e-10)
        np.testing.assert_allclose(grad, np.ravel(fn.gradient(w)), atol=1e-10)


def test_class_projectors_are_the_interpretation():
    from qmlbench.engine.models.variational import interpretation_map

    for interp in ("modulo", "parity"):
        classes = interpretation_map(3, 3, interp)
        for c in range(3):
            op = diagonal_to_pauli((classes == c).astype(float))
            np.testing.assert_allclose(np.diag(op.to_matrix()).real, classes == c, atol=1e-12)
    assert len(diagonal_to_pauli(interpretation_map(4, 2, "parity") == 0).paulis) == 2


# --- persistence and execution paths -----------------------------------------------

@pytest.mark.parametrize("name", ["vqc", "qsvc", "qkt_qsvc", "svc"])
def test_fitted_models_pickle_and_predict_the_same(name, blobs):
    est = _estimator(name, "classification").fit(blobs.X_train, blobs.y_train)
    back = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(back.predict(blobs.X_test), est.predict(blobs.X_test))


def test_shots_sample_the_kernel_and_report_the_path(blobs):
    est = _estimator("qsvc", "classification", shots=200, seed=1)
    est.fit(blobs.X_train, blobs.y_train)
    K = est.kernel_matrix_
    np.testing.assert_allclose(np.diag(K), 1.0)
    np.testing.assert_allclose(K, K.T)
    assert np.allclose(K * 200, np.round(K * 200))           # counts out of 200 shots
    exact = _estimator("qsvc", "classification").fit(blobs.X_train, blobs.y_train)
    # binomial noise: sd <= sqrt(0.25/200) = 0.035 per entry
    assert np.max(np.abs(K - exact.kernel_matrix_)) < 0.2
    assert 0.005 < np.mean(np.abs(K - exact.kernel_matrix_)) < 0.04
    assert "shots" in est.path_ and "exact" in exact.path_


@pytest.mark.parametrize("cls,loss,task", [
    (VQCModel, "cross_entropy", "c"), (VQCModel, "squared_error", "c"),
    (EstimatorQNNClassifier, "squared_error", "c"), (EstimatorQNNClassifier, "hinge", "c"),
    (EstimatorQNNRegressor, "squared_error", "r"), (EstimatorQNNRegressor, "absolute_error", "r")])
def test_every_loss_has_its_true_gradient(cls, loss, task, small_data):
    X, y = small_data
    target = y % 2 if task == "c" else np.cos(X[:, 1]) * 0.8
    est = cls(feature_map="zz", feature_map_reps=1, ansatz_reps=1, loss=loss,
              optimizer="gradient_descent", maxiter=1, observable=None) \
        if cls is not VQCModel else cls(feature_map="zz", feature_map_reps=1, ansatz_reps=1,
                                        loss=loss, optimizer="gradient_descent", maxiter=1)
    est.fit(X, target)
    t = est._prepare_targets(target, len(X))
    w = np.random.default_rng(7).uniform(0, 2 * np.pi, est.num_weights_)
    value, grad = _loss_and_grad(est, X, t, w)
    eps = 1e-6
    fd = [(_loss_and_grad(est, X, t, w + eps * e)[0] - _loss_and_grad(est, X, t, w - eps * e)[0])
          / (2 * eps) for e in np.eye(len(w))]
    np.testing.assert_allclose(grad, fd, atol=1e-5)


def test_observable_is_checked():
    with pytest.raises(SpecError, match=r"model.params.observable: 'ZQ' is not an observable"):
        models.check_params("estimator_qnn", {"observable": "ZQ"})
    X = np.random.default_rng(0).uniform(0, 1, (8, 2))
    with pytest.raises(SpecError, match=r"observable: 'ZZZ' is not an observable for 2 qubits"):
        EstimatorQNNRegressor(observable="ZZZ").fit(X, X[:, 0])
    est = EstimatorQNNRegressor(observable="Z0", maxiter=5, ansatz_reps=1).fit(X, X[:, 0])
    assert est.observable_.paulis.to_labels() == ["IZ"]


SKLEARN_CHECKS = ["check_estimators_unfitted", "check_n_features_in_after_fitting",
                  "check_fit2d_predict1d", "check_supervised_y_2d", "check_requires_y_none",
                  "check_fit1d", "check_complex_data", "check_estimators_empty_data_messages",
                  "check_get_params_invariance", "check_set_params",
                  "check_dont_overwrite_parameters", "check_estimators_overwrite_params",
                  "check_estimators_nan_inf", "check_estimators_pickle"]


@pytest.mark.parametrize("est", [
    VQCModel(feature_map="angle", feature_map_reps=1, ansatz_reps=1, maxiter=5, seed=0),
    EstimatorQNNRegressor(feature_map="angle", feature_map_reps=1, ansatz_reps=1, maxiter=5,
                          seed=0),
    models.get("qsvc").estimator_class()(feature_map="angle", feature_map_reps=1),
    models.get("svc").estimator_class()()], ids=lambda e: type(e).__name__)
def test_scikit_learn_estimator_checks(est):
    from sklearn.utils import estimator_checks

    failed = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in SKLEARN_CHECKS:
            try:
                getattr(estimator_checks, name)(type(est).__name__, clone(est))
            except Exception as exc:  # collect them all, then report
                failed.append((name, f"{type(exc).__name__}: {str(exc)[:300]}"))
    assert not failed


@pytest.mark.parametrize("rotation", ["x", "y", "z"])
def test_the_trainable_kernel_layer_changes_the_kernel_for_every_angle_map(rotation):
    """An RY layer before an RY angle map merges with the encoding: no fidelity depends on
    it, and the 'trained' kernel would be the untrained one."""
    est = models.get("qkt_qsvc").estimator_class("classification")(
        feature_map="angle", feature_map_options={"rotation": rotation}, maxiter=3, seed=0)
    X = np.random.default_rng(1).uniform(0, np.pi, (8, 2))
    est._prepare(X, np.array([0, 1] * 4))
    est._build_trainable()
    K1 = est.kernel_at(np.array([0.1, 0.2]), X)
    K2 = est.kernel_at(np.array([1.1, 2.2]), X)
    assert np.abs(K1 - K2).max() > 1e-3
