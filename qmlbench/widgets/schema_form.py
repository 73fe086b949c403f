"""Option forms generated from the engine's schemas (``engine/options.py``).

Each :class:`~qmlbench.engine.options.Option` becomes one control: a slider over its
declared ``ui_range`` (an IntSlider, a FloatSlider, a FloatLogSlider for ``scale="log"``),
a Dropdown for a choice, a Checkbox for a bool, a text box for lists and free values, with
the option's help as tooltip and note.  A new option declared in the engine appears in the
panel with no widget edit; what is allowed is said once, by the schema, and a bad value is
refused by the spec's validation, whose message the panel shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import ipywidgets as W

from ._common import OptionField, OptionsForm


@dataclass(frozen=True)
class SchemaField(OptionField):
    """An :class:`OptionField` that keeps a slider's span and step from its Option."""

    low: float | None = None
    high: float | None = None
    step: float | None = None


def field_for(opt) -> SchemaField:
    """The control description for one engine Option."""
    common = dict(key=opt.name, default=opt.default, help=opt.help, label=opt.label)
    span = opt.ui_range
    if opt.kind == "bool":
        return SchemaField(kind="bool", **common)
    if opt.kind == "choice":
        return SchemaField(kind="choice", choices=tuple(opt.choices), **common)
    if opt.kind in ("int", "float") and opt.also:
        return SchemaField(kind="text", choices=tuple(opt.also), **common)
    if opt.kind == "float" and opt.scale == "log":
        return SchemaField(kind="log", **common)
    if opt.kind in ("int", "float"):
        if span is not None and not (opt.allow_none and opt.default is None):
            return SchemaField(kind=f"{opt.kind}_slider", low=span[0], high=span[1],
                               step=opt.step, **common)
        if opt.allow_none:
            return SchemaField(kind="text", placeholder="default", **common)
        return SchemaField(kind=opt.kind, **common)
    if opt.kind == "list":
        item = opt.item
        if item is not None and item.kind == "int":
            return SchemaField(kind="list", item="int", placeholder="e.g. 16, 16", **common)
        choices = tuple(item.choices) if item is not None and item.choices else ()
        hint = "values, separated by commas"
        return SchemaField(kind="list", choices=choices, single=opt.single,
                           help=opt.help or (("from " + ", ".join(choices)) if choices else ""),
                           placeholder=hint, **{k: v for k, v in common.items() if k != "help"})
    if opt.kind == "str" or (opt.kind == "any" and (opt.default is None or isinstance(opt.default, str))):
        return SchemaField(kind="text", choices=() if opt.default is None else (opt.default,),
                           placeholder="default" if opt.default is None else "", **common)
    return SchemaField(kind="json", placeholder="default" if opt.default is None else "", **common)


def fields_for(schema) -> list[SchemaField]:
    """One control description per option of ``schema`` (None: no options)."""
    return [field_for(o) for o in (schema or ())]


class SchemaForm(OptionsForm):
    """:class:`OptionsForm` that also draws sliders over an option's declared span."""

    def _make(self, f):
        if f.kind in ("int_slider", "float_slider"):
            label = f.label or f.key.replace("_", " ")
            common = dict(description=label, style=self.style, continuous_update=False)
            if f.kind == "int_slider":
                return W.IntSlider(value=int(f.default), min=int(f.low), max=int(f.high),
                                   step=int(f.step or 1), **common)
            step = f.step or (f.high - f.low) / 20
            return W.FloatSlider(value=float(f.default), min=float(f.low), max=float(f.high),
                                 step=step, readout_format=".3g", **common)
        return super()._make(f)

    def _show(self, f, w, value) -> None:
        if f.kind in ("int_slider", "float_slider"):
            try:
                v = int(value) if f.kind == "int_slider" else float(value)
            except (TypeError, ValueError):
                return
            if math.isfinite(v):
                # a spec from a file or link may hold values beyond the usual span
                if v > w.max:
                    w.max = v
                if v < w.min:
                    w.min = v
                w.value = v
            return
        super()._show(f, w, value)

    def value_of(self, key: str):
        f = self.fields[key]
        if f.kind == "int_slider":
            return int(self.widgets[key].value)
        if f.kind == "float_slider":
            return float(f"{float(self.widgets[key].value):.6g}")
        return super().value_of(key)
