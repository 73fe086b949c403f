"""Study specs and the serial runner: validation that names the field, one file per finished
cell, resume after a stop, and cells that equal their place in a bigger sweep."""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import pytest

import qmlbench as qb
from qmlbench.engine.errors import SpecError
from qmlbench.engine.study import cells as cells_mod
from qmlbench.engine.study import runner as runner_mod


def test_the_small_study_has_every_combination_and_stable_keys(small):
    study = qb.study.load(small)
    assert len(study.cells) == 1 * (1 + 2 + 1) * 2 * 2
    labels = [c.labels for c in study.cells]
    assert {"dataset": "breast_cancer", "model": "svc", "dimension": 3, "seed": 1, "C": 2.0} in labels
    again = qb.study.load(json.dumps(small))
    assert [c.key for c in study.cells] == [c.key for c in again.cells]
    assert len({c.key for c in study.cells}) == len(study.cells)
    spec = qb.ExperimentSpec.from_dict(study.cells[0].spec)    # each cell is a full, valid spec
    assert spec.dataset.n_samples == 40


@pytest.mark.parametrize("change, field", [
    (lambda s: s["models"].append({"name": "svc", "grid": {"C": [1.0, -1.0]}}), "models[3].grid.C"),
    (lambda s: s["models"].append({"name": "svc", "params": {"gamma_x": 1}}), "models[3].params.gamma_x"),
    (lambda s: s["models"].append("no_such_model"), "models[3].name"),
    (lambda s: s["models"].append("svr"), "models[3].name"),
    (lambda s: s["datasets"].append({"name": "moons", "n_samples": -3}), "datasets[1].n_samples"),
    (lambda s: s["datasets"].append("no_such_data"), "datasets[1].name"),
    (lambda s: s.update(dimensions=[2, 31]), "dimensions[1]"),
    (lambda s: s["datasets"].append({"name": "ad_hoc", "dimensions": [2, 4]}), "datasets[1].dimensions[1]"),
    (lambda s: s.update(seeds=[0, -1]), "seeds[1]"),
    (lambda s: s.update(grid={"optimizer.maxiter": [0]}), "grid.optimizer.maxiter"),
    (lambda s: s.update(base={"dataset": {"noise": "lots"}}), "base.dataset.noise"),
    (lambda s: s.update(modles=[]), "modles"),
    (lambda s: s.update(seeds=[]), "seeds"),
    (lambda s: s.update(study="everything"), "study"),
])
def test_a_bad_study_spec_names_the_field(small, change, field):
    change(small)
    with pytest.raises(SpecError) as info:
        qb.study.load(small)
    assert info.value.field == field, str(info.value)
    assert str(info.value).startswith(f"{field}: ")


@pytest.mark.parametrize("change, field", [
    (lambda s: s.update(widths=[2, 0]), "widths[1]"),
    (lambda s: s.update(costs=["global", "nope"]), "costs[1]"),
    (lambda s: s.update(inits=["uniform", "huge"]), "inits[1]"),
    (lambda s: s.update(ansatze=["real_amplitudes", "nope"]), "ansatze[1]"),
    (lambda s: s.update(samples=1), "samples"),
])
def test_a_bad_plateau_study_names_the_field(plateau_study, change, field):
    change(plateau_study)
    with pytest.raises(SpecError) as info:
        qb.study.load(plateau_study)
    assert info.value.field == field, str(info.value)


def test_run_writes_one_json_per_cell_and_a_rerun_computes_nothing(small, tmp_path, monkeypatch, results_of):
    table = qb.study.run(small, out=tmp_path)
    study = qb.study.load(small)
    assert list(table["status"]) == ["done"] * len(study.cells)
    files = sorted(p.name for p in (tmp_path / "cells").iterdir())
    assert files == sorted(f"{c.key}.json" for c in study.cells)    # no temporary file left
    assert (tmp_path / "table.csv").is_file() and (tmp_path / "study.json").is_file()
    record = json.loads((tmp_path / "cells" / files[0]).read_text())
    assert record["result"]["status"] == "done" and record["spec"]["dataset"]["name"] == "breast_cancer"

    calls = []
    monkeypatch.setattr(runner_mod, "run_cell", lambda *a, **k: calls.append(a) or None)
    again = qb.study.run(small, out=tmp_path)
    assert calls == []
    assert results_of(again) == results_of(table)
    assert results_of(qb.study.results(tmp_path)) == results_of(table)


