"""The experiment as data.

One :class:`ExperimentSpec` holds everything a run needs, round-trips through
JSON exactly, and is validated when it is built: a bad value raises
:class:`~qmlbench.engine.errors.SpecError` naming the field, the value and the
allowed values.  Names are checked against the live registries, so a dataset,
model or circuit registered later is accepted without touching this module.
"""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass, field, fields
from typing import Any

from . import circuits, datasets, execution, models, optimizers
from .circuits import ENTANGLEMENTS  # noqa: F401  (re-exported: the spec's vocabulary)
from .datasets import SCALINGS  # noqa: F401
from .errors import SpecError

#: The most samples a spec may ask a dataset for, wherever the spec comes from (a file, an
#: imported spec, a ``?spec=`` link).  The dashboard's slider stops well below; 5000 points
#: keep a kernel model's Gram matrix (and the kernel's memory) within seconds and megabytes.
MAX_SAMPLES = 5000


def _check_unknown(section: str, data: dict, cls) -> None:
    allowed = [f.name for f in fields(cls)]
    for key in data:
        if key not in allowed:
            raise SpecError(f"{section}.{key}" if section else key, data[key],
                            allowed, reason="is not a known field")


def _check_int(fld: str, value, minimum: int | None = None, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(fld, value, reason="must be an integer")
    if minimum is not None and value < minimum:
        raise SpecError(fld, value, reason=f"must be >= {minimum}")


def _check_number(fld: str, value, low=None, high=None, allow_none=False,
                  low_open=False, high_open=False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SpecError(fld, value, reason="must be a finite number")
    if low is not None and (value <= low if low_open else value < low):
        raise SpecError(fld, value, reason=f"must be {'>' if low_open else '>='} {low}")
    if high is not None and (value >= high if high_open else value > high):
        raise SpecError(fld, value, reason=f"must be {'<' if high_open else '<='} {high}")


def _check_name(fld: str, value, registry) -> None:
    if not isinstance(value, str) or value not in registry:
        kind = fld.split(".")[-2] if "." in fld else fld
        raise SpecError(fld, value, sorted(registry),
                        reason=f"is not a known {kind.replace('_', ' ')}")


def _check_options(fld: str, value) -> None:
    if not isinstance(value, dict):
        raise SpecError(fld, value, reason="must be a mapping of option names to values")


@dataclass
class DatasetSpec:
    name: str = "moons"
    n_samples: int = 100
    noise: float = 0.1
    test_size: float = 0.25
    scaling: str = "auto"
    options: dict = field(default_factory=dict)

    def validate(self) -> None:
        _check_name("dataset.name", self.name, datasets.DATASETS)
        _check_int("dataset.n_samples", self.n_samples, minimum=4)
        if self.n_samples > MAX_SAMPLES:
            raise SpecError("dataset.n_samples", self.n_samples,
                            reason=f"is more than the engine takes: at most {MAX_SAMPLES} samples")
        _check_number("dataset.noise", self.noise, low=0.0)
        _check_number("dataset.test_size", self.test_size, low=0.0, high=1.0,
                      low_open=True, high_open=True)
        if self.scaling not in SCALINGS:
            raise SpecError("dataset.scaling", self.scaling, SCALINGS)
        _check_options("dataset.options", self.options)
        entry = datasets.DATASETS[self.name]
        for key, value in self.options.items():
            fld = f"dataset.options.{key}"
            if key == "feature_range":
                datasets.check_feature_range(value)
            elif key not in entry.options:
                raise SpecError(fld, value, sorted(entry.options) + ["feature_range"],
                                reason=f"is not an option of {self.name}")
            elif isinstance(entry.options[key], (int, float)) \
                    and not isinstance(entry.options[key], bool):
                _check_number(fld, value)


@dataclass
class BlockSpec:
    """A feature map or an ansatz: registry name, repetitions, entanglement, extra options."""

    name: str
    reps: int = 1
    entanglement: str = "linear"
    options: dict = field(default_factory=dict)

    def validate(self, section: str, registry) -> None:
        _check_name(f"{section}.name", self.name, registry)
        _check_int(f"{section}.reps", self.reps, minimum=1)
        if self.entanglement not in ENTANGLEMENTS:
            raise SpecError(f"{section}.entanglement", self.entanglement, ENTANGLEMENTS,
                            reason="is not a known entanglement")
        _check_options(f"{section}.options", self.options)


def _default_feature_map() -> BlockSpec:
    return BlockSpec(name="zz", reps=1, entanglement="linear")


def _default_ansatz() -> BlockSpec:
    return BlockSpec(name="real_amplitudes", reps=3, entanglement="linear")


@dataclass
class CircuitSpec:
    """``num_qubits=None`` means one qubit per (reduced) feature."""

    num_qubits: int | None = None
    feature_map: BlockSpec = field(default_factory=_default_feature_map)
    ansatz: BlockSpec = field(default_factory=_default_ansatz)

    def validate(self) -> None:
        _check_int("circuit.num_qubits", self.num_qubits, minimum=1, allow_none=True)
        limit = execution.MAX_EXACT_QUBITS
        if self.num_qubits is not None and self.num_qubits > limit:
            raise SpecError(
                "circuit.num_qubits", self.num_qubits,
                reason=(f"is too many for exact simulation on this machine: the limit is {limit} "
                        f"qubits (one statevector of 2**n complex amplitudes must fit in memory)"))
        self.feature_map.validate("circuit.feature_map", circuits.FEATURE_MAPS)
        self.ansatz.validate("circuit.ansatz", circuits.ANSATZE)
        # Option typos fail when the spec is built, not when training starts.
        circuits.check_options("feature_map", self.feature_map.name, self.feature_map.options)
        circuits.check_options("ansatz", self.ansatz.name, self.ansatz.options)


@dataclass
class ModelSpec:
    name: str = "vqc"
    params: dict = field(default_factory=dict)

    def validate(self) -> None:
        _check_name("model.name", self.name, models.MODELS)
        _check_options("model.params", self.params)
        check = getattr(models, "check_params", None)
        if check is not None:
            check(self.name, self.params)


@dataclass
class OptimizerSpec:
    name: str = "cobyla"
    maxiter: int = 100
    learning_rate: float | None = None
    options: dict = field(default_factory=dict)

    def validate(self) -> None:
        # any case, and qiskit-ml's class names (COBYLA, GradientDescent, L_BFGS_B, ...)
        self.name = optimizers.canonical_name(self.name) or self.name
        _check_name("optimizer.name", self.name, optimizers.OPTIMIZERS)
        _check_int("optimizer.maxiter", self.maxiter, minimum=1)
        _check_number("optimizer.learning_rate", self.learning_rate, low=0.0,
                      low_open=True, allow_none=True)
        _check_options("optimizer.options", self.options)
        check = getattr(optimizers, "check_options", None)
        if check is not None:  # learning_rate / options that do not apply to this optimizer
            check(self.name, self.learning_rate, self.options)


@dataclass
class ExecutionSpec:
    """``shots=None`` is the exact path; an integer asks for shot-based Aer sampling."""

    shots: int | None = None
    seed: int | None = None

    def validate(self) -> None:
        _check_int("execution.shots", self.shots, minimum=1, allow_none=True)
        _check_int("execution.seed", self.seed, minimum=0, allow_none=True)


_SECTIONS = {
    "dataset": DatasetSpec,
    "circuit": CircuitSpec,
    "model": ModelSpec,
    "optimizer": OptimizerSpec,
    "execution": ExecutionSpec,
}


def _section_from_dict(name: str, cls, data) -> Any:
    if isinstance(data, cls):
        return copy.deepcopy(data)
    if not isinstance(data, dict):
        raise SpecError(name, data, reason="must be a mapping")
    _check_unknown(name, data, cls)
    if cls is CircuitSpec:
        kwargs = dict(data)
        for block in ("feature_map", "ansatz"):
            if block in kwargs:
                value = kwargs[block]
                if isinstance(value, str):  # shorthand: just the name
                    value = {"name": value}
                if isinstance(value, BlockSpec):
                    value = copy.deepcopy(value)
                else:
                    if not isinstance(value, dict):
                        raise SpecError(f"circuit.{block}", value, reason="must be a mapping")
                    _check_unknown(f"circuit.{block}", value, BlockSpec)
                    default = _default_feature_map() if block == "feature_map" else _default_ansatz()
                    value = BlockSpec(**{**default.__dict__, **copy.deepcopy(value)})
                kwargs[block] = value
        return CircuitSpec(**kwargs)
    return cls(**copy.deepcopy(data))


@dataclass
class ExperimentSpec:
    """Everything a run needs. Build with keyword sections or :meth:`from_dict`."""

    dataset: DatasetSpec = field(default_factory=DatasetSpec)
    circuit: CircuitSpec = field(default_factory=CircuitSpec)
    model: ModelSpec = field(default_factory=ModelSpec)
    optimizer: OptimizerSpec = field(default_factory=OptimizerSpec)
    execution: ExecutionSpec = field(default_factory=ExecutionSpec)
    seed: int = 0

    def __post_init__(self) -> None:
        for name, cls in _SECTIONS.items():
            value = getattr(self, name)
            if not isinstance(value, cls):
                setattr(self, name, _section_from_dict(name, cls, value))
        self.validate()

    def validate(self) -> None:
        _check_int("seed", self.seed, minimum=0)
        self.dataset.validate()
        self.circuit.validate()
        self.model.validate()
        self.optimizer.validate()
        self.execution.validate()
        self._check_circuit_option_values()

    def _check_circuit_option_values(self) -> None:
        """Option values of the feature map and ansatz, checked by building each block once at
        the width the run will use (when the registry knows it); names are checked above."""
        entry = datasets.DATASETS.get(self.dataset.name)
        width = self.circuit.num_qubits or getattr(entry, "num_features", None)
        if not width:
            return
        for block, registry in ((self.circuit.feature_map, circuits.FEATURE_MAPS),
                                (self.circuit.ansatz, circuits.ANSATZE)):
            builder = registry.get(block.name)
            if not block.options or builder is None or width < getattr(builder, "min_qubits", 1):
                continue
            try:
                builder(width, block.reps, block.entanglement, **block.options)
            except SpecError:
                raise
            except Exception:  # noqa: BLE001 - not a value error of ours; building will say
                pass

    # --- round trip -------------------------------------------------------
    def to_dict(self) -> dict:
        def plain(obj):
            if hasattr(obj, "__dataclass_fields__"):
                return {f.name: plain(getattr(obj, f.name)) for f in fields(obj)}
            if isinstance(obj, dict):
                return {k: plain(v) for k, v in obj.items()}
            if isinstance(obj, (list, tuple)):
                return [plain(v) for v in obj]
            return obj

        return plain(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ExperimentSpec":
        if not isinstance(data, dict):
            raise SpecError("spec", data, reason="must be a JSON object (a mapping of sections)")
        _check_unknown("", data, cls)
        return cls(**copy.deepcopy(data))

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, sort_keys=False)

    @classmethod
    def from_json(cls, text: str) -> "ExperimentSpec":
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, TypeError) as exc:
            raise SpecError("spec", text if len(str(text)) < 60 else str(text)[:57] + "...",
                            reason=f"is not valid JSON ({exc})") from None
        return cls.from_dict(data)

    @classmethod
    def load(cls, path) -> "ExperimentSpec":
        from pathlib import Path

        p = Path(path)
        if not p.is_file():
            raise SpecError("spec", str(path), reason="is not a file")
        return cls.from_json(p.read_text())

    def replace(self, **changes) -> "ExperimentSpec":
        """A new, validated spec with some sections (dicts or dataclasses) replaced or merged."""
        data = self.to_dict()
        for key, value in changes.items():
            if isinstance(value, dict) and isinstance(data.get(key), dict):
                merged = dict(data[key])
                merged.update(value)
                data[key] = merged
            else:
                data[key] = value.__dict__ if hasattr(value, "__dataclass_fields__") else value
        return ExperimentSpec.from_dict(data)
