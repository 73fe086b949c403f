"""The shipped slice of Bowles et al. 2024 validates and holds what its description says."""

from __future__ import annotations

from importlib import resources

import qmlbench as qb


def test_shipped_study_is_the_described_grid():
    path = resources.files("qmlbench") / "examples" / "studies" / "better_than_classical.json"
    study = qb.study.load(path.read_text(encoding="utf-8"))
    assert len(study.cells) == 147 and "147 cells" in study.data["description"]
    labels = {(c.labels["dataset"], c.labels["dimension"]) for c in study.cells}
    for task in ("linearly_separable", "hidden_manifold", "two_curves"):
        assert {d for t, d in labels if t == task} == {2, 4, 6, 8, 10}
    # below its 3 hidden dimensions hyperplanes_parity's labels are not a function of X
    assert {d for t, d in labels if t == "hyperplanes_parity"} == {4, 6, 8, 10}
    assert {d for t, d in labels if t == "bars_and_stripes"} == {4, 9}
    models = {c.labels["model"]: c.spec for c in study.cells}
    assert len(models) == 7
    assert models["Projected kernel"]["model"]["name"] == "projected_qsvc"
    assert models["Projected kernel"]["circuit"]["feature_map"]["name"] == "heisenberg"
    # the paper's separable variational model: per qubit a trainable rotation, RY(x), a
    # trainable rotation (W S W), no entanglement
    sep = models["Separable variational"]["circuit"]
    assert sep["feature_map"]["name"] == "angle" and sep["feature_map"]["options"] == {
        "rotation": "y"}
    assert sep["ansatz"]["name"] == "separable"
    assert sep["reuploading"]["trainable_first"] is True and sep["reuploading"]["layers"] == 1
    assert models["IQP kernel"]["circuit"]["feature_map"]["name"] == "iqp"
    for spec in models.values():   # the paper's 300 points, 80/20 split, [-pi/2, pi/2]
        assert spec["dataset"]["n_samples"] == 300 and spec["dataset"]["test_size"] == 0.2
