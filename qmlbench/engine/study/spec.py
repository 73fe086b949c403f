"""A study as data: the grid of cells a study spec describes, validated before any runs.

Two kinds of study, told apart by ``"study"``:

``"experiments"`` (the default): datasets x models x hyper-parameter grids x dimensions x
seeds, each cell one :class:`~qmlbench.engine.spec.ExperimentSpec` built from ``base``
plus the cell's overrides::

    {"study": "experiments", "name": "small",
     "base": {"dataset": {"n_samples": 60}, "optimizer": {"maxiter": 30}},
     "datasets": ["breast_cancer", {"name": "ad_hoc", "options": {"gap": 0.3}}],
     "models": ["svc", {"name": "qsvc", "grid": {"C": [0.5, 2.0]}},
                {"name": "vqc", "label": "vqc (maxiter 20)", "spec": {"optimizer": {"maxiter": 20}}}],
     "dimensions": [2, 3, 4],
     "grid": {"circuit.feature_map.reps": [1, 2]},
     "seeds": [0, 1]}

``datasets`` entries are a dataset name or a spec ``dataset`` section (plus ``label``, and
``dimensions`` for widths of that dataset only);
``models`` entries a model name or ``{"name", "params", "grid", "spec", "label"}`` (``grid``:
model parameter -> values; ``spec``: other sections this model needs); ``dimensions`` sets
``circuit.num_qubits`` (one qubit per feature: the dataset is reduced or generated at that
width); ``grid`` maps dotted spec paths to values; ``seeds`` sets the spec's ``seed``.

``"plateau"``: widths x depths x costs x inits x seeds of :func:`qb.plateau.gradient_variance`,
one (width, depth) point per cell (each point owns its seed stream, so a cell equals the
same point of one big sweep)::

    {"study": "plateau", "ansatze": ["real_amplitudes"], "widths": [2, 4, 6], "depths": [2, 8],
     "costs": ["global", "local"], "inits": ["uniform", "identity_block"], "seeds": [0],
     "samples": 100, "param_index": 0}

A bad value raises :class:`~qmlbench.engine.errors.SpecError` naming where it is in the
study file (``models[1].grid.C``, ``datasets[0].n_samples``, ``dimensions[2]``), with the
reason the existing spec validation gives.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path

from .. import circuits, datasets, models
from ..errors import SpecError
from ..jsonable import plain
from ..plateau import OBSERVABLES, parse_init
from ..spec import ExperimentSpec

__all__ = ["Cell", "StudySpec", "load", "cell_key", "KINDS"]

KINDS = ("experiments", "plateau")
_EXPERIMENT_KEYS = ("study", "name", "description", "base", "datasets", "models", "dimensions",
                    "grid", "seeds")
_PLATEAU_KEYS = ("study", "name", "description", "ansatze", "ansatz", "ansatz_options", "widths",
                 "depths", "costs", "inits", "seeds", "samples", "param_index")
_MODEL_KEYS = ("name", "params", "grid", "spec", "label")
#: The widths qiskit-ml's ad hoc generator draws at.
AD_HOC_DIMENSIONS = (2, 3)


def cell_key(kind: str, spec: dict) -> str:
    """A stable name for a cell: a hash of what it computes (the validated spec, in a canonical
    JSON form), so the same cell in another study or a re-run has the same file."""
    text = json.dumps({"kind": kind, "spec": spec}, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class Cell:
    """One unit of work: ``kind`` (``"experiment"`` or ``"plateau"``), the plain ``spec`` it
    runs, the ``labels`` that become the table's columns, and its stable ``key``."""

    kind: str
    spec: dict
    labels: dict
    key: str = ""

    def __post_init__(self):
        if not self.key:
            self.key = cell_key(self.kind, self.spec)


def _relabel(exc: SpecError, fld: str) -> SpecError:
    return SpecError(fld, exc.value, exc.allowed, exc.reason)


def _list(data: dict, key: str, default=None, required=False) -> list:
    if key not in data:
        if required:
            raise SpecError(key, None, reason="is missing: a study needs at least one")
        return list(default or [])
    value = data[key]
    if not isinstance(value, list) or not value:
        raise SpecError(key, value, reason="must be a non-empty list")
    return value


