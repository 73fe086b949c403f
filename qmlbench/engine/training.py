"""Live training: a :class:`Run` fits a model in a background thread.

Every objective evaluation (for every optimizer: the objective itself is
wrapped, qiskit-ml's callback is not used) becomes a history entry and an
``on_step(step, loss, elapsed_seconds, weights)`` call; kernel models report
their phases ("kernel matrix", "fit") as steps with loss None.  Every
``score_every`` steps, and at the end, train and test scores are added to the
entry.  ``run.stop()`` sets an event that the running evaluation sees when it
ends: that evaluation is still recorded (history, ``on_step``), then training
ends, and the model keeps the best weights of its history, so the model, the
history and a loss curve drawn from it agree.  After a stop the final train
and test scoring runs in small batches and is cut short after
``STOP_SCORING_BUDGET_S`` seconds or by ``run.stop(skip_scoring=True)``; the
scores are then None and ``run.notes`` says so.

    run = qb.train(spec, on_step=print)
    run.stop(); run.wait()
    run.model.predict(run.dataset.X_test)
"""

from __future__ import annotations

import copy
import threading
import time

import numpy as np

from . import datasets, models, optimizers
from .errors import QmlbenchError, SpecError
from .jsonable import plain
from .optimizers import StopTraining, accepts_phase
from .spec import ExperimentSpec

STATUSES = ("pending", "running", "done", "stopped", "error")

#: After a stop, the final train/test scoring gives up after this many seconds.
STOP_SCORING_BUDGET_S = 5.0
#: Rows per batch of that scoring (between batches it checks the budget and skip_scoring).
STOP_SCORING_BATCH = 16


