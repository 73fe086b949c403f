"""Fixtures the engine tests share."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def client():
    """One real 2-process Dask LocalCluster per test module, closed after it (with the
    engine's own cached clients, so no test module inherits another's workers)."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                       dashboard_address=None)
    c = distributed.Client(cluster)
    try:
        yield c
    finally:
        from qmlbench.engine import distributed as qd

        qd.close_clients()
        c.close()
        cluster.close()