def _grid(value, where: str) -> list[dict]:
    """``{key: [values]}`` -> every combination as ``[{key: value}]`` (in the given order)."""
    if value is None:
        return [{}]
    if not isinstance(value, dict):
        raise SpecError(where, value, reason="must be a mapping of names to lists of values")
    for k, v in value.items():
        if not isinstance(v, list) or not v:
            raise SpecError(f"{where}.{k}", v, reason="must be a non-empty list of values")
    keys = list(value)
    return [dict(zip(keys, combo)) for combo in itertools.product(*(value[k] for k in keys))]


def _set_path(data: dict, path: str, value) -> None:
    parts = path.split(".")
    node = data
    for p in parts[:-1]:
        nxt = node.get(p)
        if isinstance(nxt, str) and p in ("feature_map", "ansatz"):
            nxt = {"name": nxt}
        if not isinstance(nxt, dict):
            nxt = {}
        node[p] = nxt
        node = nxt
    node[parts[-1]] = value


def _merge(into: dict, over: dict) -> dict:
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            _merge(into[k], v)
        else:
            into[k] = copy.deepcopy(v)
    return into


def _paths(data, prefix: str = "") -> list[str]:
    """The dotted paths of the leaves of a nested mapping."""
    if isinstance(data, dict) and data:
        return [p for k, v in data.items() for p in _paths(v, f"{prefix}.{k}" if prefix else k)]
    return [prefix]


class _Layers:
    """Which part of the study file set each spec path, to name it in an error."""

    def __init__(self):
        self.items: list[tuple[str, str]] = []   # (spec path, study location)

    def add(self, spec_path: str, where: str) -> None:
        self.items.append((spec_path, where))

    def where(self, fld: str) -> str:
        for path, where in reversed(self.items):
            if fld == path or fld.startswith(path + ".") or path.startswith(fld + "."):
                return where + fld[len(path):] if fld.startswith(path) else where
        return f"base.{fld}"


@dataclass
class StudySpec:
    """A validated study: ``kind``, ``name``, the original ``data`` and its ``cells``."""

    data: dict
    kind: str = "experiments"
    name: str = "study"
    cells: list = field(default_factory=list)

    @classmethod
    def from_dict(cls, data) -> "StudySpec":
        if isinstance(data, StudySpec):
            return data
        if not isinstance(data, dict):
            raise SpecError("study", data if len(repr(data)) < 60 else type(data).__name__,
                            reason="must be a JSON object")
        data = copy.deepcopy(data)
        kind = data.get("study", "experiments")
        if kind not in KINDS:
            raise SpecError("study", kind, KINDS, reason="is not a kind of study")
        name = data.get("name", "study")
        if not isinstance(name, str) or not name.strip():
            raise SpecError("name", name, reason="must be a non-empty string")
        allowed = _EXPERIMENT_KEYS if kind == "experiments" else _PLATEAU_KEYS
        for key in data:
            if key not in allowed:
                raise SpecError(key, data[key], sorted(allowed),
                                reason=f"is not a known field of a{'n' if kind[0] == 'e' else ''} "
                                       f"{kind} study")
        cells = _experiment_cells(data) if kind == "experiments" else _plateau_cells(data)
        keys = [c.key for c in cells]
        if len(set(keys)) != len(keys):
            seen, dup = set(), None
            for c in cells:
                if c.key in seen:
                    dup = c
                    break
                seen.add(c.key)
            raise SpecError("study", dup.labels, reason="lists the same cell twice (two entries "
                                                        "that give the same spec)")
        return cls(data=data, kind=kind, name=name, cells=cells)

    def to_dict(self) -> dict:
        return plain(self.data)


def load(study) -> StudySpec:
    """A :class:`StudySpec` from a StudySpec, a dict, JSON text or a path to a JSON file."""
    if isinstance(study, (StudySpec, dict)):
        return StudySpec.from_dict(study)
    if isinstance(study, Path) or (isinstance(study, str) and not study.lstrip().startswith("{")):
        p = Path(study)
        if not p.is_file():
            raise SpecError("study", str(study), reason="is not a file")
        study = p.read_text(encoding="utf-8")
    try:
        data = json.loads(study)
    except (json.JSONDecodeError, TypeError) as exc:
        raise SpecError("study", str(study)[:57], reason=f"is not valid JSON ({exc})") from None
    return StudySpec.from_dict(data)


# --- experiment grids ---------------------------------------------------------------------

