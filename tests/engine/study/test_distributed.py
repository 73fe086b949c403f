"""On a real LocalCluster of 2 worker processes: sweeps and studies give the serial results
bit for bit, scikit-learn's search runs through joblib's Dask backend unchanged, and a
worker killed in the middle of a study costs only the cell it was running."""

from __future__ import annotations

import json
import os
import signal

import numpy as np
import pytest

import qmlbench as qb
from qmlbench.engine import distributed as qd
from qmlbench.engine.study import runner as runner_mod

pytest.importorskip("distributed")


def test_gradient_variance_on_a_client_or_an_address_equals_the_serial_run(client):
    kwargs = dict(qubits=[2, 3, 4], layers=[1, 2], samples=24, seed=7, param_index="all")
    serial = qb.plateau.gradient_variance("real_amplitudes", **kwargs)
    on_client = qb.plateau.gradient_variance("real_amplitudes", executor=client, **kwargs)
    by_address = qb.plateau.gradient_variance("real_amplitudes",
                                              executor=client.scheduler.address, **kwargs)
    for res in (on_client, by_address):
        assert np.array_equal(res.variances, serial.variances)
        assert np.array_equal(res.stderr, serial.stderr)
        assert np.array_equal(res.means, serial.means)


def test_kernel_concentration_on_a_client_equals_the_serial_run(client):
    serial = qb.kernels.concentration("zz", qubits=[2, 3, 4], samples=40, seed=3)
    spread = qb.kernels.concentration("zz", qubits=[2, 3, 4], samples=40, seed=3, executor=client)
    assert spread.variances == serial.variances and spread.means == serial.means
    assert spread.stderr == serial.stderr


def test_a_study_on_two_workers_equals_the_serial_study(client, small, plateau_study, tmp_path,
                                                         results_of):
    for i, study in enumerate((small, plateau_study)):
        serial = qb.study.run(study, out=tmp_path / f"serial{i}")
        spread = qb.study.run(study, out=tmp_path / f"dask{i}", client=client)
        assert results_of(spread) == results_of(serial)     # every score and variance, exactly
        files = sorted(p.name for p in (tmp_path / f"dask{i}" / "cells").iterdir())
        assert files == sorted(p.name for p in (tmp_path / f"serial{i}" / "cells").iterdir())
    pids = set(client.run(os.getpid).values())   # the cells ran in the workers' processes
    ran = {json.loads(p.read_text())["pid"] for p in (tmp_path / "dask0" / "cells").iterdir()}
    assert ran <= pids and os.getpid() not in ran


def test_grid_search_through_joblibs_dask_backend_equals_the_serial_search(client):
    joblib = pytest.importorskip("joblib")
    from distributed import get_task_stream
    from sklearn.model_selection import GridSearchCV

    spec = qb.ExperimentSpec.from_dict({"dataset": {"name": "breast_cancer", "n_samples": 40},
                                        "model": {"name": "qsvc"}})
    data = qb.datasets.from_spec(spec.dataset, seed=0, num_features=2)
    grid = {"C": [0.25, 1.0, 4.0]}
    serial = GridSearchCV(qb.models.build(spec, data), grid, cv=3).fit(data.X_train, data.y_train)
    with get_task_stream(client) as stream, joblib.parallel_backend("dask"):
        spread = GridSearchCV(qb.models.build(spec, data), grid, cv=3).fit(data.X_train,
                                                                          data.y_train)
    assert len(stream.data) > 0                      # the fits ran on the cluster
    assert spread.best_params_ == serial.best_params_
    for key in ("mean_test_score", "std_test_score", "split0_test_score"):
        assert np.array_equal(spread.cv_results_[key], serial.cv_results_[key])


def test_a_worker_killed_mid_study_costs_only_its_cell(client, tmp_path, monkeypatch, results_of):
    """Kill (SIGKILL) the worker that is still running its first cell when the other worker
    reports one: Dask re-runs the lost cell on a live worker, the study ends with every cell,
    equal to the serial study, and no cell was kept twice."""
    study = {"name": "killed", "base": {"dataset": {"name": "ad_hoc", "n_samples": 40}},
             "models": ["qsvc", "svc"], "dimensions": [2, 3], "seeds": [0, 1, 2]}
    before = client.run(os.getpid)          # worker address -> process id
    killed = []

    busy = []

    def progress(p):
        if p.record is not None and not killed:
            address, victim = next((a, pid) for a, pid in before.items() if pid != p.record["pid"])
            busy.extend(client.processing(workers=[address])[address])
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    saves = []
    real_save = runner_mod.save
    monkeypatch.setattr(runner_mod, "save", lambda out, record: saves.append(record["key"])
                        or real_save(out, record))
    table = qb.study.run(study, out=tmp_path, client=client, progress=progress)
    assert killed, "no worker was killed"
    assert busy, "the killed worker was running a cell"
    assert list(table["status"]) == ["done"] * len(table) == ["done"] * 12
    assert sorted(saves) == sorted(table["key"])    # each cell kept exactly once
    pids = {json.loads(p.read_text())["pid"] for p in (tmp_path / "cells").iterdir()}
    assert pids - {killed[0]}, "the lost cell ran on a live worker"
    client.wait_for_workers(2, timeout=60)          # the nanny started a fresh worker
    assert killed[0] not in client.run(os.getpid).values()
    serial = qb.study.run(study)
    assert results_of(table) == results_of(serial)


def test_as_executor_refuses_what_it_cannot_run_on():
    with pytest.raises(qb.SpecError) as info:
        qd.as_executor(42)
    assert info.value.field == "executor"
    assert qd.as_executor(None) is None


def test_a_study_stopped_on_the_cluster_resumes_by_address_without_recomputing(
        client, small, tmp_path, results_of):
    import threading

    stop = threading.Event()
    seen = []

    def progress(p):
        if p.record is not None:
            seen.append(p.record["key"])
            stop.set()                         # Stop once the first cell is back

    first = qb.study.run(small, out=tmp_path, client=client, stop_event=stop, progress=progress)
    kept = {p.stem for p in (tmp_path / "cells").iterdir()}
    assert 1 <= len(kept) < len(qb.study.load(small).cells) and set(first["key"]) == kept
    computed = []
    resumed = qb.study.run(small, out=tmp_path, client=client.scheduler.address,
                           progress=lambda p: p.record and computed.append(p.record["key"]))
    assert not set(computed) & kept and len(computed) + len(kept) == len(resumed)
    assert results_of(resumed) == results_of(qb.study.run(small))
