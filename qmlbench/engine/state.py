"""The whole screen as data: :class:`WorkbenchState`.

One serialisable object holds everything a person set on the workbench (TensorFlow
Playground's ``state.ts``): the :class:`~qmlbench.engine.spec.ExperimentSpec`, the
controls and panels hidden from view, the plateau study (:class:`PlateauSettings`)
and the Compare panel's baseline.  It round-trips through ``to_dict``/``from_dict``
and JSON exactly, and is validated when built: a bad value raises ``SpecError`` naming
the field (``plateau.samples``, ``compare.baseline``, ``hide``, ``spec.model.name``).

A bare spec (what links and exported files held before) is read as a state with that
spec and everything else at its default, so old links and files still open.

    state = WorkbenchState.from_json(text)
    qb.train(state.spec)
    state.plateau.run()                 # the plateau study the screen was set up for
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field

from . import jsonable
from .errors import SpecError
from .models import check_params, compat
from .plateau.sweep import PlateauSettings
from .spec import ExperimentSpec

#: The version written into every state; a newer one is refused with a clear message.
STATE_VERSION = 1
_KEYS = ("version", "spec", "hide", "plateau", "compare")


@dataclass
class CompareSettings:
    """The Compare panel's baseline: a classical model name (None: the first classical model
    of the dataset's task) and its parameters."""

    baseline: str | None = None
    params: dict = field(default_factory=dict)

    def __post_init__(self):
        self.validate()

    def validate(self) -> None:
        compat.check_baseline(self.baseline)
        if not isinstance(self.params, dict):
            raise SpecError("compare.params", self.params,
                            reason="must be a mapping of parameter names to values")
        if self.params:
            if self.baseline is None:
                raise SpecError("compare.params", self.params,
                                reason="needs a baseline to belong to (compare.baseline)")
            try:
                check_params(self.baseline, self.params)
            except SpecError as exc:
                raise SpecError(exc.field.replace("model.params", "compare.params", 1),
                                exc.value, exc.allowed, exc.reason) from None

    def to_dict(self) -> dict:
        return {"baseline": self.baseline, "params": copy.deepcopy(self.params)}

    @classmethod
    def from_dict(cls, data) -> "CompareSettings":
        if isinstance(data, CompareSettings):
            return cls(**data.to_dict())
        if not isinstance(data, dict):
            raise SpecError("compare", data, reason="must be a mapping (baseline, params)")
        for key in data:
            if key not in ("baseline", "params"):
                raise SpecError(f"compare.{key}", data[key], ["baseline", "params"],
                                reason="is not a known field")
        return cls(**copy.deepcopy(data))

    def resolved(self, task: str | None) -> str | None:
        """The baseline to train for ``task`` (its twin when it does not do it)."""
        return compat.baseline_for(task, self.baseline)


def _hide_list(value) -> list[str]:
    if isinstance(value, str):
        value = [h.strip() for h in value.split(",") if h.strip()]
    if not isinstance(value, (list, tuple)):
        raise SpecError("hide", value, reason="must be a list of control or panel names")
    out = []
    for name in value:
        if not isinstance(name, str) or not name.strip():
            raise SpecError("hide", name, reason="must be a control or panel name (text)")
        if name.strip() not in out:
            out.append(name.strip())
    return out


