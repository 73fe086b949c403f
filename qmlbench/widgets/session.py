"""The state behind every panel: one :class:`~qmlbench.engine.state.WorkbenchState`, the
data its spec gives, and the run.

Panels never talk to each other; each reads and changes the :class:`Session` and
listens to its events. The whole screen is one serialisable state (TensorFlow
Playground's ``state.ts``): the spec, the hidden controls, the plateau study and the
Compare baseline. A panel can live on its own (``CircuitComposer()`` makes a private
session) or share one inside ``Workbench``.

Training runs in the engine's background thread (:func:`qmlbench.engine.training.train`);
the run's own ``history`` is the one record of it. A watcher thread here turns its steps
into throttled ``progress`` events (the first point at once, then at most every
:data:`THROTTLE_S` seconds, plus a final one), so a fast optimizer cannot flood the
front end and a slow one still shows its first point at once.

A settings change (the spec, not what is hidden) after a run makes the results on
screen *stale*: the ``stale`` event tells the views, which keep their picture with a
"stale — train again" mark until the next Train.
"""

from __future__ import annotations

import copy
import threading
import time
import traceback
from typing import Callable

from ..engine import training
from ..engine.errors import QmlbenchError, SpecError
from ..engine.models import compat
from ..engine.spec import ExperimentSpec
from ..engine.state import WorkbenchState

#: Seconds between two redraws of live plots during training.
THROTTLE_S = 0.2
#: Seconds between two decision-surface refreshes during training (a surface costs more).
SURFACE_THROTTLE_S = 1.5
FINAL_STATUSES = ("done", "stopped", "error")

EVENTS = ("spec", "state", "stale", "run_started", "progress", "snapshot", "run_ended", "reset",
          "error", "insight")

#: Kept for code that imported them from here; the rules live in ``engine.models.compat``.
dataset_task = compat.dataset_task
model_for_task = compat.model_for_task


def error_message(exc: BaseException) -> str:
    """One line for the status: the message of our own errors, type and message otherwise."""
    if isinstance(exc, QmlbenchError) or isinstance(exc, ValueError):
        text = str(exc) or type(exc).__name__
    else:
        text = f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())