def _dataset_entries(data) -> list[tuple[dict, str, str]]:
    out = []
    for i, entry in enumerate(_list(data, "datasets", [{}])):
        if isinstance(entry, str):
            entry = {"name": entry}
        if not isinstance(entry, dict):
            raise SpecError(f"datasets[{i}]", entry, reason="must be a dataset name or a mapping")
        entry = dict(entry)
        label = entry.pop("label", None)
        dims = None
        if "dimensions" in entry:
            dims = _list(entry, "dimensions")
            entry.pop("dimensions")
        out.append((entry, label, f"datasets[{i}]", dims))
    return out


def _model_entries(data) -> list[tuple[dict, str, str]]:
    out = []
    for i, entry in enumerate(_list(data, "models", [{}])):
        where = f"models[{i}]"
        if isinstance(entry, str):
            entry = {"name": entry}
        if not isinstance(entry, dict):
            raise SpecError(where, entry, reason="must be a model name or a mapping")
        for key in entry:
            if key not in _MODEL_KEYS:
                raise SpecError(f"{where}.{key}", entry[key], _MODEL_KEYS,
                                reason="is not a known field of a study's model")
        spec = entry.get("spec", {})
        if not isinstance(spec, dict):
            raise SpecError(f"{where}.spec", spec, reason="must be a mapping of spec sections")
        params = entry.get("params", {})
        if not isinstance(params, dict):
            raise SpecError(f"{where}.params", params, reason="must be a mapping of names to values")
        out.append((entry, entry.get("label"), where))
    return out


def _experiment_cells(data: dict) -> list[Cell]:
    base = data.get("base", {})
    if not isinstance(base, dict):
        raise SpecError("base", base, reason="must be an experiment spec (a mapping of sections)")
    try:
        ExperimentSpec.from_dict(base)
    except SpecError as exc:
        raise _relabel(exc, f"base.{exc.field}") from None
    dsets = _dataset_entries(data)
    mods = _model_entries(data)
    dims = _list(data, "dimensions", [None])
    seeds = _list(data, "seeds", [base.get("seed", 0)])
    top_grid = _grid(data.get("grid"), "grid")
    cells = []
    for (ds, ds_label, ds_where, ds_dims), (mod, mod_label, mod_where) in itertools.product(
            dsets, mods):
        dim_where = "dimensions" if ds_dims is None else f"{ds_where}.dimensions"
        for mgrid in _grid(mod.get("grid"), f"{mod_where}.grid"):
            for tgrid, (di, dim), (si, seed) in itertools.product(
                    top_grid, enumerate(dims if ds_dims is None else ds_dims), enumerate(seeds)):
                layers = _Layers()
                spec = copy.deepcopy(base)
                if ds:
                    _merge(spec.setdefault("dataset", {}), ds)
                    for p in _paths(ds):
                        layers.add(f"dataset.{p}", f"{ds_where}.{p}")
                if mod.get("spec"):
                    _merge(spec, mod["spec"])
                    for p in _paths(mod["spec"]):
                        layers.add(p, f"{mod_where}.spec.{p}")
                if "name" in mod:
                    name = mod["name"]
                    if spec.get("model", {}).get("name") != name:
                        spec["model"] = {"name": name, "params": {}}
                    layers.add("model.name", f"{mod_where}.name")
                model_params = {**mod.get("params", {}), **mgrid}
                if model_params:
                    _merge(spec.setdefault("model", {}).setdefault("params", {}), model_params)
                    for k in mod.get("params", {}):
                        layers.add(f"model.params.{k}", f"{mod_where}.params.{k}")
                    for k in mgrid:
                        layers.add(f"model.params.{k}", f"{mod_where}.grid.{k}")
                for path, value in tgrid.items():
                    _set_path(spec, path, copy.deepcopy(value))
                    layers.add(path, f"grid.{path}")
                if dim is not None:
                    _set_path(spec, "circuit.num_qubits", dim)
                    layers.add("circuit.num_qubits", f"{dim_where}[{di}]")
                if "seeds" in data:
                    spec["seed"] = seed
                    layers.add("seed", f"seeds[{si}]")
                try:
                    built = ExperimentSpec.from_dict(spec)
                except SpecError as exc:
                    raise _relabel(exc, layers.where(exc.field)) from None
                _check_task(built, mod_where)
                _check_width(built, layers.where("circuit.num_qubits"))
                labels = {"dataset": ds_label or built.dataset.name,
                          "model": mod_label or built.model.name,
                          "dimension": built.circuit.num_qubits,
                          "seed": built.seed}
                for k, v in mgrid.items():
                    labels[k] = v
                for k, v in tgrid.items():
                    labels[k] = v
                cells.append(Cell("experiment", built.to_dict(), plain(labels)))
    return cells


