"""Datasets: shapes, tasks, classes, seeds, scaling fitted on train only, and bad input named."""

import numpy as np
import pytest

import qmlbench as qb
from qmlbench.engine import datasets as D
from qmlbench.engine.errors import DataError, SpecError
from qmlbench.engine.spec import DatasetSpec

EXPECTED = {  # name: (task, number of features by default, number of classes)
    "ad_hoc": ("classification", 2, 2),
    "moons": ("classification", 2, 2),
    "circles": ("classification", 2, 2),
    "xor": ("classification", 2, 2),
    "gaussians": ("classification", 2, 2),
    "spiral": ("classification", 2, 2),
    "iris": ("classification", 4, 3),
    "breast_cancer": ("classification", 2, 2),
    "sine": ("regression", 1, None),
    "surface": ("regression", 2, None),
    # quantum data: 4-qubit states as 2·2^4 real columns (tests/engine/datasets/test_quantum_data.py)
    "phase_of_matter": ("classification", 32, 2),
    "entanglement_concentration": ("classification", 32, 2),
    # Bowles et al. 2024's tasks (tests/engine/datasets/test_bowles.py checks their labels)
    "linearly_separable": ("classification", 2, 2),
    "hidden_manifold": ("classification", 2, 2),
    "two_curves": ("classification", 2, 2),
    "hyperplanes_parity": ("classification", 2, 2),
    "bars_and_stripes": ("classification", 16, 2),
}


def test_registry_is_what_we_test():
    assert set(D.DATASETS) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_dataset_loads_with_shapes_task_and_classes(name):
    task, n_features, n_classes = EXPECTED[name]
    d = D.load(name, n_samples=80, noise=0.1, test_size=0.25, seed=1)
    assert d.task == task and d.name == name
    assert len(d.X_train) + len(d.X_test) == 80
    assert len(d.X_test) == 20
    assert d.X_train.shape[1] == d.X_test.shape[1] == n_features == len(d.feature_names)
    assert D.DATASETS[name].num_features == n_features  # what a UI sizes the circuit by
    assert d.y_train.shape == (len(d.X_train),) and d.y_test.shape == (len(d.X_test),)
    assert np.all(np.isfinite(d.X_train)) and np.all(np.isfinite(d.X_test))
    if task == "classification":
        assert len(d.class_names) == n_classes
        assert set(np.unique(d.y_train)) == set(range(n_classes))
        assert set(np.unique(d.y_test)) <= set(range(n_classes))
        assert all(isinstance(c, str) for c in d.class_names)
    else:
        assert d.class_names is None and d.y_train.dtype.kind == "f"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_seed_reproduces_and_another_seed_differs(name):
    a = D.load(name, n_samples=40, seed=5)
    b = D.load(name, n_samples=40, seed=5)
    c = D.load(name, n_samples=40, seed=6)
    for attr in ("X_train", "X_test", "y_train", "y_test"):
        assert np.array_equal(getattr(a, attr), getattr(b, attr)), attr
    assert not np.array_equal(a.X_train, c.X_train)


def test_split_is_stratified():
    d = D.load("iris", n_samples=150, test_size=0.2, seed=0)
    assert np.bincount(d.y_test).tolist() == [10, 10, 10]
    d = D.load("moons", n_samples=100, test_size=0.3, seed=3)
    assert np.bincount(d.y_test).tolist() == [15, 15]


def test_auto_scaling_maps_train_into_0_pi_and_is_fitted_on_train_only():
    d = D.load("moons", n_samples=200, seed=2)
    assert d.feature_range == pytest.approx((0.0, np.pi))
    assert d.X_train.min(axis=0) == pytest.approx([0, 0])
    assert d.X_train.max(axis=0) == pytest.approx([np.pi, np.pi])
    # test points are transformed with the train fit, so they are not themselves stretched to [0, π]
    assert not (np.allclose(d.X_test.min(axis=0), 0) and np.allclose(d.X_test.max(axis=0), np.pi))


