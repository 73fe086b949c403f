"""Save and load an experiment: spec, fitted model, history, scores, in one folder.

Layout of a saved experiment (a folder)::

    manifest.json   format version, qmlbench/qiskit versions, time, status, checksums
    spec.json       ExperimentSpec.to_json()
    history.json    the per-step records of the run
    scores.json     train/test scores
    model.pkl       the fitted estimator (pickle)
    extra.json      anything else the caller passed (optional)

Everything is written into a hidden temporary folder beside the target, flushed
to disk, and only then renamed into place, so a crash or an error half-way
never leaves a half-written experiment and never replaces a good one.  A run
stopped half-way saves like a finished one; ``manifest["status"]`` says which.

``model.pkl`` is a pickle: load experiments only from sources you trust.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import pickle
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .errors import QmlbenchError
from .jsonable import plain as _plain
from .spec import ExperimentSpec

__all__ = ["save", "save_run", "load", "check_target", "Experiment", "FORMAT", "FORMAT_VERSION"]

FORMAT = "qmlbench-experiment"
FORMAT_VERSION = 1


@dataclass
class Experiment:
    """A loaded experiment. ``metadata`` is the manifest (versions, time, status)."""

    spec: object
    model: object = None
    history: list = field(default_factory=list)
    scores: dict = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)
    path: Path | None = None

    @property
    def status(self) -> str | None:
        return self.metadata.get("status")


def _spec_dict(spec):
    if spec is None:
        return None
    if hasattr(spec, "to_dict"):
        return spec.to_dict()
    if isinstance(spec, dict):
        return ExperimentSpec.from_dict(spec).to_dict()  # validates before anything is written
    raise QmlbenchError(f"spec: expected an ExperimentSpec or a dict, got {type(spec).__name__}")


def _versions() -> dict:
    out = {}
    for mod in ("qmlbench", "qiskit", "qiskit_machine_learning", "qiskit_aer", "sklearn", "numpy"):
        try:
            out[mod] = __import__(mod).__version__
        except Exception:  # a missing optional package is not a reason to refuse saving
            pass
    return out


def _write(path: Path, data: bytes) -> str:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return hashlib.sha256(data).hexdigest()


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _nearest_existing(path: Path) -> Path:
    p = path
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def check_target(path) -> str:
    """What saving at ``path`` would do, checked before any work is spent on a run.

    Returns ``"new"`` (nothing there yet), ``"empty"`` (an empty folder, used as is)
    or ``"experiment"`` (a saved experiment that a save would replace).  Raises
    :class:`QmlbenchError` naming the path when nothing can be saved there: a file, a
    path under a file, a folder holding other things, or one this user cannot write.
    """
    target = Path(path)
    if target.is_dir():
        if (target / "manifest.json").is_file():
            kind = "experiment"
        elif not any(target.iterdir()):
            kind = "empty"
        else:
            raise QmlbenchError(f"path: {str(target)!r} exists and is not a saved qmlbench experiment; "
                                "refusing to overwrite it (choose a new or empty folder)")
        where = target.parent
    elif target.exists():
        raise QmlbenchError(f"path: {str(target)!r} is a file, not a folder; choose a folder for "
                            "the experiment")
    else:
        kind = "new"
        where = _nearest_existing(target.parent)
        if not where.is_dir():
            raise QmlbenchError(f"path: {str(target)!r} cannot be created: {str(where)!r} is a file, "
                                "not a folder")
    if not os.access(where, os.W_OK | os.X_OK):
        raise QmlbenchError(f"path: {str(target)!r} cannot be written: no permission to write in "
                            f"{str(where)!r}")
    return kind


def _umask() -> int:
    try:  # Linux: read it without changing it
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def save(path, spec, model=None, history=None, scores=None, extra=None, status: str = "done") -> Path:
    """Write an experiment folder at ``path`` atomically; returns the path.

    If ``path`` is a saved experiment it is replaced only after the new one is complete
    on disk; an empty folder is used as is; any other existing file or folder there is
    refused (see :func:`check_target`, which callers can run before a long job).  The
    folder gets the usual permissions for new folders (``0777`` less the umask).
    """
    target = Path(path)
    check_target(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise QmlbenchError(f"path: {str(target)!r} cannot be created ({exc.strerror or exc})") from None
    # Serialise everything in memory first: a model that cannot be pickled fails here,
    # before anything touches the disk.
    files: dict[str, bytes] = {}
    spec_d = _spec_dict(spec)
    files["spec.json"] = json.dumps(spec_d, indent=2).encode()
    files["history.json"] = json.dumps(_plain(list(history or [])), indent=1).encode()
    files["scores.json"] = json.dumps(_plain(dict(scores or {})), indent=2).encode()
    if extra is not None:
        files["extra.json"] = json.dumps(_plain(dict(extra)), indent=2).encode()
    if model is not None:
        try:
            files["model.pkl"] = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            raise QmlbenchError(f"model: {type(model).__name__} cannot be saved ({type(exc).__name__}: "
                                f"{exc}); nothing was written") from exc

    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        checksums = {name: _write(tmp / name, data) for name, data in files.items()}
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "status": status,
            "versions": _versions(),
            "model_class": None if model is None else f"{type(model).__module__}.{type(model).__qualname__}",
            "files": checksums,
        }
        _write(tmp / "manifest.json", json.dumps(manifest, indent=2).encode())
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it 0700
        _fsync_dir(tmp)
        _swap_into_place(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _fsync_dir(target.parent)
    return target


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2 RENAME_EXCHANGE); False if unavailable."""
    try:
        import ctypes

        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(str(a)), at_fdcwd, os.fsencode(str(b)), rename_exchange) == 0


