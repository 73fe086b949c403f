"""One cell of a study: compute it (anywhere: here, in a pool, on a Dask worker) and keep it.

:func:`run_cell` is a plain top-level function of plain data, so it pickles to any worker;
what it returns is plain JSON.  Everything random in a cell comes from the cell's own spec
(its seed), so a cell gives the same numbers wherever and whenever it runs.

:func:`save` writes one finished cell as ``cells/<key>.json`` atomically (a temporary file
beside it, flushed, then renamed), so a crash, Ctrl-C or a killed machine never leaves a
half-written cell, and :func:`finished` reads back the ones that are there.
"""

from __future__ import annotations

import json
import os
import socket
import tempfile
import time
from pathlib import Path

from .. import distributed, plateau
from ..jsonable import plain
from ..training import train
from .spec import Cell

__all__ = ["run_cell", "save", "finished", "record_of", "FORMAT", "FORMAT_VERSION", "CELLS_DIR"]

FORMAT = "qmlbench-study-cell"
FORMAT_VERSION = 1
CELLS_DIR = "cells"


def _experiment(spec: dict, stop_event=None) -> dict:
    run = train(spec)
    while not run.done:
        run.wait(0.1)  # poll, so a stop lands within a tenth of a second
        if stop_event is not None and stop_event.is_set() and not run.stopping:
            run.stop(skip_scoring=True)
    run.wait()
    d = run.dataset
    losses = run.losses
    return {"status": run.status, "train_score": run.scores.get("train"),
            "test_score": run.scores.get("test"), "steps": run.steps,
            "final_loss": losses[-1] if losses else None, "task": d.task,
            "num_features": int(d.num_features), "n_train": int(len(d.y_train)),
            "n_test": int(len(d.y_test)), "path": run.path,
            "fallback_reason": run.fallback_reason, "notes": list(run.notes)}


def _plateau(spec: dict, stop_event=None) -> dict:
    kwargs = dict(spec)
    res = plateau.gradient_variance(kwargs.pop("ansatz"), stop_event=stop_event, **kwargs)
    status = "stopped" if res.stopped else "done"
    return {"status": status, "variance": float(res.variances[0]), "mean": float(res.means[0]),
            "stderr": float(res.stderr[0]), "reference": float(res.reference[0]),
            "path": res.path, "fallback_reason": res.fallback_reason}


_RUNNERS = {"experiment": _experiment, "plateau": _plateau}


def run_cell(cell: Cell, stop_event=None) -> dict:
    """The record of one cell: ``key, kind, labels, spec, result, seconds, host``.

    ``result["status"]`` is ``"done"`` or, when ``stop_event`` cut it short, ``"stopped"``
    (a stopped cell is not saved: a re-run computes it again)."""
    distributed.restore_malloc_defaults()   # on a Dask worker: 3.5x faster simulations
    started = time.perf_counter()
    result = _RUNNERS[cell.kind](cell.spec, stop_event)
    return {"format": FORMAT, "version": FORMAT_VERSION, "key": cell.key, "kind": cell.kind,
            "labels": cell.labels, "spec": cell.spec, "result": plain(result),
            "seconds": time.perf_counter() - started, "host": socket.gethostname(),
            "pid": os.getpid()}


def record_of(cell: Cell, error: BaseException) -> dict:
    """The record of a cell that failed (kept in the table, never saved: a re-run retries it)."""
    return {"format": FORMAT, "version": FORMAT_VERSION, "key": cell.key, "kind": cell.kind,
            "labels": cell.labels, "spec": cell.spec,
            "result": {"status": "error", "error": f"{type(error).__name__}: {error}"},
            "seconds": None}


def _path(out: Path, key: str) -> Path:
    return Path(out) / CELLS_DIR / f"{key}.json"


def write_text(path: Path, text: str) -> None:
    """Write ``text`` at ``path`` atomically (temporary file, fsync, rename): a cell or a
    table is either all there or not there, whatever interrupts the study."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data) -> None:
    """``data`` as JSON at ``path``, atomically."""
    write_text(path, json.dumps(plain(data), indent=1, sort_keys=True, allow_nan=False))


def save(out, record: dict) -> Path:
    """Keep a finished cell's record at ``out/cells/<key>.json`` (atomically)."""
    path = _path(out, record["key"])
    write_json(path, record)
    return path


def finished(out, cells) -> dict:
    """``{key: record}`` of the cells already saved under ``out`` (a file that does not read
    as a finished cell of that key is ignored and the cell computed again)."""
    found = {}
    if out is None:
        return found
    for cell in cells:
        path = _path(out, cell.key)
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if (isinstance(record, dict) and record.get("key") == cell.key
                and record.get("format") == FORMAT
                and (record.get("result") or {}).get("status") == "done"):
            record["labels"] = cell.labels   # labels may be renamed without recomputing
            found[cell.key] = record
    return found