def test_other_scalings():
    s = D.load("gaussians", n_samples=200, seed=0, scaling="standard")
    assert s.X_train.mean(axis=0) == pytest.approx([0, 0], abs=1e-12)
    assert s.X_train.std(axis=0) == pytest.approx([1, 1])
    m = D.load("gaussians", n_samples=200, seed=0, scaling="minmax")
    assert m.X_train.min() == pytest.approx(0) and m.X_train.max() == pytest.approx(1)
    r = D.load("gaussians", n_samples=200, seed=0, scaling="minmax", feature_range=[-1, 1])
    assert r.X_train.min() == pytest.approx(-1) and r.X_train.max() == pytest.approx(1)
    n = D.load("gaussians", n_samples=200, seed=0, scaling="none")
    # the raw blobs sit around ±0.71 with spread 0.6: negative values survive unscaled
    assert n.X_train.min() < 0 and n.feature_range is None


def test_ad_hoc_keeps_native_range_balanced_classes_and_gap_option():
    d = D.load("ad_hoc", n_samples=50, test_size=0.2, seed=0, gap=0.3)
    assert d.feature_range == pytest.approx((0, 2 * np.pi))
    assert d.X_train.min() >= 0 and d.X_train.max() < 2 * np.pi
    assert d.X_train.max() > np.pi  # not squeezed into [0, π]
    assert np.bincount(d.y_train).tolist() == [20, 20]
    assert np.bincount(d.y_test).tolist() == [5, 5]
    assert any("gap 0.3" in n for n in d.notes)
    assert D.load("ad_hoc", n_samples=40, num_features=3).num_features == 3
    with pytest.raises(SpecError, match="dataset.num_features: 4 is not a dimension ad_hoc"):
        D.load("ad_hoc", num_features=4)


def test_breast_cancer_is_reduced_with_pca_and_says_so():
    d = D.load("breast_cancer", n_samples=120, seed=0)
    assert d.num_features == 2 and d.feature_names == ["pc0", "pc1"]
    assert any("reduced 30 features to 2 with PCA" in n for n in d.notes)
    d4 = D.load("breast_cancer", n_samples=120, seed=0, num_features=4)
    assert d4.num_features == 4 and any("to 4 with PCA" in n for n in d4.notes)
    d3 = D.load("iris", n_samples=90, num_features=3)
    assert d3.num_features == 3 and any("reduced 4 features to 3" in n for n in d3.notes)


def test_sine_target_follows_sin_of_the_raw_input():
    # unscaled, the target is exactly sin(x) without noise, and the residual's spread is the noise level
    d = D.load("sine", n_samples=200, noise=0.0, seed=0, scaling="none")
    assert np.allclose(d.y_train, np.sin(d.X_train[:, 0]))
    noisy = D.load("sine", n_samples=2000, noise=0.2, seed=0, scaling="none")
    resid = noisy.y_train - np.sin(noisy.X_train[:, 0])
    # std of 1500 draws of N(0, 0.2): within 10% (≈ 5 standard errors of the std)
    assert np.std(resid) == pytest.approx(0.2, rel=0.1)


def test_surface_target():
    d = D.load("surface", n_samples=100, noise=0.0, seed=0, scaling="none")
    assert np.allclose(d.y_train, np.sin(d.X_train[:, 0]) * np.cos(d.X_train[:, 1]))


def test_from_spec_uses_every_field():
    spec = DatasetSpec(name="circles", n_samples=60, noise=0.05, test_size=0.5, scaling="minmax",
                       options={"factor": 0.3})
    d = D.from_spec(spec, seed=4)
    ref = D.load("circles", n_samples=60, noise=0.05, test_size=0.5, seed=4, scaling="minmax", factor=0.3)
    assert np.array_equal(d.X_train, ref.X_train) and len(d.X_test) == 30


def test_from_arrays_infers_task_and_encodes_string_labels():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = np.array(["cat", "dog"] * 20)
    d = D.from_arrays(X, y, seed=0)
    assert d.task == "classification" and d.class_names == ["cat", "dog"]
    assert set(d.y_train) == {0, 1}
    r = D.from_arrays(X, X[:, 0] * 2.5 + 0.1, seed=0)
    assert r.task == "regression" and r.class_names is None


