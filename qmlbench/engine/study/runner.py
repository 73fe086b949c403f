"""Run a study: every cell once, here or on a cluster, each kept the moment it finishes.

    table = qb.study.run("study.json", out="results/small")                 # serially
    table = qb.study.run(spec, out="results/small", client=client)         # on Dask
    table = qb.study.run(spec, out="results/small", client="tcp://host:8786")

Cells already saved under ``out`` are read back, not computed again, so a re-run after
Ctrl-C, a crash or a lost machine picks up where it stopped.  On Dask each cell is one task,
and both retries are Dask's own: the scheduler re-runs a task whose worker process died on
another worker (up to ``distributed.scheduler.allowed-failures``, 3 by default, then it
raises ``KilledWorker``), and ``retries`` re-runs a task that raised.  So a killed worker
costs only the cells it was running; cells are saved here, by the caller, as their results
arrive.  A cell that fails for good appears in the table with status ``"error"`` and is not
saved, so the next run tries it again.
"""

from __future__ import annotations

import csv
import io
import time
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass
from pathlib import Path

from .. import distributed
from .cells import finished, record_of, run_cell, save, write_json, write_text
from .spec import StudySpec, load

__all__ = ["run", "StudyProgress", "table", "results", "STUDY_FILE", "TABLE_FILE"]

STUDY_FILE = "study.json"
TABLE_FILE = "table.csv"


@dataclass
class StudyProgress:
    """What ``progress(p)`` is told after each cell: ``done`` of ``total`` cells (``skipped``
    of them read back from an earlier run, ``failed`` ended in an error), wall seconds
    ``elapsed`` and the estimated seconds left (``eta``, None until a cell was computed), and
    the ``record`` of the cell that just finished (None for the first call)."""

    done: int
    total: int
    skipped: int
    failed: int
    elapsed: float
    eta: float | None
    record: dict | None = None


def _rows(records) -> list[dict]:
    rows = []
    for r in records:
        row = dict(r["labels"])
        for k, v in r["result"].items():
            if k not in ("notes",):
                row[k] = v
        row["seconds"] = r.get("seconds")
        row["key"] = r["key"]
        rows.append(row)
    return rows


def table(records):
    """The records as a table: a pandas DataFrame when pandas is installed, else a list of
    dicts (one per cell: its labels, then its results, ``seconds`` and ``key``)."""
    rows = _rows(records)
    try:
        import pandas as pd  # noqa: PLC0415 - optional: a list of records without it
    except ImportError:
        return rows
    return pd.DataFrame(rows)


def _csv(records) -> str:
    rows = _rows(records)
    columns = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def run(study_spec, out=None, client=None, progress=None, stop_event=None,
        retries: int = distributed.DEFAULT_RETRIES):
    """Run every cell of ``study_spec`` and return the table (see :func:`table`).

    ``study_spec``: a :class:`StudySpec`, a dict, JSON text or a path, validated before
    anything runs.  ``out``: a folder; each finished cell is written at once as
    ``out/cells/<key>.json`` (atomically), cells already there are skipped, and at the end
    ``out/table.csv`` holds the table.  Without ``out`` nothing is written.
    ``client``: None (serially, here), a ``concurrent.futures.Executor``, a
    ``dask.distributed.Client`` or a scheduler address.  ``progress(StudyProgress)`` is
    called after each cell.  Setting ``stop_event`` (a ``threading.Event``) stops: the
    running cells are dropped (serially: the training in progress is stopped) and what
    finished is kept; the table then holds the finished cells only.
    """
    study = load(study_spec) if not isinstance(study_spec, StudySpec) else study_spec
    started = time.perf_counter()
    out = None if out is None else Path(out)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        write_json(out / STUDY_FILE, study.to_dict())
    cells = study.cells
    records = finished(out, cells)
    skipped = len(records)
    failed = 0
    total = len(cells)
    todo = [c for c in cells if c.key not in records]

    def report(record):
        if progress is None:
            return
        done = len(records) + failed
        computed = done - skipped
        elapsed = time.perf_counter() - started
        eta = elapsed / computed * (total - done) if computed else None
        progress(StudyProgress(done, total, skipped, failed, elapsed, eta, record))

    def keep(record):
        nonlocal failed
        if record["result"].get("status") == "done":
            if out is not None:
                save(out, record)
            records[record["key"]] = record
        elif record["result"].get("status") == "error":
            failed += 1
            errors[record["key"]] = record
        report(record)

    errors: dict = {}
    report(None)
    executor = distributed.as_executor(client, retries=retries)
    if executor is None:
        for cell in todo:
            if stop_event is not None and stop_event.is_set():
                break
            try:
                record = run_cell(cell, stop_event)
            except Exception as exc:  # noqa: BLE001 - one bad cell must not end the study
                record = record_of(cell, exc)
            keep(record)
    else:
        futures = {executor.submit(run_cell, cell): cell for cell in todo}
        pending = set(futures)
        try:
            while pending:
                if stop_event is not None and stop_event.is_set():
                    break
                done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                for fut in done:
                    try:
                        record = fut.result()
                    except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker after retries
                        record = record_of(futures[fut], exc)
                    keep(record)
        finally:
            for fut in pending:
                fut.cancel()
    ordered = [records.get(c.key) or errors.get(c.key) for c in cells]
    ordered = [r for r in ordered if r is not None]
    if out is not None:
        write_text(out / TABLE_FILE, _csv(ordered))
    return table(ordered)


def results(out):
    """The table of the cells saved under ``out`` (by the study in ``out/study.json``)."""
    out = Path(out)
    study = load(out / STUDY_FILE)
    found = finished(out, study.cells)
    return table([found[c.key] for c in study.cells if c.key in found])
