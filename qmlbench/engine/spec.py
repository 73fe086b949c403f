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
from dataclasses import dataclass, field, fields
from typing import Any

from . import circuits, datasets, execution, models, optimizers
from .circuits import ENTANGLEMENTS  # noqa: F401  (re-exported: the spec's vocabulary)
from .datasets import SCALINGS  # noqa: F401
from .errors import SpecError
from . import jsonable
from .jsonable import plain
from .options import Option

#: The most samples a spec may ask a dataset for, wherever the spec comes from (a file, an
#: imported spec, a ``?spec=`` link).  The dashboard's slider stops well below; 5000 points
#: keep a kernel model's Gram matrix (and the kernel's memory) within seconds and megabytes.
MAX_SAMPLES = 5000

SEED = Option("seed", "int", 0, low=0, help="seed of the data split, the initial weights and "
                                               "the random circuits")
SHOTS = Option("shots", "int", None, low=1, allow_none=True,
               help="measurements per circuit (Aer); null: exact statevectors")
EXECUTION_SEED = Option("seed", "int", None, low=0, allow_none=True,
                        help="seed of the shot sampler; null: the spec's seed")

#: How many times a spec has been validated (a whole ExperimentSpec, once per construction):
#: tests count it to make sure a change validates once.
validations = 0


def _check_unknown(section: str, data: dict, cls) -> None:
    allowed = [f.name for f in fields(cls)]
    for key in data:
        if key not in allowed:
            raise SpecError(f"{section}.{key}" if section else key, data[key],
                            allowed, reason="is not a known field")


def _check_name(fld: str, value, registry) -> None:
    if not isinstance(value, str) or value not in registry:
        kind = fld.split(".")[-2] if "." in fld else fld
        raise SpecError(fld, value, sorted(registry),
                        reason=f"is not a known {kind.replace('_', ' ')}")


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
        common = datasets.COMMON.validate(
            {"n_samples": self.n_samples, "noise": self.noise, "test_size": self.test_size,
             "scaling": self.scaling}, "dataset")
        if common["n_samples"] > MAX_SAMPLES:
            raise SpecError("dataset.n_samples", self.n_samples,
                            reason=f"is more than the engine takes: at most {MAX_SAMPLES} samples")
        for key, value in common.items():
            setattr(self, key, value)
        self.options = datasets.DATASETS[self.name].validate_options(self.options)


@dataclass
class BlockSpec:
    """A feature map or an ansatz: registry name, repetitions, entanglement, extra options."""

    name: str
    reps: int = 1
    entanglement: str = "linear"
    options: dict = field(default_factory=dict)

    def validate(self, section: str, registry) -> None:
        _check_name(f"{section}.name", self.name, registry)
        self.options = registry[self.name].validate(self.reps, self.entanglement, self.options,
                                                    section)


def _default_feature_map() -> BlockSpec:
    return BlockSpec(name="zz", reps=1, entanglement="linear")


def _default_ansatz() -> BlockSpec:
    return BlockSpec(name="real_amplitudes", reps=3, entanglement="linear")