def test_from_csv(tmp_path):
    path = tmp_path / "data.csv"
    rows = ["a,b,c,label"] + [f"{i},{i % 3},{i * 0.5},{'yes' if i % 2 else 'no'}" for i in range(30)]
    path.write_text("\n".join(rows) + "\n")
    d = D.from_csv(path, target="label", features=["a", "c"], seed=0)
    assert d.feature_names == ["a", "c"] and d.class_names == ["no", "yes"] and d.name == "data"
    assert len(d.X_train) + len(d.X_test) == 30
    all_features = D.from_csv(path, target="label")
    assert all_features.feature_names == ["a", "b", "c"]
    # the values are the file's: the chosen columns, rows kept together with their labels
    raw = D.from_csv(path, target="label", features=["c", "a"], seed=0, scaling="none")
    X = np.vstack([raw.X_train, raw.X_test])
    y = np.concatenate([raw.y_train, raw.y_test])
    np.testing.assert_array_equal(X[:, 0], 0.5 * X[:, 1])           # c = a / 2
    assert sorted(X[:, 1]) == list(range(30))
    np.testing.assert_array_equal(np.array(raw.class_names)[y], np.where(X[:, 1] % 2, "yes", "no"))
    np.testing.assert_array_equal(np.array(raw.class_names)[raw.y_train],
                                  np.where(raw.X_train[:, 1] % 2, "yes", "no"))


# --- bad input -----------------------------------------------------------------------

def test_nan_and_inf_features_name_the_column_and_rows():
    X = np.ones((20, 3))
    X[[1, 4, 7], 1] = np.nan
    X[2, 2] = np.inf
    y = [0, 1] * 10
    with pytest.raises(DataError, match=r"'width' has 3 rows with NaN values; 'depth' has 1 rows with infinite"):
        D.from_arrays(X, y, feature_names=["height", "width", "depth"])