class Run:
    """One training run. Attributes: ``spec, dataset, model, history, scores, status,
    error, elapsed, path, fallback_reason, done``.

    ``history`` is a list of dicts with keys ``step, loss, elapsed, weights,
    train_score, test_score, phase`` (scores None where not computed).  ``notes``
    lists what a person should know about how the run ended (scoring skipped).
    """

    def __init__(self, spec, dataset, model, on_step=None, score_every: int = 10):
        self.spec = spec
        self.dataset = dataset
        self.model = model
        self.on_step = on_step
        self.score_every = max(1, int(score_every))
        self.history: list[dict] = []
        self.scores: dict = {"train": None, "test": None}
        self.status = "pending"
        self.error: BaseException | None = None
        self.path: str | None = None
        self.fallback_reason: str | None = None
        self.notes: list[str] = []
        self._stop = threading.Event()
        self._skip_scoring = threading.Event()
        self._finished = threading.Event()
        self._thread: threading.Thread | None = None
        self._t0: float | None = None
        self._t1: float | None = None
        self._on_step_phase = on_step is not None and accepts_phase(on_step)
        self._done_callbacks: list = []
        self._callbacks_lock = threading.Lock()

    # --- control ----------------------------------------------------------
    def start(self) -> "Run":
        if self._thread is not None:
            raise QmlbenchError("this run has already been started")
        self._thread = threading.Thread(target=self._target, name="qmlbench-train", daemon=True)
        self._thread.start()
        return self

    def stop(self, skip_scoring: bool = False) -> "Run":
        """Ask training to end; it does when the running objective evaluation ends.

        ``skip_scoring=True`` (or a second call after the first) also skips what is
        left of the final train/test scoring."""
        if skip_scoring or self._stop.is_set():
            self._skip_scoring.set()
        self._stop.set()
        return self

    def wait(self, timeout: float | None = None) -> "Run":
        """Block until the run ends (or ``timeout`` seconds pass); re-raise its error."""
        if self._thread is None:
            self.start()
        self._finished.wait(timeout)
        if self.error is not None:
            raise self.error
        return self

    def add_done_callback(self, fn) -> "Run":
        """Call ``fn(run)`` once the run has ended (at once when it already has); it runs in
        the training thread, and an exception it raises is ignored."""
        with self._callbacks_lock:
            if not self._finished.is_set():
                self._done_callbacks.append(fn)
                return self
        _call_quietly(fn, self)
        return self

    # --- state ------------------------------------------------------------
    @property
    def latest_weights(self):
        """The weights of the latest evaluated step (a numpy array), or None."""
        for h in reversed(self.history):
            if h.get("weights") is not None:
                return np.asarray(h["weights"], dtype=float)
        return None

    def snapshot(self):
        """The model as it stands, safe to use while training goes on, or None.

        After the run: the fitted model (None after an error).  During it: for a model
        that predicts from its weights alone (the variational ones), a shallow copy of
        the model given the weights of the latest step, so the training thread's model is
        never touched; None for the others (a kernel model has no SVM until it ends) and
        before the first step."""
        if self.done:
            return self.model if self.status in ("done", "stopped") else None
        m = self.model
        if not (_scores_mid_fit(m) and hasattr(m, "circuit_")):
            return None
        weights = self.latest_weights
        if weights is None:
            return None
        model = copy.copy(m)
        model.weights_ = weights
        return model

    @property
    def done(self) -> bool:
        return self._finished.is_set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def elapsed(self) -> float:
        if self._t0 is None:
            return 0.0
        return (self._t1 if self._t1 is not None else time.perf_counter()) - self._t0

    @property
    def losses(self) -> list:
        return [h["loss"] for h in self.history if h["loss"] is not None]

    @property
    def steps(self) -> int:
        return len(self.history)

    def to_dict(self) -> dict:
        """The run as plain JSON data: what a person downloads to keep a run's numbers.

        ``history`` is the run's own (one entry per step, the loss curve's points);
        ``model_weights`` are the weights the model holds (after a stop or at the end,
        the best step of ``history``), so the three can be checked against each other."""
        weights = getattr(self.model, "weights_", None)
        return plain({
            "format": "qmlbench.run", "format_version": 1,
            "spec": self.spec.to_dict(), "status": self.status, "steps": self.steps,
            "elapsed_s": self.elapsed, "scores": dict(self.scores),
            "execution_path": self.path, "fallback_reason": self.fallback_reason,
            "notes": list(self.notes), "history": list(self.history),
            "model_weights": None if weights is None else np.atleast_1d(weights).tolist(),
        })

    def __repr__(self) -> str:
        return (f"<Run {self.spec.model.name} on {self.spec.dataset.name}: {self.status}, "
                f"{len(self.history)} steps, {self.elapsed:.2f} s, scores {self.scores}>")

    # --- the thread -------------------------------------------------------
    def _score(self):
        d, m = self.dataset, self.model
        return float(m.score(d.X_train, d.y_train)), float(m.score(d.X_test, d.y_test))

    def _scores_at(self, weights):
        # mid-fit: score with these weights, then put back what fit had
        m = self.model
        saved = m.weights_
        m.weights_ = weights
        try:
            return self._score()
        finally:
            m.weights_ = saved

    def _monitor(self, step, loss, weights, phase="train"):
        evaluated = loss is not None or weights is not None
        if self._stop.is_set() and phase != "fit" and not evaluated:
            raise StopTraining(f"stopped at step {step}")   # a phase that has not begun
        # An evaluation that ended after Stop is still recorded: the model may keep
        # its weights, so the history (and the loss curve) must show them.
        entry = {"step": len(self.history) + 1, "loss": loss, "elapsed": self.elapsed,
                 "weights": None if weights is None else list(map(float, weights)),
                 "train_score": None, "test_score": None, "phase": phase}
        if (weights is not None and phase == "train" and entry["step"] % self.score_every == 0
                and not self._stop.is_set()
                and hasattr(self.model, "circuit_") and hasattr(self.model, "weights_")
                and _scores_mid_fit(self.model)):
            entry["train_score"], entry["test_score"] = self._scores_at(weights)
        self.history.append(entry)
        if self.on_step is not None:
            args = (entry["step"], loss, entry["elapsed"], weights)
            if self._on_step_phase:
                self.on_step(*args, phase=phase)
            else:
                self.on_step(*args)
        if self._stop.is_set() and phase != "fit":
            raise StopTraining(f"stopped at step {step}")

    def _note_optimizer(self):
        opt = getattr(self.model, "optimizer", None)
        n = getattr(self.model, "num_weights_", None)
        if n is None and getattr(self.model, "weights_", None) is not None:
            n = len(np.atleast_1d(self.model.weights_))
        if optimizers.canonical_name(opt) == "cobyla" and n is not None:
            note = optimizers.cobyla_note(int(getattr(self.model, "maxiter", 0) or 0), int(n))
            if note is not None:
                self.notes.append(note)

    def _score_cut_short(self):
        """Scores after a stop, in small batches; None where the budget or a second stop cut it."""
        from sklearn.base import is_regressor
        from sklearn.metrics import accuracy_score, r2_score

        d, m = self.dataset, self.model
        t0 = time.perf_counter()
        metric = r2_score if is_regressor(m) else accuracy_score
        out = []
        for X, y in ((d.X_train, d.y_train), (d.X_test, d.y_test)):
            preds = []
            for start in range(0, len(X), STOP_SCORING_BATCH):
                if self._skip_scoring.is_set():
                    self.notes.append("final train/test scoring skipped at the user's request "
                                      "after Stop; score with run.model.score(X, y)")
                    return None, None
                if time.perf_counter() - t0 > STOP_SCORING_BUDGET_S:
                    self.notes.append(f"final train/test scoring cut short after Stop (over "
                                      f"{STOP_SCORING_BUDGET_S:g} s); score with "
                                      f"run.model.score(X, y)")
                    return None, None
                preds.append(m.predict(X[start:start + STOP_SCORING_BATCH]))
            out.append(float(metric(y, np.concatenate(preds))))
        return out[0], out[1]

    def _target(self):
        self._t0 = time.perf_counter()
        self.status = "running"
        d = self.dataset
        status = "error"
        try:
            if self._stop.is_set():
                raise StopTraining("stopped before training began")
            self.model.fit(d.X_train, d.y_train, monitor=self._monitor)
            self._note_optimizer()
            stopped = bool(getattr(self.model, "stopped_", False))
            status = "stopped" if stopped else "done"
            if stopped or self._stop.is_set():
                self.scores["train"], self.scores["test"] = self._score_cut_short()
            else:
                self.scores["train"], self.scores["test"] = self._score()
            if self.history:
                self.history[-1]["train_score"] = self.scores["train"]
                self.history[-1]["test_score"] = self.scores["test"]
        except StopTraining:
            status = "stopped"      # stopped before anything usable existed (kernel matrix)
        except BaseException as exc:  # kept and re-raised by wait(), never lost
            self.error = exc
            status = "error"
        finally:
            self.path = getattr(self.model, "path_", "classical")
            self.fallback_reason = getattr(self.model, "fallback_reason_", None)
            self._t1 = time.perf_counter()
            self.status = status
            with self._callbacks_lock:
                self._finished.set()
                callbacks, self._done_callbacks = self._done_callbacks, []
            for fn in callbacks:
                _call_quietly(fn, self)


