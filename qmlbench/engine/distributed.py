"""Where sweeps and studies run: here, on a ``concurrent.futures`` pool, or on Dask.

Every sweep that spreads work (``plateau.gradient_variance``, ``kernels.concentration``,
``study.run``) takes one ``executor`` argument and passes it through :func:`as_executor`:

* ``None``: serial, in this process;
* a ``concurrent.futures.Executor`` (a ``ProcessPoolExecutor``, say): used as it is;
* a ``dask.distributed.Client``: its ``get_executor(retries=...)``, a
  ``concurrent.futures.Executor`` whose futures are plain ``concurrent.futures`` futures,
  so the sweeps' ``wait``/``as_completed`` loops do not change.  Retries are Dask's, not
  ours: the scheduler re-runs a task whose worker died on another worker (its
  ``allowed-failures`` setting), and ``retries`` re-runs a task that raised;
* a scheduler address ``"tcp://HOST:PORT"``: a ``Client`` connected to it, opened once
  per address and process and closed when the interpreter exits (:func:`close_clients`).

Each cell of a sweep owns its seed, so results do not depend on which of these ran it,
on the number of workers or on the order in which cells finish.

Dask is an optional extra (``pip install qmlbench[distributed]``): most users run on one
machine, and ``dask.distributed`` brings tornado, msgpack and a dozen more packages.  So it
is imported here only, lazily, inside the functions that need it, and only when a caller
hands over a Client or an address; ``import qmlbench`` and every serial path never load it.
"""

from __future__ import annotations

import atexit
import threading
from concurrent.futures import Executor

from .errors import QmlbenchError, SpecError

__all__ = ["as_executor", "is_client", "client_for", "local_cluster", "close_clients",
           "DEFAULT_RETRIES", "DistributedMissing", "restore_malloc_defaults"]

#: How many times Dask re-runs a task whose worker died before giving up on it.
DEFAULT_RETRIES = 3

_clients: dict = {}
_lock = threading.Lock()


class DistributedMissing(QmlbenchError, ImportError):
    """A Dask Client or address was given but ``dask.distributed`` is not installed."""


def _import_distributed():
    try:
        import distributed  # noqa: PLC0415 - optional extra, see the module docstring
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise DistributedMissing(
            "running on a Dask cluster needs the 'distributed' extra: "
            "pip install 'qmlbench[distributed]'") from exc
    return distributed


def is_client(obj) -> bool:
    """Whether ``obj`` is a ``dask.distributed.Client`` (checked without importing Dask)."""
    return any(c.__name__ == "Client" and c.__module__.startswith("distributed")
               for c in type(obj).__mro__)


def is_address(obj) -> bool:
    return isinstance(obj, str) and "://" in obj


def client_for(target):
    """A ``dask.distributed.Client`` for a Client (itself) or a scheduler address (one shared
    connection per address, closed at exit); ``None`` for anything else."""
    if is_client(target):
        return target
    if not is_address(target):
        return None
    with _lock:
        client = _clients.get(target)
        if client is None or client.status in ("closing", "closed"):
            distributed = _import_distributed()
            try:
                client = distributed.Client(target, timeout="10s")
            except OSError as exc:
                raise SpecError("executor", target,
                                reason=f"is a scheduler address that did not answer ({exc})") from None
            _clients[target] = client
        return client


def as_executor(target, retries: int = DEFAULT_RETRIES) -> Executor | None:
    """What a sweep submits to: ``None`` (serial) or a ``concurrent.futures.Executor``.

    ``target``: None, an Executor, a ``dask.distributed.Client`` or a scheduler address
    ``"tcp://HOST:PORT"``.  Dask tasks are submitted with ``retries`` (a task that raised is
    run again) and ``pure=False`` (two equal submissions are two tasks).
    """
    if target is None or isinstance(target, Executor):
        return target
    client = client_for(target)
    if client is None:
        raise SpecError("executor", target if isinstance(target, str) else type(target).__name__,
                        reason="must be None, a concurrent.futures.Executor, a "
                               "dask.distributed.Client or a scheduler address 'tcp://HOST:PORT'")
    return client.get_executor(retries=retries, pure=False)


def local_cluster(workers: int, threads_per_worker: int = 1):
    """A ``dask.distributed.Client`` on a new ``LocalCluster`` of ``workers`` processes (one
    thread each: our simulations are numpy-bound).  Close it with ``client.close()`` and
    ``client.cluster.close()``, or use it as a context manager."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise SpecError("workers", workers, reason="must be an integer >= 1")
    distributed = _import_distributed()
    cluster = distributed.LocalCluster(n_workers=workers, processes=True,
                                       threads_per_worker=threads_per_worker,
                                       dashboard_address=None)
    return distributed.Client(cluster)


_malloc_restored = False


def restore_malloc_defaults() -> bool:
    """Undo, in this process, what Dask's ``MALLOC_TRIM_THRESHOLD_`` does to glibc.

    Dask's nanny starts every worker with ``MALLOC_TRIM_THRESHOLD_=65536`` (its
    ``distributed.nanny.pre-spawn-environ``).  Setting that variable switches off glibc's
    dynamic mmap threshold, so every array over 128 KiB is a fresh ``mmap`` whose pages are
    faulted in and zeroed again: the simulator's state arrays made a study cell 3.5 times
    slower on a worker than here (measured: 0.93 s vs 3.5 s for one variational cell).
    Setting the thresholds explicitly to glibc's own dynamic ceilings (32 MiB mmap, 64 MiB
    trim) restores the speed.  Does nothing outside a process started that way or without
    glibc; returns whether it changed anything.  Cells and kernel tiles call it first.
    """
    global _malloc_restored
    import os  # noqa: PLC0415 - a rarely taken path

    if _malloc_restored or "MALLOC_TRIM_THRESHOLD_" not in os.environ:
        return False
    _malloc_restored = True
    try:
        import ctypes  # noqa: PLC0415

        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3     # glibc's mallopt parameter numbers
        return bool(libc.mallopt(m_mmap_threshold, 32 * 2 ** 20)) and \
            bool(libc.mallopt(m_trim_threshold, 64 * 2 ** 20))
    except (OSError, AttributeError):
        return False


def close_clients() -> None:
    """Close the Clients opened for scheduler addresses."""
    with _lock:
        clients = list(_clients.values())
        _clients.clear()
    for client in clients:
        try:
            client.close()
        except Exception:  # noqa: BLE001 - closing at exit must not raise
            pass


atexit.register(close_clients)