def test_csv_missing_columns_name_missing_and_available(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b,label\n1,2,0\n3,4,1\n")
    with pytest.raises(DataError, match=r"missing columns 'c', 'target'; available columns: a, b, label"):
        D.from_csv(path, target="target", features=["a", "c"])


def test_csv_non_numeric_feature_names_column_and_row(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,label\n1,0\nfoo,1\n")
    with pytest.raises(DataError, match=r"column 'a' has a non-numeric value 'foo' in row 3"):
        D.from_csv(path, target="label")


@pytest.mark.parametrize("y,match", [
    ([0] * 20, r"only one class"),
    ([0.5, 1.5] * 10, r"non-integer values"),
    ([0] * 19 + [1], r"class 1 has fewer than 2 samples"),
    ([0, 1] * 9 + [np.nan, 1], r"1 labels are NaN"),
])
def test_unusable_labels(y, match):
    with pytest.raises(DataError, match=match):
        D.from_arrays(np.arange(40.0).reshape(20, 2), np.array(y), task="classification")


@pytest.mark.parametrize("kwargs,match", [
    (dict(name="moon"), r"dataset.name: 'moon' is not a known dataset; choose one of ad_hoc, bars_and_stripes, breast_cancer"),
    (dict(name="moons", scaling="zscore"), r"dataset.scaling: 'zscore' is not allowed; choose one of auto"),
    (dict(name="moons", test_size=1.5), r"dataset.test_size: 1.5 must be a number between 0 and 1"),
    (dict(name="moons", n_samples=2), r"dataset.n_samples: 2 must be an integer >= 4"),
    (dict(name="moons", noise=-1.0), r"dataset.noise: -1.0 must be a number >= 0"),
    (dict(name="moons", num_features=3), r"dataset.num_features: 3 is more than the 2 features moons has"),
    (dict(name="circles", radius=2), r"dataset.options.radius: 2 is not an option of circles; choose one of factor, feature_range"),
])
def test_bad_load_arguments(kwargs, match):
    with pytest.raises(SpecError, match=match):
        D.load(**kwargs)


def test_public_names_on_the_package():
    assert qb.datasets.load is D.load and qb.datasets.DATASETS is D.DATASETS


def test_from_spec_names_the_circuit_width_when_it_exceeds_the_features():
    with pytest.raises(SpecError, match=r"circuit.num_qubits: 3 is more than the 2 features moons has; "
                                        r"leave num_qubits null"):
        D.from_spec(DatasetSpec(name="moons"), seed=0, num_features=3)
    with pytest.raises(SpecError, match=r"circuit.num_qubits: 5 is not a dimension ad_hoc data supports; .*choose one of 2, 3"):
        D.from_spec(DatasetSpec(name="ad_hoc"), seed=0, num_features=5)


def _all(d):
    return np.vstack([d.X_train, d.X_test]), np.concatenate([d.y_train, d.y_test])


def test_noise_level_is_the_spread_of_the_points_around_their_clean_shape():
    """Noise is a parameter with its stated meaning, not only a field in the spec.

    With noise 0 the synthetic sets lie exactly on their shapes; with Gaussian noise σ the
    radial residual of a point of a unit circle is N(0, σ²) to first order in σ.  For
    N points the sample std has relative standard error ≈ 1/sqrt(2N); 0.1 is >4 of them."""
    X, y = _all(D.load("moons", n_samples=400, noise=0.0, seed=0, scaling="none"))
    outer, inner = X[y == 0], X[y == 1] - [1.0, 0.5]
    assert np.allclose(np.hypot(*outer.T), 1.0) and np.allclose(np.hypot(*inner.T), 1.0)
    X, y = _all(D.load("circles", n_samples=400, noise=0.0, seed=0, scaling="none",
                       factor=0.3))
    assert np.allclose(np.hypot(*X[y == 0].T), 1.0) and np.allclose(np.hypot(*X[y == 1].T), 0.3)
    X, y = _all(D.load("xor", n_samples=400, noise=0.0, seed=0, scaling="none"))
    assert np.array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(int))

    sigma, n = 0.05, 2000
    X, y = _all(D.load("moons", n_samples=n, noise=sigma, seed=1, scaling="none"))
    resid = np.hypot(*X[y == 0].T) - 1.0
    assert np.std(resid) == pytest.approx(sigma, rel=0.1)
    X, y = _all(D.load("gaussians", n_samples=n, noise=0.3, seed=1, scaling="none"))
    for c in (0, 1):  # each blob's spread per axis is 0.5 + noise
        assert np.std(X[y == c], axis=0) == pytest.approx([0.8, 0.8], rel=0.1)
    for name in ("xor", "spiral", "circles"):
        quiet = D.load(name, n_samples=60, noise=0.0, seed=2, scaling="none")
        loud = D.load(name, n_samples=60, noise=0.2, seed=2, scaling="none")
        assert not np.allclose(quiet.X_train, loud.X_train), name


def test_a_wide_csv_is_reduced_like_the_built_in_datasets_and_says_so(tmp_path):
    """Issue 9: 30 feature columns loaded unreduced, then failed '30 qubits is too many'."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 30))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    path = tmp_path / "wide.csv"
    header = ",".join([f"f{i}" for i in range(30)] + ["label"])
    path.write_text(header + "\n" + "\n".join(
        ",".join(f"{v:.6f}" for v in row) + f",{lab}" for row, lab in zip(X, y)) + "\n")
    d = D.from_csv(path, target="label", seed=0)
    assert d.num_features == D.MAX_AUTO_FEATURES == 8
    assert d.feature_names == [f"pc{i}" for i in range(8)]
    assert any("reduced 30 features to 8 with PCA" in n for n in d.notes), d.notes
    assert any("pass num_features" in n for n in d.notes), d.notes
    assert D.from_csv(path, target="label", seed=0, num_features=3).num_features == 3
    assert D.from_csv(path, target="label", seed=0, num_features=30).num_features == 30
    assert D.from_arrays(X[:, :8], y).num_features == 8          # narrow data is left alone
    # and a quantum model trains on it without a width error
    spec = qb.ExperimentSpec.from_dict({"model": {"name": "qsvc"},
                                        "circuit": {"feature_map": {"name": "angle"}}})
    run = qb.train(spec, dataset=d, block=True)
    assert run.status == "done" and run.model.n_features_in_ == 8


def test_a_rescaled_feature_loses_its_unit_and_an_unscaled_one_keeps_it():
    # the axes and the slice note read these names: "sepal length (cm)" over scaled values
    # 0..3.14 said a 7.9 cm sepal was 3.14 cm long
    scaled = D.load("iris", n_samples=60)
    assert scaled.scaling != "none"
    assert scaled.feature_names[:2] == ["sepal length (scaled)", "sepal width (scaled)"]
    raw = D.load("iris", n_samples=60, scaling="none")
    assert raw.feature_names[0] == "sepal length (cm)"
    assert float(raw.X_train[:, 0].max()) > 4      # the values still are centimetres
    assert D.load("moons", n_samples=20).feature_names == ["x0", "x1"]
