"""One schema for every registry entry's options: kind, default, range, choices, help.

Circuits, datasets, models and optimizers declare what they accept as :class:`Option`\\ s
collected in a :class:`Schema`.  The same objects

- validate: ``Option.check(value, field)`` returns the value (numpy scalars as Python
  numbers, tuples as lists) or raises :class:`~qmlbench.engine.errors.SpecError` naming the
  field, the value and what is allowed, always in the same words ("must be an integer >= 1",
  "must be a number > 0", "must be true or false", "... choose one of a, b");
- give defaults: ``Schema.defaults()``;
- describe themselves as plain JSON (``Schema.to_dict()``) for ``qmlbench list`` and for the
  widget forms, which build one control per option from it.

Kinds: ``int``, ``float``, ``bool``, ``choice`` (one of ``choices``), ``str``, ``list``
(items checked by ``item``, itself an Option) and ``any`` (only ``validator`` checks it).
``low``/``high`` bound numbers (``low_open``/``high_open`` make a bound strict);
``allow_none`` accepts null; ``also`` lists extra values accepted as they are (the RBF
``gamma`` takes "scale", "auto" or a number); ``validator(value, field) -> value`` adds a
check no kind expresses (a Pauli string, an observable).  Width-dependent checks (a Pauli
term longer than the register) stay with the builder that knows the width.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable

import numpy as np

from .errors import SpecError
from .jsonable import plain

__all__ = ["KINDS", "Option", "Schema", "SchemaEntry"]

KINDS = ("int", "float", "bool", "choice", "str", "list", "any")

_NUMBERS = (int, float, np.integer, np.floating)


def _num(x) -> str:
    x = float(x)
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else f"{x:g}"


def _py(value):
    """numpy scalars as Python values; everything else as it is."""
    return value.item() if isinstance(value, np.generic) else value


@dataclass(frozen=True)
class Option:
    """One setting: its name, kind, default and what values it may take."""

    name: str
    kind: str
    default: Any = None
    low: float | None = None
    high: float | None = None
    choices: tuple | None = None
    help: str = ""
    allow_none: bool = False
    low_open: bool = False
    high_open: bool = False
    #: list: the Option each item must satisfy; ``single``: a lone string stands for one item
    item: "Option | None" = None
    single: bool = False
    #: list: what the value must be, in messages ("a list of layer widths, integers >= 1")
    noun: str = ""
    #: values accepted as they are besides the kind ("scale", "auto")
    also: tuple = ()
    #: choice: the reason when a value is not one of the choices ("is not a rotation axis")
    invalid: str = ""
    #: ``(value, field) -> value``: a further check; raises SpecError
    validator: Callable | None = field(default=None, compare=False, repr=False)
    #: forms: a short label, "log" for numbers spanning decades, a slider's usual span
    label: str = ""
    scale: str = "linear"
    ui_range: tuple | None = None
    step: float | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Option {self.name!r}: kind {self.kind!r} is not one of {KINDS}")
        if self.kind == "choice" and not self.choices:
            raise ValueError(f"Option {self.name!r}: a choice needs choices")
        if self.choices is not None and not isinstance(self.choices, tuple):
            object.__setattr__(self, "choices", tuple(self.choices))

    def with_(self, **changes) -> "Option":
        """A copy with some attributes changed (another default, a tighter range)."""
        return replace(self, **changes)

    # --- words -------------------------------------------------------------------------
    def describe(self) -> str:
        """What a value must be, as the end of "must be ...": "an integer >= 1"."""
        k = self.kind
        if k == "int":
            text = self._int_words()
        elif k == "float":
            text = self._float_words()
        elif k == "bool":
            text = "true or false"
        elif k == "choice":
            text = "one of " + ", ".join(str(c) for c in self.choices)
        elif k == "str":
            text = "a string"
        elif k == "list":
            text = self.noun or "a non-empty list of values"
        else:
            text = "a value"
        if self.also:
            text = ", ".join(repr(a) for a in self.also) + " or " + text
        if self.allow_none:
            text += " or null"
        return text

    def _int_words(self) -> str:
        lo, hi = self.low, self.high
        if lo is not None and hi is not None:
            return f"an integer from {_num(lo)} to {_num(hi)}"
        if lo is not None:
            return "a non-negative integer" if lo == 0 else f"an integer >= {_num(lo)}"
        if hi is not None:
            return f"an integer <= {_num(hi)}"
        return "an integer"

    def _float_words(self) -> str:
        lo, hi = self.low, self.high
        if lo is not None and hi is not None:
            if self.low_open and self.high_open:
                return f"a number between {_num(lo)} and {_num(hi)} (> {_num(lo)} and < {_num(hi)})"
            if not self.low_open and not self.high_open:
                return f"a number from {_num(lo)} to {_num(hi)}"
            return (f"a number {'>' if self.low_open else '>='} {_num(lo)} and "
                    f"{'<' if self.high_open else '<='} {_num(hi)}")
        if lo is not None:
            return f"a number {'>' if self.low_open else '>='} {_num(lo)}"
        if hi is not None:
            return f"a number {'<' if self.high_open else '<='} {_num(hi)}"
        return "a finite number"

    def _fail(self, fld: str, value):
        raise SpecError(fld, value, reason="must be " + self.describe())

    # --- checking ----------------------------------------------------------------------
    def check(self, value, fld: str | None = None):
        """``value`` in the spec's terms (numpy scalars as Python numbers, tuples as lists), or
        :class:`SpecError` naming ``fld`` (default: the option's name)."""
        fld = fld or self.name
        value = _py(value)
        if value is None and self.allow_none:
            return None
        if self.also and isinstance(value, str) and value in self.also:
            return value
        k = self.kind
        if k == "int":
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                self._fail(fld, value)
            self._in_range(fld, value)
        elif k == "float":
            if isinstance(value, bool) or not isinstance(value, _NUMBERS) or not math.isfinite(value):
                self._fail(fld, value)
            self._in_range(fld, value)
        elif k == "bool":
            if not isinstance(value, bool):
                self._fail(fld, value)
        elif k == "choice":
            try:
                ok = value in self.choices
            except TypeError:
                ok = False
            if ok and isinstance(value, bool):   # True == 1: a bool is a choice only if listed
                ok = any(c is value for c in self.choices)
            if not ok:
                raise SpecError(fld, value, list(self.choices), reason=self.invalid or None)
        elif k == "str":
            if not isinstance(value, str):
                self._fail(fld, value)
        elif k == "list":
            value = self._check_list(fld, value)
        if self.validator is not None:
            value = self.validator(value, fld)
        return value

    def _in_range(self, fld, value) -> None:
        lo, hi = self.low, self.high
        if lo is not None and (value <= lo if self.low_open else value < lo):
            self._fail(fld, value)
        if hi is not None and (value >= hi if self.high_open else value > hi):
            self._fail(fld, value)

    def _check_list(self, fld, value):
        if self.single and isinstance(value, str):
            if self.item is not None:
                self.item.check(value, fld)
            return value
        if not isinstance(value, (list, tuple)) or not value:
            self._fail(fld, value)
        out = []
        for v in value:
            if self.item is None:
                out.append(_py(v))
                continue
            try:
                out.append(self.item.check(v, fld))
            except SpecError:
                if self.item.choices or self.item.validator is not None:
                    raise        # the item's own words: "'foo' is not a supported gate"
                self._fail(fld, list(value))
        return out

    # --- description -------------------------------------------------------------------
    def to_dict(self) -> dict:
        """A plain-JSON description (for forms, ``qmlbench list``, documentation)."""
        out = {"name": self.name, "kind": self.kind, "default": plain(self.default),
               "allowed": self.describe()}
        for key in ("low", "high", "choices", "help", "label", "also", "ui_range", "step"):
            v = getattr(self, key)
            if v not in (None, "", ()):
                out[key] = plain(v)
        for key in ("allow_none", "low_open", "high_open", "single"):
            if getattr(self, key):
                out[key] = True
        if self.scale != "linear":
            out["scale"] = self.scale
        if self.item is not None:
            out["item"] = self.item.to_dict()
        return out


class Schema:
    """An ordered collection of :class:`Option`\\ s: the options one registry entry takes."""

    def __init__(self, options: Iterable[Option] = ()):
        self._options: dict[str, Option] = {}
        for opt in options:
            if opt.name in self._options:
                raise ValueError(f"Schema: option {opt.name!r} declared twice")
            self._options[opt.name] = opt

    @classmethod
    def of(cls, *options: Option) -> "Schema":
        return cls(options)

    @classmethod
    def infer(cls, defaults: dict) -> "Schema":
        """A schema read off plain defaults (for entries registered the old way, with a dict):
        a bool default makes a bool option, an int an int, a float a float, a string a str, a
        list a list, anything else ``any``."""
        out = []
        for name, d in (defaults or {}).items():
            if isinstance(d, bool):
                kind = "bool"
            elif isinstance(d, (int, np.integer)):
                kind = "int"
            elif isinstance(d, (float, np.floating)):
                kind = "float"
            elif isinstance(d, str):
                kind = "str"
            elif isinstance(d, (list, tuple)) and d:
                kind = "list"
            else:
                kind = "any"
            out.append(Option(name, kind, d, allow_none=d is None))
        return cls(out)

    # mapping-like access --------------------------------------------------------------
    def __iter__(self):
        return iter(self._options.values())

    def __len__(self) -> int:
        return len(self._options)

    def __contains__(self, name) -> bool:
        return name in self._options

    def __getitem__(self, name) -> Option:
        return self._options[name]

    def __bool__(self) -> bool:
        return bool(self._options)

    def __eq__(self, other) -> bool:
        return isinstance(other, Schema) and list(self) == list(other)

    def __hash__(self):
        return hash(tuple(self._options))

    def __repr__(self) -> str:
        return f"Schema({', '.join(self._options)})"

    def get(self, name, default=None):
        return self._options.get(name, default)

    @property
    def names(self) -> list[str]:
        return list(self._options)

    def items(self):
        return self._options.items()

    def with_options(self, *options: Option) -> "Schema":
        """A new schema with ``options`` added (or replacing those of the same name)."""
        merged = dict(self._options)
        for opt in options:
            merged[opt.name] = opt
        return Schema(merged.values())

    def defaults(self) -> dict:
        """Every option at its default (lists copied, so callers may change them)."""
        return {n: (list(o.default) if isinstance(o.default, (list, tuple)) else o.default)
                for n, o in self._options.items()}

    # checking -------------------------------------------------------------------------
    def validate(self, values, prefix: str, owner: str | None = None,
                 extra: Iterable[str] = ()) -> dict:
        """``values`` checked and normalised (only the keys given; defaults are not added).

        An unknown key is refused naming ``{prefix}.{key}`` and the known ones (plus ``extra``:
        names another check accepts); ``owner`` names the entry in the message
        ("is not an option of zz")."""
        if values is None:
            return {}
        if not isinstance(values, dict):
            raise SpecError(prefix, values, reason="must be a mapping of option names to values")
        extra = list(extra)
        out = {}
        for key, value in values.items():
            fld = f"{prefix}.{key}"
            opt = self._options.get(key)
            if opt is None:
                if key in extra:
                    out[key] = value
                    continue
                known = sorted(self._options) + extra or ["(no options)"]
                raise SpecError(fld, value, known,
                                reason=f"is not an option of {owner}" if owner else
                                "is not a known option")
            out[key] = opt.check(value, fld)
        return out

    def merged(self, values: dict | None) -> dict:
        """Defaults overlaid with ``values`` (assumed valid)."""
        return {**self.defaults(), **(values or {})}

    def to_dict(self) -> list[dict]:
        """The options as plain JSON, in declaration order."""
        return [o.to_dict() for o in self]


class SchemaEntry:
    """Mixin for a registry entry (a frozen dataclass with a ``schema`` field): a schema
    given the old way, as ``{name: default}``, is read as one; ``options`` are the defaults."""

    def __post_init__(self):
        if not isinstance(self.schema, Schema):
            object.__setattr__(self, "schema", Schema.infer(self.schema))

    @property
    def options(self) -> dict:
        """Each option's default."""
        return self.schema.defaults()