class Session:
    """Shared state of the workbench: ``state`` (its ``spec``), ``dataset``, the current ``run``.

    ``listen(event, fn)`` subscribes ``fn(**payload)`` to one of :data:`EVENTS`.
    A listener that raises never breaks the caller: the error is reported
    through the ``error`` event (panels show it in their status line).
    """

    def __init__(self, spec=None, state: WorkbenchState | dict | str | None = None):
        self._listeners: dict[str, list[Callable]] = {e: [] for e in EVENTS}
        self._lock = threading.RLock()
        self.state = _as_state(state) if state is not None else WorkbenchState()
        if spec is not None:
            self.state = self.state.replace(spec=_as_spec(spec))
        self._dataset = None
        self._dataset_key = None
        self.dataset_error: str | None = None
        self.run: training.Run | None = None
        self.status = "ready"
        self.message = ""
        self.stale = False
        self.started_at: float | None = None
        self.first_point_at: float | None = None
        self._last_flush = 0.0
        self._snapshot_step = 0
        self._flush_lock = threading.Lock()
        self._first_lock = threading.Lock()
        self._watcher: threading.Thread | None = None
        #: The latest ``insight`` event's payload (spec, badges), for a view made after it.
        self.last_insight: tuple | None = None

    # --- events -------------------------------------------------------------
    def listen(self, event: str, fn: Callable) -> None:
        if event not in self._listeners:
            raise ValueError(f"event: {event!r} is not known; choose one of {', '.join(EVENTS)}")
        self._listeners[event].append(fn)

    def emit(self, event: str, **payload) -> None:
        if event == "insight":
            self.last_insight = (payload["spec"], payload["badges"])
        for fn in list(self._listeners[event]):
            try:
                fn(**payload)
            except Exception as exc:  # a broken view must not stop training or the others
                if event == "error":
                    continue
                self.message = error_message(exc)
                detail = traceback.format_exc(limit=3)
                self.emit("error", message=f"display error: {self.message}", detail=detail)

    # --- the state ----------------------------------------------------------
    @property
    def spec(self) -> ExperimentSpec:
        return self.state.spec

    def set_state(self, state) -> WorkbenchState:
        """Replace the whole screen's state (an exported state, a link); raises ``SpecError``."""
        new = _as_state(state)
        old, self.state = self.state, new
        parts = [k for k in ("hide", "plateau", "compare")
                 if old.to_dict()[k] != new.to_dict()[k]]
        if old.spec.to_dict() != new.spec.to_dict():
            self._spec_changed(old.spec, new.spec)
        if parts:
            self.emit("state", parts=parts, state=new)
        return new

    def update_state(self, **parts) -> WorkbenchState:
        """Change parts of the state other than the spec (``plateau={"samples": 400}``,
        ``compare={"baseline": "mlp"}``, ``hide=[...]``); validated as a whole."""
        if "spec" in parts:
            raise SpecError("spec", "...", reason="changes through set_spec or update")
        return self.set_state(self.state.replace(**parts))

    def set_spec(self, spec) -> ExperimentSpec:
        """Replace the whole spec (import, preset, link); raises ``SpecError`` on bad input."""
        new = _as_spec(spec)
        old = self.state.spec
        state = self.state.replace(spec=new)
        self.state = state
        if old.to_dict() != new.to_dict():
            self._spec_changed(old, state.spec)
        return state.spec

    def _spec_changed(self, old, new) -> None:
        self.emit("spec", old=old, new=new)
        if self.run is not None and not self.stale:
            self.stale = True
            self.emit("stale", stale=True)

    def update(self, **sections) -> ExperimentSpec:
        """Change some sections (``dataset={"noise": 0.2}``, ``seed=3``); validated as a whole.

        When the dataset changes task (classification <-> regression) a model that
        cannot do the new task is swapped for its twin (vqc <-> vqr, svc <-> svr ...).
        """
        if "dataset" in sections and "model" not in sections:
            # quantum data (states) and features take different models: swap before the
            # new spec is validated, since the pair would not validate
            ds = sections["dataset"]
            name = ds.get("name") if isinstance(ds, dict) else getattr(ds, "name", None)
            target, model = name or self.spec.dataset.name, self.spec.model.name
            if compat.dataset_inputs(target) != compat.MODELS[model].inputs:
                sections = {**sections, "model": {"name": compat.model_for_dataset(model, target),
                                                  "params": {}}}
        new = self.spec.replace(**sections)
        if "dataset" in sections and "model" not in sections:
            twin = compat.model_for_task(new.model.name, compat.dataset_task(new.dataset.name))
            if twin != new.model.name:
                new = new.replace(model={"name": twin, "params": {}})
        return self.set_spec(new)

    # --- data ---------------------------------------------------------------
    def _data_key(self, spec: ExperimentSpec):
        return (repr(spec.to_dict()["dataset"]), spec.seed, spec.circuit.num_features)

    def get_dataset(self):
        """The dataset of the current spec (cached); raises the engine's error if it fails."""
        from ..engine import datasets

        spec = self.spec
        key = self._data_key(spec)
        if key != self._dataset_key:
            self._dataset = None
            self._dataset_key = key
            try:
                self._dataset = datasets.from_spec(spec.dataset, spec.seed,
                                                   num_features=spec.circuit.num_features)
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

    # --- the run (read from the engine's Run, never copied) -------------------
    @property
    def running(self) -> bool:
        return self.status == "running"

    @property
    def history(self) -> list[dict]:
        return list(self.run.history) if self.run is not None else []

    @property
    def points(self) -> list[tuple[int, float | None, float]]:
        """``(step, loss, elapsed)`` of every step so far, from the run's history."""
        return [(h["step"], h["loss"], h["elapsed"]) for h in self.history]

    @property
    def model(self):
        """The fitted model of the last run once it has ended (None before, and after Reset)."""
        run = self.run
        return run.snapshot() if run is not None and run.done else None

    def train(self):
        """Start a run of the current spec in the background; returns the engine's ``Run``."""
        with self._lock:
            if self.running:
                raise QmlbenchError("a run is already going; stop it first")
            spec = self.spec
            self.message = ""
            self._last_flush = 0.0
            self._snapshot_step = 0
            self.first_point_at = None
            self.started_at = time.perf_counter()
            self.status = "running"
            self.run = None
            if self.stale:
                self.stale = False
                self.emit("stale", stale=False)
            # Views reset before the engine starts: its first step may arrive at once.
            self.emit("run_started", spec=spec)
            try:
                dataset = self.get_dataset()
                run = training.train(spec, on_step=self._on_step, dataset=dataset)
            except Exception as exc:
                self._finish_error(exc)
                return None
            self.run = run
        # The first step may have come before ``self.run`` was set (a fast model on a
        # busy machine): its flush then had no history to show, so show it now.
        if run.history:
            self._first_point()
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
        self.status = "ready"
        self.message = ""
        if self.stale:
            self.stale = False
            self.emit("stale", stale=False)
        self.emit("reset")

    def elapsed(self) -> float:
        return 0.0 if self.started_at is None else time.perf_counter() - self.started_at

    def _on_step(self, step, loss, elapsed, weights=None) -> None:
        # Runs in the training thread: the run records the step; draw the first one at once
        # (once ``train`` has the run: before that the history is not readable here).
        if self.run is not None:
            self._first_point()

    def _first_point(self) -> None:
        with self._first_lock:
            if self.first_point_at is not None:
                return
            self.first_point_at = time.perf_counter()
        # Waits for a watcher flush in progress (which may predate this step), never skips.
        self._flush(block=True)

    def _flush(self, final: bool = False, block: bool = False) -> None:
        if not self._flush_lock.acquire(blocking=final or block):
            return
        try:
            self._last_flush = time.perf_counter()
            history = self.history
            points = [(h["step"], h["loss"], h["elapsed"]) for h in history]
            self.emit("progress", points=points, history=history, elapsed=self.elapsed(),
                      final=final)
        finally:
            self._flush_lock.release()

    def _watch(self, run) -> None:
        seen = 0
        last_surface = time.perf_counter()
        while not run.done:
            time.sleep(0.05)
            now = time.perf_counter()
            if now - self._last_flush >= THROTTLE_S:
                if run.steps != seen or now - self._last_flush >= 1.0:
                    seen = run.steps
                    self._flush()
            if now - last_surface >= SURFACE_THROTTLE_S:
                last_surface = now
                self._emit_snapshot(run)
        status = run.status
        if status == "error":
            self._flush(final=True)
            self._finish_error(run.error if run.error is not None
                               else QmlbenchError("training failed"))
            return
        self.status = status
        self.message = ""
        self._flush(final=True)
        self.emit("run_ended", run=run, status=status, model=self.model)

    def _emit_snapshot(self, run) -> None:
        """``snapshot`` with the model at its latest weights (``Run.snapshot``), for a live
        boundary; only when a step was added since the last one."""
        if run.steps == self._snapshot_step:
            return
        try:
            model = run.snapshot()
        except Exception:  # a snapshot is a nicety: the final draw still comes
            return
        if model is not None:
            self._snapshot_step = run.steps
            self.emit("snapshot", run=run, model=model)

    def _finish_error(self, exc: BaseException) -> None:
        self.status = "error"
        self.message = error_message(exc)
        self.emit("run_ended", run=self.run, status="error", model=self.model)


def _as_spec(spec) -> ExperimentSpec:
    if isinstance(spec, ExperimentSpec):
        return copy.deepcopy(spec)  # validated already
    if isinstance(spec, dict):
        return ExperimentSpec.from_dict(spec)
    if isinstance(spec, str):
        return ExperimentSpec.from_json(spec)
    raise SpecError("spec", spec, reason="must be an ExperimentSpec, a dict or JSON text")


def _as_state(state) -> WorkbenchState:
    if isinstance(state, WorkbenchState):
        return state.copy()
    if isinstance(state, str):
        return WorkbenchState.from_json(state)
    return WorkbenchState.from_dict(state)
