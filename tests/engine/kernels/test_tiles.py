"""Large kernel matrices in tiles: the same matrix, bit for bit, serially, on a thread pool
and on a real 2-process Dask LocalCluster."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import qmlbench as qb
from qmlbench.engine import kernels
from qmlbench.engine.errors import SpecError


def _data(n, d, seed=0):
    return np.random.default_rng(seed).uniform(0, np.pi, (n, d))


def test_tiles_equal_the_one_piece_matrix():
    fm = qb.circuits.feature_map("zz", 4, reps=2)
    X, Y = _data(53, 4), _data(31, 4, 1)
    full = kernels.kernel_matrix(fm, X)
    tiled = kernels.tiled_kernel_matrix(fm, X, tile=10)
    np.testing.assert_array_equal(tiled, tiled.T)
    np.testing.assert_allclose(tiled, full, atol=1e-14)
    np.testing.assert_allclose(kernels.tiled_kernel_matrix(fm, X, Y, tile=7),
                               kernels.kernel_matrix(fm, X, Y), atol=1e-14)


def test_tile_size_bounds_the_states_a_worker_holds():
    assert kernels.tile_size(10, memory_bytes=2 * 16 * 2 ** 10 * 50) == 50
    assert kernels.tile_size(30) == 1
    with pytest.raises(SpecError, match="shots"):
        kernels.tiled_kernel_matrix(qb.circuits.feature_map("z", 2), _data(4, 2),
                                    execution_setting={"shots": 100})


def test_thread_pool_gives_the_serial_matrix_bit_for_bit():
    fm = qb.circuits.feature_map("iqp", 3, reps=2, entanglement="full")
    X, Y = _data(40, 3), _data(17, 3, 2)
    with ThreadPoolExecutor(2) as pool:
        for Yv in (None, Y):
            np.testing.assert_array_equal(
                kernels.tiled_kernel_matrix(fm, X, Yv, executor=pool, tile=6),
                kernels.tiled_kernel_matrix(fm, X, Yv, tile=6))


def test_dask_cluster_gives_the_serial_matrix_bit_for_bit(client):
    fm = qb.circuits.feature_map("zz", 5, reps=2)
    X, Y = _data(2000, 5), _data(300, 5, 3)
    # 2000 points in tiles of 250: 36 upper tiles over 2 worker processes
    serial = kernels.tiled_kernel_matrix(fm, X, tile=250)
    spread = kernels.tiled_kernel_matrix(fm, X, executor=client, tile=250)
    np.testing.assert_array_equal(spread, serial)
    assert spread.shape == (2000, 2000) and np.all(np.diag(spread) == 1.0)
    np.testing.assert_allclose(serial, kernels.kernel_matrix(fm, X), atol=1e-14)
    np.testing.assert_array_equal(kernels.tiled_kernel_matrix(fm, X, Y, executor=client, tile=400),
                                  kernels.tiled_kernel_matrix(fm, X, Y, tile=400))


def test_noisy_tiles_on_the_cluster(client):
    fm = qb.circuits.feature_map("zz", 2, reps=1)
    X = _data(30, 2)
    setting = {"noise": {"model": "depolarizing", "p1": 0.01, "p2": 0.02}}
    spread = kernels.tiled_kernel_matrix(fm, X, executor=client, tile=8, execution_setting=setting)
    np.testing.assert_array_equal(spread, kernels.tiled_kernel_matrix(fm, X, tile=8,
                                                                      execution_setting=setting))
    ref = kernels.kernel_matrix(fm, X, evaluator=qb.execution.evaluator_for(setting))
    np.testing.assert_allclose(spread, ref, atol=1e-12)
    assert np.all(np.diag(spread) < 1)


@pytest.mark.parametrize("setting", [[1], 3, "noise"])
def test_a_setting_that_is_not_a_mapping_is_refused_by_name(setting):
    fm = qb.circuits.feature_map("zz", 2)
    with pytest.raises(SpecError) as err:
        kernels.tiled_kernel_matrix(fm, _data(3, 2), execution_setting=setting)
    msg = str(err.value)
    assert msg.startswith(f"execution_setting: {setting!r}")
    assert "mapping" in msg and "None" in msg and "ExecutionSpec" in msg


def test_an_execution_spec_is_taken_as_its_setting():
    fm = qb.circuits.feature_map("zz", 2)
    X = _data(4, 2)
    K = kernels.tiled_kernel_matrix(fm, X, execution_setting=qb.ExperimentSpec().execution)
    np.testing.assert_array_equal(K, kernels.tiled_kernel_matrix(fm, X))