def _swap_into_place(tmp: Path, target: Path) -> None:
    if not target.exists():
        os.rename(tmp, target)
        return
    if _exchange(tmp, target):
        shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the previous experiment
        return
    # Fallback: two renames, with the previous experiment put back if the second fails.
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    os.rmdir(old)
    os.rename(target, old)
    try:
        os.rename(tmp, target)
    except BaseException:
        os.rename(old, target)  # put the previous experiment back
        raise
    shutil.rmtree(old, ignore_errors=True)


def save_run(path, run, spec=None, extra=None) -> Path:
    """Save a training ``Run`` (finished or stopped half-way) with its spec, model, history, scores."""
    spec = spec if spec is not None else getattr(run, "spec", None)
    status = getattr(run, "status", None) or "done"
    info = {"execution_path": getattr(run, "path", None)}
    error = getattr(run, "error", None)
    if error is not None:
        info["error"] = f"{type(error).__name__}: {error}"
    return save(path, spec, model=getattr(run, "model", None), history=getattr(run, "history", None),
                scores=getattr(run, "scores", None), extra={**info, **(extra or {})}, status=str(status))


def _read_json(folder: Path, name: str, default=None):
    p = folder / name
    if not p.is_file():
        return default
    try:
        return json.loads(p.read_text())
    except json.JSONDecodeError as exc:
        raise QmlbenchError(f"{p}: is not valid JSON ({exc}); the experiment is damaged") from None


def load(path, verify: bool = True) -> Experiment:
    """Load an experiment folder written by :func:`save` (checksums verified by default)."""
    folder = Path(path)
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise QmlbenchError(f"path: {str(folder)!r} is not a saved qmlbench experiment "
                            "(no manifest.json)")
    manifest = _read_json(folder, "manifest.json")
    if not isinstance(manifest, dict):
        raise QmlbenchError(f"{manifest_path}: is a JSON {type(manifest).__name__}, not the "
                            "manifest object qmlbench writes; the experiment is damaged")
    if manifest.get("format") != FORMAT:
        raise QmlbenchError(f"{manifest_path}: format {manifest.get('format')!r} is not {FORMAT!r}")
    if manifest.get("format_version", 0) > FORMAT_VERSION:
        raise QmlbenchError(f"{manifest_path}: format version {manifest['format_version']} is newer "
                            f"than this qmlbench reads ({FORMAT_VERSION}); upgrade qmlbench")
    if verify:
        for name, digest in manifest.get("files", {}).items():
            p = folder / name
            if not p.is_file():
                raise QmlbenchError(f"{folder}: {name} is missing; the experiment is damaged")
            if hashlib.sha256(p.read_bytes()).hexdigest() != digest:
                raise QmlbenchError(f"{folder}: {name} does not match its checksum; the experiment is damaged")
    spec_d = _read_json(folder, "spec.json")
    spec = None
    if spec_d is not None:
        spec = ExperimentSpec.from_dict(spec_d)
    model = None
    if (folder / "model.pkl").is_file():
        with open(folder / "model.pkl", "rb") as fh:
            model = pickle.load(fh)
    return Experiment(spec=spec, model=model, history=_read_json(folder, "history.json", []),
                      scores=_read_json(folder, "scores.json", {}), metadata=manifest,
                      extra=_read_json(folder, "extra.json", {}), path=folder)