@dataclass
class CircuitSpec:
    """``num_qubits=None`` means one qubit per (reduced) feature (or per group of features,
    for a feature map that loads several per qubit).

    ``reuploading`` (None: off) is ``{"layers": L, "input_scaling": bool, "trainable_first": bool}``
    (``circuits.REUPLOADING``): variational models alternate encoding and ansatz L times
    (Pérez-Salinas et al. 2020); the spec keeps it with the defaults filled in, and null for
    one layer without scaling (the plain circuit)."""

    num_qubits: int | None = None
    feature_map: BlockSpec = field(default_factory=_default_feature_map)
    ansatz: BlockSpec = field(default_factory=_default_ansatz)
    reuploading: dict | None = None

    @property
    def reupload(self) -> dict:
        """``circuits.compose``'s keywords: ``layers``, ``input_scaling`` and ``trainable_first``."""
        return circuits.REUPLOADING.merged(self.reuploading or {})

    @property
    def num_features(self) -> int | None:
        """How many features the circuit takes (None: as many as the data has)."""
        if self.num_qubits is None:
            return None
        block = circuits.FEATURE_MAPS.get(self.feature_map.name)
        per = block.per_qubit(self.feature_map.options) if block is not None else 1
        return self.num_qubits * per

    def to_dict(self) -> dict:
        """Plain data; ``reuploading`` only when set, so other specs read as they always did."""
        out = {"num_qubits": self.num_qubits, "feature_map": plain(self.feature_map),
               "ansatz": plain(self.ansatz)}
        if self.reuploading is not None:
            out["reuploading"] = dict(self.reuploading)
        return out

    def validate(self) -> None:
        if self.reuploading is not None:
            if not isinstance(self.reuploading, dict):
                raise SpecError("circuit.reuploading", self.reuploading,
                                reason="must be a mapping such as {\"layers\": 3} or null")
            merged = circuits.REUPLOADING.merged(circuits.REUPLOADING.validate(
                self.reuploading, "circuit.reuploading", owner="re-uploading"))
            # one layer without scaling is the plain circuit: said one way, by null
            self.reuploading = None if merged == circuits.REUPLOADING.defaults() else merged
        circuits.NUM_QUBITS.check(self.num_qubits, "circuit.num_qubits")
        limit = execution.MAX_EXACT_QUBITS
        if self.num_qubits is not None and self.num_qubits > limit:
            raise SpecError(
                "circuit.num_qubits", self.num_qubits,
                reason=(f"is too many for exact simulation on this machine: the limit is {limit} "
                        f"qubits (one statevector of 2**n complex amplitudes must fit in memory)"))
        self.feature_map.validate("circuit.feature_map", circuits.FEATURE_MAPS)
        self.ansatz.validate("circuit.ansatz", circuits.ANSATZE)


@dataclass
class ModelSpec:
    name: str = "vqc"
    params: dict = field(default_factory=dict)

    def validate(self) -> None:
        _check_name("model.name", self.name, models.MODELS)
        self.params = models.check_params(self.name, self.params)


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
        self.options = optimizers.check_options(self.name, self.learning_rate, self.options,
                                                self.maxiter)


@dataclass
class ExecutionSpec:
    """``shots=None`` is the exact path; an integer asks for shot-based Aer sampling.

    ``noise=None`` is noiseless; ``{"model": "depolarizing", "p1": 0.01, "p2": 0.02}`` (or
    another of ``execution.NOISE_MODELS``, each with its own option schema) puts a channel
    after every gate: exact on batched density matrices, or sampled with ``shots``.  The
    spec keeps the checked setting with the model's defaults filled in."""

    shots: int | None = None
    seed: int | None = None
    noise: dict | None = None

    def validate(self) -> None:
        self.shots = SHOTS.check(self.shots, "execution.shots")
        self.seed = EXECUTION_SEED.check(self.seed, "execution.seed")
        self.noise = execution.check_noise(self.noise, "execution.noise")

    def to_dict(self) -> dict:
        """Plain data; ``noise`` only when set, so noiseless specs read as they always did."""
        out = {"shots": self.shots, "seed": self.seed}
        if self.noise is not None:
            out["noise"] = self.noise
        return out


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
        """Check every section against its registry entry's schema (once per spec: engine
        functions that take a spec trust it)."""
        global validations
        validations += 1
        self.seed = SEED.check(self.seed, "seed")
        self.dataset.validate()
        self.circuit.validate()
        self.model.validate()
        self.optimizer.validate()
        self.execution.validate()
        models.compat.check_inputs(self.model.name, self.dataset.name)
        self._check_circuit_width()

    def _check_circuit_width(self) -> None:
        """What depends on the width (a Pauli term longer than the register, random_pauli's
        axes), checked without building, when the width is known from the spec or the
        dataset registry."""
        entry = datasets.DATASETS.get(self.dataset.name)
        width = self.circuit.num_qubits or getattr(entry, "num_features", None)
        if not width or getattr(entry, "inputs", None) == datasets.STATES:
            return
        # a noisy experiment too wide for density matrices is refused here, not mid-run
        execution.check_width_for(self.execution.noise, width, self.execution.shots)
        for section, block, registry in (
                ("circuit.feature_map", self.circuit.feature_map, circuits.FEATURE_MAPS),
                ("circuit.ansatz", self.circuit.ansatz, circuits.ANSATZE)):
            builder = registry.get(block.name)
            if builder is None or width < getattr(builder, "min_qubits", 1):
                continue
            builder.check_at(width, block.reps, block.entanglement, block.options, section)

    # --- round trip -------------------------------------------------------
    def to_dict(self) -> dict:
        return plain({f.name: getattr(self, f.name) for f in fields(self)})

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
        data = jsonable.parse(text, "spec")
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
