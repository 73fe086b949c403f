"""The state behind every panel: one ``ExperimentSpec``, the data it gives, and the run.

Panels never talk to each other; each reads and changes the :class:`Session`
and listens to its events. That keeps the whole screen one serialisable spec
(TensorFlow Playground's ``state.ts``) and lets a panel live on its own
(``CircuitComposer()`` makes a private session) or share one inside
``Workbench``.

Training runs in the engine's background thread; a watcher thread here turns
its steps into throttled ``progress`` events (the first point at once, then at
most every :data:`THROTTLE_S` seconds, plus a final one), so a fast optimizer
cannot flood the front end and a slow one still shows its first point at once.
"""

from __future__ import annotations

import copy
import threading
import time
import traceback
from typing import Callable

import numpy as np

from ..engine.errors import QmlbenchError
from ..engine.spec import ExperimentSpec

#: Seconds between two redraws of live plots during training.
THROTTLE_S = 0.2
#: Seconds between two decision-surface refreshes during training (a surface costs more).
SURFACE_THROTTLE_S = 1.5
FINAL_STATUSES = ("done", "stopped", "error")

EVENTS = ("spec", "run_started", "progress", "snapshot", "run_ended", "reset", "error")

#: When the dataset's task changes, a model that cannot do it is swapped for its twin.
_TWIN_MODELS = {
    ("qsvc", "regression"): "qsvr", ("qsvr", "classification"): "qsvc",
    ("pegasos_qsvc", "regression"): "qsvr", ("qkt_qsvc", "regression"): "qsvr",
    ("vqc", "regression"): "vqr", ("vqr", "classification"): "vqc",
    ("sampler_qnn", "regression"): "estimator_qnn",
    ("svc", "regression"): "svr", ("svr", "classification"): "svc",
    ("logistic", "regression"): "svr",
}


def error_message(exc: BaseException) -> str:
    """One line for the status: the message of our own errors, type and message otherwise."""
    if isinstance(exc, QmlbenchError) or isinstance(exc, ValueError):
        text = str(exc) or type(exc).__name__
    else:
        text = f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())


def dataset_task(name: str) -> str | None:
    from ..engine import datasets

    entry = datasets.DATASETS.get(name)
    task = getattr(entry, "task", None)
    if task is None and isinstance(entry, dict):
        task = entry.get("task")
    return task


def model_for_task(model_name: str, task: str | None) -> str:
    """``model_name`` if it does ``task``, else its twin for that task."""
    from ..engine import models

    entry = models.MODELS.get(model_name)
    if task is None or entry is None or task in entry.tasks:
        return model_name
    twin = _TWIN_MODELS.get((model_name, task))
    if twin is None or task not in models.MODELS[twin].tasks:
        choices = models.models_for(task)
        twin = choices[0] if choices else model_name
    return twin