def test_stop_mid_study_then_resume_recomputes_only_the_unfinished_cells(small, tmp_path,
                                                                          monkeypatch, results_of):
    reference = qb.study.run(small)               # no out: nothing written
    total = len(reference)
    stop = threading.Event()
    calls = []
    real = cells_mod.run_cell

    def counting(cell, stop_event=None):
        calls.append(cell.key)
        record = real(cell, stop_event)
        if len(calls) == 5:
            stop.set()                            # Stop while the study is under way
        return record

    monkeypatch.setattr(runner_mod, "run_cell", counting)
    first = qb.study.run(small, out=tmp_path, stop_event=stop)
    assert len(calls) == 5 and len(first) == 5
    saved = {p.stem for p in (tmp_path / "cells").iterdir()}
    assert saved == set(calls)

    calls.clear()
    resumed = qb.study.run(small, out=tmp_path)
    assert len(calls) == total - 5 and not set(calls) & saved     # finished cells not recomputed
    assert results_of(resumed) == results_of(reference)


def test_a_stop_during_a_training_drops_that_cell_only(tmp_path):
    study = {"name": "vqc", "base": {"dataset": {"name": "moons", "n_samples": 40},
                                     "optimizer": {"name": "spsa", "maxiter": 5000}},
             "models": ["vqc"], "seeds": [0]}
    stop = threading.Event()
    timer = threading.Timer(1.0, stop.set)
    timer.start()
    t0 = time.perf_counter()
    try:
        table = qb.study.run(study, out=tmp_path, stop_event=stop)
    finally:
        timer.cancel()
    assert time.perf_counter() - t0 < 30
    assert len(table) == 0 and not list((tmp_path / "cells").glob("*.json"))


def test_a_failing_cell_is_reported_and_not_saved(small, tmp_path, monkeypatch):
    real = cells_mod.run_cell
    bad = qb.study.load(small).cells[3].key

    def flaky(cell, stop_event=None):
        if cell.key == bad:
            raise RuntimeError("the machine caught fire")
        return real(cell, stop_event)

    monkeypatch.setattr(runner_mod, "run_cell", flaky)
    table = qb.study.run(small, out=tmp_path)
    row = table[table["key"] == bad].iloc[0]
    assert row["status"] == "error" and "caught fire" in row["error"]
    assert not (tmp_path / "cells" / f"{bad}.json").exists()
    assert (table["status"] == "done").sum() == len(table) - 1


def test_a_plateau_cell_equals_its_point_in_one_big_sweep(plateau_study):
    table = qb.study.run(plateau_study)
    sweep = {cost: qb.plateau.gradient_variance("real_amplitudes", qubits=[2, 3], layers=[1, 2],
                                                samples=16, observable=cost, seed=4)
             for cost in ("global", "local")}
    for row in table.to_dict("records"):
        res = sweep[row["cost"]]
        i, j = res.qubits.index(row["qubits"]), list(res.layers).index(row["layers"])
        assert row["variance"] == res.variances[i, j]       # bit for bit
        assert row["stderr"] == res.stderr[i, j]
    assert np.isfinite(table["variance"]).all()


def test_the_shipped_example_study_validates():
    from importlib import resources

    path = resources.files("qmlbench") / "examples" / "studies" / "dimension_sweep.json"
    study = qb.study.load(path.read_text())
    assert study.name == "dimension_sweep" and len(study.cells) == 54
    plateau = qb.study.load((path.parent / "plateau_costs.json").read_text())
    assert plateau.kind == "plateau" and len(plateau.cells) == 40
