"""The study figure: a score against the dimension, one line per model, one panel per dataset."""

from __future__ import annotations

import math

import pytest

from qmlbench.viz.study import study_figure, study_series


def rows():
    out = []
    for ds in ("breast_cancer", "ad_hoc"):
        for model, base in (("qsvc", 0.6), ("svc", 0.9)):
            for dim in (2, 3):
                for seed, jitter in ((0, 0.0), (1, 0.1)):
                    out.append({"dataset": ds, "model": model, "dimension": dim, "seed": seed,
                                "status": "done", "test_score": base + jitter - 0.05 * dim})
    out.append({"dataset": "ad_hoc", "model": "svc", "dimension": 3, "seed": 2,
                "status": "error", "test_score": None})
    return out


def test_series_are_means_over_seeds_with_their_standard_error():
    series = study_series(rows(), facet="dataset")
    xs, means, errs, counts = series["ad_hoc"]["qsvc"]
    assert xs == [2, 3] and counts == [2, 2]            # the failed cell is left out
    assert means == pytest.approx([0.6 + 0.05 - 0.1, 0.6 + 0.05 - 0.15])
    assert errs == pytest.approx([0.1 / math.sqrt(2) / math.sqrt(2)] * 2)   # sd / sqrt(n)


def test_figure_has_one_trace_per_model_and_dataset_and_one_legend_entry_per_model():
    fig = study_figure(rows())
    assert len(fig.data) == 4
    assert {t.uid for t in fig.data} == {"breast_cancer/qsvc", "breast_cancer/svc",
                                         "ad_hoc/qsvc", "ad_hoc/svc"}
    assert [t.showlegend for t in fig.data].count(True) == 2
    colors = {t.uid: t.line.color for t in fig.data}
    assert colors["ad_hoc/svc"] == colors["breast_cancer/svc"] != colors["ad_hoc/qsvc"]
    assert [a.text for a in fig.layout.annotations] == ["ad_hoc", "breast_cancer"]
    t = next(t for t in fig.data if t.uid == "breast_cancer/svc")
    assert list(t.x) == [2, 3] and list(t.y) == pytest.approx([0.85, 0.80])


def test_any_column_and_a_dataframe_work_and_one_panel_without_a_facet():
    pd = pytest.importorskip("pandas")
    plateau = pd.DataFrame([{"qubits": n, "cost": c, "variance": v / n, "status": "done"}
                            for n in (2, 4) for c, v in (("global", 0.1), ("local", 0.2))])
    fig = study_figure(plateau, x="qubits", y="variance", by="cost", log_y=True)
    assert len(fig.data) == 2 and fig.layout.yaxis.type == "log"
    assert not fig.layout.annotations
    assert list(next(t for t in fig.data if t.name == "local").y) == pytest.approx([0.1, 0.05])
