"""Kernel matrices too large for one process, in tiles on a pool or a Dask cluster.

A fidelity kernel of N points needs N statevectors; at thousands of points and 16+ qubits
they no longer fit one machine's memory at once, and the N^2 overlaps are worth spreading.
:func:`tiled_kernel_matrix` cuts the matrix into ``tile x tile`` blocks, sends each block's
two row sets (plain arrays) and the feature map to a worker, which simulates those states
only, returns the block and drops the states: a worker holds at most ``2 * tile``
statevectors plus one block, whatever N is.  Here only the assembled matrix is held.  For a
symmetric matrix (``Y=None``) only the upper blocks are computed and mirrored.

Each block is a pure function of its rows, so the matrix is the same bit for bit whether
the blocks run here (``executor=None``), on a ``concurrent.futures`` pool or on Dask, with
any number of workers and in any order of completion; the tests check it on a 2-process
``LocalCluster``.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import FIRST_COMPLETED, wait

import numpy as np
from qiskit import QuantumCircuit

from .. import distributed, execution
from ..errors import SpecError
from .matrix import KERNEL_MEMORY_BYTES, _as_points, fidelity_matrix, mixed_state_matrix

__all__ = ["tiled_kernel_matrix", "tile_size", "kernel_tile"]


def tile_size(num_qubits: int, memory_bytes: int = KERNEL_MEMORY_BYTES, noisy: bool = False) -> int:
    """Rows per tile so that a worker's two tiles of states fit ``memory_bytes``."""
    per_state = 16 * (4 if noisy else 2) ** num_qubits
    return max(1, int(memory_bytes // (2 * per_state)))


def kernel_tile(feature_map: QuantumCircuit, X_rows, Y_rows=None, execution_setting=None):
    """One block ``K[rows of X, rows of Y]`` (``Y_rows=None``: X against itself, symmetric with
    the pure-state diagonal set to 1).  A top-level function of plain data: it pickles to any
    worker."""
    distributed.restore_malloc_defaults()   # on a Dask worker: see there
    ev = execution.evaluator_for(execution_setting)
    if getattr(ev, "noise", None) is not None:
        sx = ev.density_matrices(feature_map, X_rows)
        sy = None if Y_rows is None else ev.density_matrices(feature_map, Y_rows)
        return mixed_state_matrix(sx, sy)
    sx = ev.statevectors(feature_map, X_rows)
    sy = None if Y_rows is None else ev.statevectors(feature_map, Y_rows)
    return fidelity_matrix(sx, sy)


def _as_setting(execution_setting) -> dict:
    """The setting as a plain dict (an ExecutionSpec gives its ``to_dict``); the workers get
    plain data, and a list or a number would otherwise fail in ``dict()`` with a TypeError."""
    if execution_setting is None:
        return {}
    if hasattr(execution_setting, "to_dict") and not isinstance(execution_setting, dict):
        execution_setting = execution_setting.to_dict()
    if not isinstance(execution_setting, Mapping):
        raise SpecError("execution_setting", execution_setting,
                        reason="must be None (exact), a mapping with shots/seed/noise such as "
                               "{\"noise\": {\"model\": \"depolarizing\", \"p1\": 0.01}} "
                               "or an ExecutionSpec")
    return {k: v for k, v in execution_setting.items() if v is not None}


def tiled_kernel_matrix(feature_map: QuantumCircuit, X, Y=None, executor=None, tile=None,
                        execution_setting=None, retries: int = distributed.DEFAULT_RETRIES):
    """The fidelity (or, with noise in ``execution_setting``, Hilbert-Schmidt) kernel matrix in
    tiles; equal to :func:`~qmlbench.engine.kernels.kernel_matrix`'s exact values.

    ``executor``: None (the tiles one after the other here), a ``concurrent.futures.Executor``,
    a ``dask.distributed.Client`` or a scheduler address.  ``tile``: points per tile (default:
    what keeps two tiles of states within ``KERNEL_MEMORY_BYTES`` per worker).
    ``execution_setting``: the spec's ``execution`` section for the workers' evaluator; shots
    are refused (sample them from the exact matrix with ``sampled_fidelities``, one seed for
    the whole matrix, so the noise does not depend on the tiling).
    """
    X = _as_points("X", X, feature_map.num_parameters)
    Y = None if Y is None else _as_points("Y", Y, feature_map.num_parameters)
    setting = _as_setting(execution_setting)
    if setting.get("shots"):
        raise SpecError("execution.shots", setting["shots"], reason=(
            "does not apply to tiled kernels: compute the exact matrix in tiles, then draw the "
            "shot noise once with kernels.sampled_fidelities"))
    if tile is None:
        tile = tile_size(feature_map.num_qubits, noisy=setting.get("noise") is not None)
    if isinstance(tile, bool) or not isinstance(tile, (int, np.integer)) or tile < 1:
        raise SpecError("tile", tile, reason="must be an integer >= 1 (points per tile)")
    tile = int(tile)
    symmetric = Y is None
    other = X if symmetric else Y
    starts_i = range(0, X.shape[0], tile)
    starts_j = range(0, other.shape[0], tile)
    jobs = [(i, j) for i in starts_i for j in starts_j if not (symmetric and j < i)]

    K = np.empty((X.shape[0], other.shape[0]))

    def place(i, j, block):
        if symmetric and i == j:
            # one matrix product is symmetric only to rounding: keep the upper triangle
            upper = np.triu(block, 1)
            block = upper + upper.T + np.diag(np.diag(block))
        K[i:i + tile, j:j + tile] = block
        if symmetric and j != i:
            K[j:j + tile, i:i + tile] = block.T

    def args(i, j):
        rows = X[i:i + tile]
        if symmetric and i == j:
            return feature_map, rows, None, setting or None
        return feature_map, rows, other[j:j + tile], setting or None

    pool = distributed.as_executor(executor, retries=retries)
    if pool is None:
        for i, j in jobs:
            place(i, j, kernel_tile(*args(i, j)))
        return K
    futures = {pool.submit(kernel_tile, *args(i, j)): (i, j) for i, j in jobs}
    pending = set(futures)
    try:
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                place(*futures[fut], np.asarray(fut.result()))
    finally:
        for fut in pending:
            fut.cancel()
    return K