def _call_quietly(fn, run) -> None:
    try:
        fn(run)
    except Exception:  # noqa: BLE001 - a listener must not break the run or its caller
        pass


def _scores_mid_fit(model) -> bool:
    # variational models score from weights_ alone; kernel models need their SVM first
    return not hasattr(model, "svm_") and not hasattr(model, "model_") \
        and hasattr(model, "_forward")


def _as_spec(spec) -> ExperimentSpec:
    if isinstance(spec, dict):
        return ExperimentSpec.from_dict(spec)
    if isinstance(spec, str):
        return ExperimentSpec.from_json(spec)
    if not isinstance(spec, ExperimentSpec):
        raise SpecError("spec", spec if spec is None else type(spec).__name__,
                        reason="must be an ExperimentSpec, a dict of sections or JSON text")
    return spec


def train(spec, on_step=None, dataset=None, model=None, block: bool = False,
          score_every: int = 10, evaluator=None) -> Run:
    """Start training ``spec`` (an ExperimentSpec, dict or JSON text) in a background thread.

    ``dataset`` and ``model`` default to the spec's (built here, so bad settings fail
    now, in the caller's thread).  ``block=True`` waits for the end and re-raises an
    error.  Same spec and seed give the same history and scores.  ``evaluator``
    (``execution.evaluator_for(estimator=..., sampler=...)``) runs a quantum model on
    a user's Qiskit V2 primitives instead of the spec's execution path.
    """

    spec = _as_spec(spec)
    if dataset is None:
        dataset = datasets.from_spec(spec.dataset, seed=spec.seed,
                                     num_features=spec.circuit.num_features)
    if model is None:
        model = models.build(spec, dataset, evaluator=evaluator)
    run = Run(spec, dataset, model, on_step=on_step, score_every=score_every)
    run.start()
    if block:
        run.wait()
    return run