@dataclass
class WorkbenchState:
    """``spec``, ``hide`` (names of hidden controls and panels, in the order given),
    ``plateau`` and ``compare``; each section may be given as data (dict, list, JSON)."""

    spec: ExperimentSpec = field(default_factory=ExperimentSpec)
    hide: list = field(default_factory=list)
    plateau: PlateauSettings = field(default_factory=PlateauSettings)
    compare: CompareSettings = field(default_factory=CompareSettings)

    def __post_init__(self):
        if not isinstance(self.spec, ExperimentSpec):
            self.spec = _spec_from(self.spec)
        self.hide = _hide_list(self.hide)
        if not isinstance(self.plateau, PlateauSettings):
            self.plateau = PlateauSettings.from_dict(self.plateau)
        if not isinstance(self.compare, CompareSettings):
            self.compare = CompareSettings.from_dict(self.compare)
        self.follow_spec()

    def follow_spec(self) -> None:
        """A plateau study that follows the composer takes the spec's ansatz."""
        if self.plateau.follow_composer:
            block = self.spec.circuit.ansatz
            options = {**block.options, "entanglement": block.entanglement}
            if (self.plateau.ansatz, self.plateau.ansatz_options) != (block.name, options):
                self.plateau = self.plateau.replace(ansatz=block.name, ansatz_options=options)

    # --- round trip ----------------------------------------------------------------
    def to_dict(self) -> dict:
        return {"version": STATE_VERSION, "spec": self.spec.to_dict(), "hide": list(self.hide),
                "plateau": self.plateau.to_dict(), "compare": self.compare.to_dict()}

    @classmethod
    def from_dict(cls, data) -> "WorkbenchState":
        """A state from its dict, or from a bare spec dict (old links and files)."""
        if isinstance(data, WorkbenchState):
            return data.copy()
        if isinstance(data, ExperimentSpec):
            return cls(spec=ExperimentSpec.from_dict(data.to_dict()))
        if not isinstance(data, dict):
            raise SpecError("state", data, reason="must be a JSON object (a workbench state or "
                                                  "an experiment spec)")
        if not is_state_dict(data):
            return cls(spec=ExperimentSpec.from_dict(data))
        for key in data:
            if key not in _KEYS:
                raise SpecError(key, data[key], list(_KEYS),
                                reason="is not a part of the workbench state")
        version = data.get("version", STATE_VERSION)
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise SpecError("version", version, reason="must be a positive integer")
        if version > STATE_VERSION:
            raise SpecError("version", version, reason=f"is newer than this qmlbench reads "
                                                       f"(up to {STATE_VERSION}); upgrade qmlbench")
        try:
            spec = _spec_from(data.get("spec", {}))
        except SpecError as exc:  # name the field as it sits in the state
            field_name = exc.field if exc.field.startswith("spec") else f"spec.{exc.field}"
            raise SpecError(field_name, exc.value, exc.allowed, exc.reason) from None
        return cls(spec=spec, hide=data.get("hide", []),
                   plateau=data.get("plateau", {}), compare=data.get("compare", {}))

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "WorkbenchState":
        data = jsonable.parse(text, "state")
        return cls.from_dict(data)

    def copy(self) -> "WorkbenchState":
        return WorkbenchState.from_dict(self.to_dict())

    def replace(self, **changes) -> "WorkbenchState":
        """A new, validated state with some parts replaced (``spec=``, ``hide=``,
        ``plateau=`` or ``compare=``; dicts of plateau/compare fields are merged).  Parts
        given as validated objects are copied, not validated again."""
        parts = {"spec": self.spec, "hide": list(self.hide), "plateau": self.plateau,
                 "compare": self.compare}
        for key, value in changes.items():
            if key not in _KEYS[1:]:
                raise SpecError(key, value, list(_KEYS[1:]), reason="is not a part of the state")
            if key in ("plateau", "compare") and isinstance(value, dict):
                value = {**parts[key].to_dict(), **value}
            parts[key] = value
        return WorkbenchState(**{k: copy.deepcopy(v) for k, v in parts.items()})

    @property
    def is_default_beyond_spec(self) -> bool:
        """Whether everything but the spec is at its default (a plain spec link says it all)."""
        d, base = self.to_dict(), WorkbenchState().to_dict()
        return all(d[k] == base[k] for k in ("hide", "plateau", "compare"))


def is_state_dict(data) -> bool:
    """Whether ``data`` is a workbench state's dict (rather than a bare spec's)."""
    return isinstance(data, dict) and any(key in data for key in _KEYS)


def _spec_from(value) -> ExperimentSpec:
    if isinstance(value, dict):
        return ExperimentSpec.from_dict(value)
    if isinstance(value, str):
        return ExperimentSpec.from_json(value)
    raise SpecError("spec", value, reason="must be an experiment spec (a mapping of sections)")


__all__ = ["WorkbenchState", "CompareSettings", "PlateauSettings", "STATE_VERSION",
           "is_state_dict"]