def _check_task(spec: ExperimentSpec, where: str) -> None:
    task = datasets.DATASETS[spec.dataset.name].task
    entry = models.MODELS[spec.model.name]
    if task not in entry.estimators:
        raise SpecError(f"{where}.name", spec.model.name, models.models_for(task),
                        reason=f"does not do {task}, the task of dataset {spec.dataset.name!r}")


def _check_width(spec: ExperimentSpec, where: str) -> None:
    """The widths a dataset can be drawn at, known without drawing it (a study checks every
    cell before any runs; the loaders check the same when they draw)."""
    dim = spec.circuit.num_features
    if dim is None:
        return
    name = spec.dataset.name
    entry = datasets.DATASETS[name]
    if name == "ad_hoc":
        allowed = AD_HOC_DIMENSIONS
        if dim not in allowed:
            raise SpecError(where, dim, list(allowed), reason="is not a dimension ad_hoc data "
                                                              "supports")
        return
    if entry.any_width:
        return   # drawn at the width asked for (bars_and_stripes checks its shape when drawn)
    have = entry.raw_features or entry.num_features
    if dim > have:
        raise SpecError(where, dim, reason=f"is more than the {have} features {name} has")


# --- plateau grids ------------------------------------------------------------------------

def _positive_ints(data, key, default=None) -> list[int]:
    values = _list(data, key, default, required=default is None)
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise SpecError(f"{key}[{i}]", v, reason="must be an integer >= 1")
    return values


def _plateau_cells(data: dict) -> list[Cell]:
    if "ansatz" in data and "ansatze" in data:
        raise SpecError("ansatz", data["ansatz"], reason="give ansatz or ansatze, not both")
    ansatze = [data["ansatz"]] if "ansatz" in data else _list(data, "ansatze", ["random_pauli"])
    key = "ansatz" if "ansatz" in data else "ansatze"
    for i, a in enumerate(ansatze):
        if not isinstance(a, str) or a not in circuits.ANSATZE:
            raise SpecError(key if key == "ansatz" else f"ansatze[{i}]", a, sorted(circuits.ANSATZE),
                            reason="is not a known ansatz")
    options = data.get("ansatz_options", {})
    if not isinstance(options, dict):
        raise SpecError("ansatz_options", options, reason="must be a mapping")
    widths = _positive_ints(data, "widths")
    depths = _positive_ints(data, "depths")
    costs = _list(data, "costs", ["global"])
    for i, c in enumerate(costs):
        if not isinstance(c, str) or c not in OBSERVABLES:
            raise SpecError(f"costs[{i}]", c, sorted(OBSERVABLES), reason="is not a known cost")
    inits = _list(data, "inits", ["uniform"])
    parsed = []
    for i, init in enumerate(inits):
        try:
            parsed.append(parse_init(init).to_dict())
        except SpecError as exc:
            raise _relabel(exc, f"inits[{i}]") from None
        except (TypeError, ValueError) as exc:
            raise SpecError(f"inits[{i}]", init, reason=str(exc)) from None
    seeds = _list(data, "seeds", [0])
    for i, s in enumerate(seeds):
        if isinstance(s, bool) or not isinstance(s, int) or s < 0:
            raise SpecError(f"seeds[{i}]", s, reason="must be an integer >= 0")
    samples = data.get("samples", 200)
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 2:
        raise SpecError("samples", samples, reason="must be an integer >= 2")
    param_index = data.get("param_index", 0)
    if param_index != "all" and (isinstance(param_index, bool) or not isinstance(param_index, int)
                                 or param_index < 0):
        raise SpecError("param_index", param_index, reason="must be an integer >= 0 or 'all'")
    cells = []
    for ansatz, n, L, cost, init, seed in itertools.product(ansatze, widths, depths, costs,
                                                            parsed, seeds):
        spec = {"ansatz": ansatz, "qubits": n, "layers": L, "observable": cost, "init": init,
                "seed": seed, "samples": samples, "param_index": param_index,
                "ansatz_options": options}
        labels = {"ansatz": ansatz, "qubits": n, "layers": L, "cost": cost,
                  "init": init["name"] if "width" not in init else f"small({init['width']:g})",
                  "seed": seed}
        cells.append(Cell("plateau", plain(spec), plain(labels)))
    return cells