class Comparison:
    """Two runs of the same data and split: the experiment's model, then a baseline.

    ``runs`` maps model name -> :class:`Run` (the baseline starts when the first run
    ends, so their times are not shared); ``results`` name -> ``{"train", "test"}``
    scores and ``times`` name -> seconds, once ``done``; ``error`` the first error."""

    def __init__(self, specs: list, dataset, on_end=None):
        self.specs = list(specs)            # [(name, spec)]
        self.dataset = dataset
        self.on_end = on_end
        self.runs: dict[str, Run] = {}
        self.error: BaseException | None = None
        self._finished = threading.Event()

    def _start(self, k: int) -> None:
        if k >= len(self.specs):
            self._end()
            return
        name, spec = self.specs[k]
        try:
            run = train(spec, dataset=self.dataset)
        except Exception as exc:  # noqa: BLE001 - reported through .error and on_end
            self.error = exc
            self._end()
            return
        self.runs[name] = run
        run.add_done_callback(lambda r: self._next(r, k))

    def _next(self, run, k: int) -> None:
        if run.error is not None:
            self.error = run.error
            self._end()
        else:
            self._start(k + 1)

    def _end(self) -> None:
        # on_end first: whoever waits sees what it did (a screen's scores) once wait returns
        if self.on_end is not None:
            _call_quietly(self.on_end, self)
        self._finished.set()

    @property
    def done(self) -> bool:
        """Both runs have ended (and ``on_end`` has run)."""
        return self._finished.is_set()

    @property
    def results(self) -> dict:
        return {name: {"train": r.scores.get("train"), "test": r.scores.get("test")}
                for name, r in self.runs.items() if r.done and r.error is None}

    @property
    def times(self) -> dict:
        return {name: r.elapsed for name, r in self.runs.items() if r.done}

    def stop(self) -> "Comparison":
        self.specs = self.specs[:len(self.runs)]
        for r in self.runs.values():
            r.stop()
        return self

    def wait(self, timeout: float | None = None) -> "Comparison":
        """Block until both runs end (or ``timeout``); re-raise the first error."""
        self._finished.wait(timeout)
        if self.error is not None:
            raise self.error
        return self


def compare(spec, baseline: str | None, params: dict | None = None, dataset=None,
            on_end=None) -> Comparison:
    """Train ``spec``'s model and then ``baseline`` (a model name, with ``params``) on the
    same dataset and split, each as a :class:`Run` in the background; returns the
    :class:`Comparison` at once.  ``on_end(comparison)`` runs when both have ended.
    A ``baseline`` equal to the spec's model (or None) trains the model alone."""
    spec = _as_spec(spec)
    if dataset is None:
        dataset = datasets.from_spec(spec.dataset, seed=spec.seed,
                                     num_features=spec.circuit.num_features)
    specs = [(spec.model.name, spec)]
    if baseline and baseline != spec.model.name:
        specs.append((baseline, spec.replace(model={"name": baseline, "params": dict(params or {})})))
    comparison = Comparison(specs, dataset, on_end=on_end)
    comparison._start(0)
    return comparison


__all__ = ["Run", "train", "compare", "Comparison", "StopTraining", "STATUSES"]