class Session:
    """Shared state of the workbench: ``spec``, ``dataset``, the current ``run`` and ``model``.

    ``listen(event, fn)`` subscribes ``fn(**payload)`` to one of :data:`EVENTS`.
    A listener that raises never breaks the caller: the error is reported
    through the ``error`` event (panels show it in their status line).
    """

    def __init__(self, spec: ExperimentSpec | dict | str | None = None):
        self._listeners: dict[str, list[Callable]] = {e: [] for e in EVENTS}
        self._lock = threading.RLock()
        self._spec = _as_spec(spec) if spec is not None else ExperimentSpec()
        self._dataset = None
        self._dataset_key = None
        self.dataset_error: str | None = None
        self.run = None
        self.model = None
        self.status = "ready"
        self.message = ""
        self.points: list[tuple[int, float, float]] = []
        self.history: list[dict] = []
        self.started_at: float | None = None
        self.first_point_at: float | None = None
        self._last_flush = 0.0
        self._snapshot_step = 0
        self._flush_lock = threading.Lock()
        self._watcher: threading.Thread | None = None
        self.train_calls: list[ExperimentSpec] = []

    # --- events -------------------------------------------------------------
    def listen(self, event: str, fn: Callable) -> None:
        if event not in self._listeners:
            raise ValueError(f"event: {event!r} is not known; choose one of {', '.join(EVENTS)}")
        self._listeners[event].append(fn)

    def emit(self, event: str, **payload) -> None:
        for fn in list(self._listeners[event]):
            try:
                fn(**payload)
            except Exception as exc:  # a broken view must not stop training or the others
                if event == "error":
                    continue
                self.message = error_message(exc)
                detail = traceback.format_exc(limit=3)
                self.emit("error", message=f"display error: {self.message}", detail=detail)

    # --- the spec -----------------------------------------------------------
    @property
    def spec(self) -> ExperimentSpec:
        return self._spec

    def set_spec(self, spec) -> ExperimentSpec:
        """Replace the whole spec (import, preset, link); raises ``SpecError`` on bad input."""
        new = _as_spec(spec)
        old, self._spec = self._spec, new
        if old.to_dict() != new.to_dict():
            self.emit("spec", old=old, new=new)
        return new

    def update(self, **sections) -> ExperimentSpec:
        """Change some sections (``dataset={"noise": 0.2}``, ``seed=3``); validated as a whole.

        When the dataset changes task (classification <-> regression) a model that
        cannot do the new task is swapped for its twin (vqc <-> vqr, svc <-> svr ...).
        """
        new = self._spec.replace(**sections)
        if "dataset" in sections and "model" not in sections:
            task = dataset_task(new.dataset.name)
            twin = model_for_task(new.model.name, task)
            if twin != new.model.name:
                new = new.replace(model={"name": twin, "params": {}})
        return self.set_spec(new)

    # --- data ---------------------------------------------------------------
    def _data_key(self, spec: ExperimentSpec):
        return (repr(spec.to_dict()["dataset"]), spec.seed, spec.circuit.num_qubits)

    def get_dataset(self):
        """The dataset of the current spec (cached); raises the engine's error if it fails."""
        from ..engine import datasets

        spec = self._spec
        key = self._data_key(spec)
        if key != self._dataset_key:
            self._dataset = None
            self._dataset_key = key
            try:
                self._dataset = datasets.from_spec(spec.dataset, spec.seed,
                                                   num_features=spec.circuit.num_qubits)
                self.dataset_error = None
            except Exception as exc:
                self.dataset_error = error_message(exc)
                raise
        if self._dataset is None:
            raise QmlbenchError(self.dataset_error or "no dataset")
        return self._dataset

    @property
    def dataset(self):
        try:
            return self.get_dataset()
        except Exception:
            return None

    # --- training -----------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.status == "running"

    def train(self):
        """Start a run of the current spec in the background; returns the engine's ``Run``."""
        from ..engine import training

        with self._lock:
            if self.running:
                raise QmlbenchError("a run is already going; stop it first")
            spec = self._spec
            self.points = []
            self.history = []
            self.model = None
            self.message = ""
            self._last_flush = 0.0
            self._snapshot_step = 0
            self.first_point_at = None
            self.started_at = time.perf_counter()
            self.status = "running"
            self.run = None
            # Views reset before the engine starts: its first step may arrive at once.
            self.emit("run_started", spec=spec)
            try:
                dataset = self.get_dataset()
                self.train_calls.append(spec)
                run = training.train(spec, on_step=self._on_step, dataset=dataset)
            except Exception as exc:
                self._finish_error(exc)
                return None
            self.run = run
        self._watcher = threading.Thread(target=self._watch, args=(run,), daemon=True,
                                         name="qmlbench-train-watch")
        self._watcher.start()
        return run

    def stop(self) -> None:
        run = self.run
        if run is not None and self.running:
            run.stop()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the watcher has published the end of the run (tests, scripts)."""
        w = self._watcher
        if w is not None:
            w.join(timeout)
            return not w.is_alive()
        return True

    def reset(self) -> None:
        self.stop()
        self.wait(5.0)
        self.run = None
        self.model = None
        self.points = []
        self.history = []
        self.status = "ready"
        self.message = ""
        self.emit("reset")

    def elapsed(self) -> float:
        return 0.0 if self.started_at is None else time.perf_counter() - self.started_at

    def _on_step(self, step, loss, elapsed, weights=None) -> None:
        # Runs in the training thread: only record, and draw the very first point at once.
        try:
            loss_value = float(loss) if loss is not None else None
        except (TypeError, ValueError):
            loss_value = None
        self.points.append((int(step), loss_value, float(elapsed)))
        if len(self.points) == 1:
            self.first_point_at = time.perf_counter()
            self._flush()

    def _flush(self, final: bool = False) -> None:
        if not self._flush_lock.acquire(blocking=final):
            return
        try:
            self._last_flush = time.perf_counter()
            run = self.run
            self.history = list(getattr(run, "history", None) or [])
            self.emit("progress", points=list(self.points), history=self.history,
                      elapsed=self.elapsed(), final=final)
        finally:
            self._flush_lock.release()

    def _watch(self, run) -> None:
        seen = 0
        last_surface = time.perf_counter()
        while getattr(run, "status", "done") not in FINAL_STATUSES:
            time.sleep(0.05)
            now = time.perf_counter()
            if now - self._last_flush >= THROTTLE_S:
                if len(self.points) != seen or now - self._last_flush >= 1.0:
                    seen = len(self.points)
                    self._flush()
            if now - last_surface >= SURFACE_THROTTLE_S:
                last_surface = now
                self._emit_partial_model(run)
        status = run.status
        self.model = getattr(run, "model", None)
        if status == "error":
            err = getattr(run, "error", None)
            self._flush(final=True)
            self._finish_error(err if err is not None else QmlbenchError("training failed"))
            return
        self.status = status
        self.message = ""
        self._flush(final=True)
        self.emit("run_ended", run=run, status=status, model=self.model)

    def _emit_partial_model(self, run) -> None:
        """Emit ``snapshot`` with the model at its latest weights, for a live boundary.

        The engine's ``run.current_model()`` when it has one; otherwise a shallow
        copy of a variational model (one with ``weights_`` and ``circuit_``) given the
        weights of the latest step, so the training thread's model is never touched.
        """
        snapshot = getattr(run, "current_model", None)
        try:
            if callable(snapshot):
                model = snapshot()
            else:
                m = getattr(run, "model", None)
                if not all(hasattr(m, a) for a in ("weights_", "circuit_", "_forward")):
                    return
                history = list(getattr(run, "history", None) or [])
                weights = next((h.get("weights") for h in reversed(history)
                                if h.get("weights") is not None), None)
                if weights is None or len(history) == self._snapshot_step:
                    return
                self._snapshot_step = len(history)
                model = copy.copy(m)
                model.weights_ = np.asarray(weights, dtype=float)
        except Exception:
            return
        if model is not None:
            self.emit("snapshot", run=run, model=model)

    def _finish_error(self, exc: BaseException) -> None:
        self.status = "error"
        self.message = error_message(exc)
        self.emit("run_ended", run=self.run, status="error", model=self.model)


def _as_spec(spec) -> ExperimentSpec:
    if isinstance(spec, ExperimentSpec):
        return ExperimentSpec.from_dict(spec.to_dict())
    if isinstance(spec, dict):
        return ExperimentSpec.from_dict(spec)
    if isinstance(spec, str):
        return ExperimentSpec.from_json(spec)
    from ..engine.errors import SpecError

    raise SpecError("spec", spec, reason="must be an ExperimentSpec, a dict or JSON text")
