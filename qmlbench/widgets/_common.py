"""What every panel shares: the base class, figure syncing, hiding controls."""

from __future__ import annotations

import contextlib
import html
import json
import math
from dataclasses import dataclass

import ipywidgets as W
import plotly.graph_objects as go

from .session import Session, error_message


def figure_widget(fig: go.Figure, css_class: str | None = None) -> go.FigureWidget:
    """A FigureWidget holding every trace ``fig`` has (Voila shows only traces present at
    construction; later updates assign whole arrays to these)."""
    fw = go.FigureWidget(fig)
    if css_class:
        fw.add_class(css_class)
    return fw


def sync_figure(fw: go.FigureWidget, fig: go.Figure) -> None:
    """Copy ``fig`` into the live widget ``fw`` in one batch.

    With the same traces (count and types, as every qmlbench builder keeps),
    each trace's properties are replaced wholesale; properties the new trace
    leaves unset are cleared, so nothing stale survives (an old colour array,
    an old colour scale).
    """
    same = (len(fw.data) == len(fig.data)
            and all(a.type == b.type for a, b in zip(fw.data, fig.data)))
    with fw.batch_update():
        if same:
            for live, new in zip(fw.data, fig.data):
                new_json = new.to_plotly_json()
                new_json.pop("type", None)
                new_json.pop("uid", None)  # a FigureWidget keeps its own trace ids
                stale = {k: None for k in live.to_plotly_json()
                         if k not in new_json and k not in ("type", "uid")}
                if stale:
                    live.update(stale)
                live.update(new_json, overwrite=True)
        else:
            # Only in JupyterLab does this reliably redraw; qmlbench's builders avoid it.
            fw.data = []
            fw.add_traces(list(fig.data))
        fw.layout = fig.layout


#: What a view says when the settings changed after its result was made.
STALE_TEXT = "stale — train again (the settings changed since this was shown)"
STALE_CLASS = "qb-stale"


class Panel(W.VBox):
    """A panel over a :class:`Session`. ``controls`` maps hideable names to widgets.

    A view showing a result made with other settings calls :meth:`set_stale`: the panel
    gets the ``qb-stale`` class and its :attr:`stale_label` (``qb-stale-label``) says so."""

    css_class = ""

    def __init__(self, session: Session | None = None, spec=None, **kwargs):
        super().__init__(**kwargs)
        self.session = session if session is not None else Session(spec)
        self.controls: dict[str, W.Widget] = {}
        self._syncing = False
        if self.css_class:
            self.add_class(self.css_class)

    @property
    def spec(self):
        return self.session.spec

    @contextlib.contextmanager
    def syncing(self):
        """Controls set from the spec inside this block do not write back to it."""
        old, self._syncing = self._syncing, True
        try:
            yield
        finally:
            self._syncing = old

    def hide(self, names) -> list[str]:
        """Hide the named controls; returns the names this panel knows."""
        done = []
        for name in names:
            w = self.controls.get(name)
            if w is not None:
                w.layout.display = "none"
                done.append(name)
        return done

    def show(self, names) -> None:
        for name in names:
            w = self.controls.get(name)
            if w is not None:
                w.layout.display = None

    # --- stale results ---------------------------------------------------------
    @property
    def stale_label(self) -> W.HTML:
        label = getattr(self, "_stale_label", None)
        if label is None:
            label = self._stale_label = W.HTML("", layout=W.Layout(display="none"))
            label.add_class("qb-stale-label")
        return label

    @property
    def stale(self) -> bool:
        return STALE_CLASS in self._dom_classes

    def set_stale(self, flag: bool, *figures) -> None:
        """Mark (or unmark) what this panel shows as made with other settings."""
        label = self.stale_label
        for w in (self, *figures):
            if flag:
                w.add_class(STALE_CLASS)
            else:
                w.remove_class(STALE_CLASS)
        label.value = (f"<span style='color:#8A5300'>&#9888; {html.escape(STALE_TEXT)}</span>"
                       if flag else "")
        label.layout.display = None if flag else "none"


def message_html(text: str, kind: str = "error") -> str:
    if not text:
        return ""
    color = {"error": "#B00020", "warning": "#8A5300", "info": "#333333"}[kind]
    return f"<span style='color:{color}'>{html.escape(text, quote=False)}</span>"


def apply_or_report(panel: Panel, out: W.HTML, check=None, **sections) -> bool:
    """``session.update(**sections)``; a bad value shows its message in ``out`` and the
    controls go back to the spec's values. ``check(candidate_spec)`` may refuse more
    (by raising) before anything changes. Returns whether it applied."""
    try:
        if check is not None:
            check(panel.session.spec.replace(**sections))
        panel.session.update(**sections)
    except Exception as exc:
        out.value = message_html(error_message(exc))
        if hasattr(panel, "refresh_controls"):
            panel.refresh_controls()
        return False
    out.value = ""
    return True


# --- typed option forms ------------------------------------------------------------
# A model's hyper-parameters and a circuit block's options, one typed control per option
# (no JSON to type). Each panel describes its options as ``OptionField``s from the engine's
# registries; the form builds the controls, shows values and parses what a person entered.

@dataclass(frozen=True)
class OptionField:
    """One option: ``kind`` is "log" (positive float, log slider), "float", "int", "bool",
    "choice" (``choices``), "list" (comma-separated ``item`` values; ``single``: one value is
    stored as a plain string), "text" (free text with ``choices`` as suggestions; numbers are
    read as numbers; empty means ``default``) or "json" (the fallback)."""

    key: str
    default: object
    kind: str = "json"
    choices: tuple = ()
    help: str = ""
    label: str = ""
    item: str = "str"
    single: bool = False
    placeholder: str = ""


def _round3(value: float) -> float:
    return float(f"{value:.3g}")


def _list_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


class OptionsForm(W.VBox):
    """Typed controls for one set of options (``section`` such as "model.params").

    ``on_change(key, value)`` runs when a person changes a control; a value that cannot be
    read calls ``on_error(exc)`` with a :class:`SpecError` naming the option instead."""

    def __init__(self, section: str, on_change, on_error, style=None, css_class=None, **kwargs):
        super().__init__(**kwargs)
        self.section = section
        self.on_change = on_change
        self.on_error = on_error
        self.style = dict(style or {"description_width": "90px"})
        self.fields: dict[str, OptionField] = {}
        self.widgets: dict[str, W.Widget] = {}
        self._syncing = False
        self._signature = None
        if css_class:
            self.add_class(css_class)
        self.add_class("qb-options")

    # building ---------------------------------------------------------------------
    def set_fields(self, fields) -> None:
        """Show controls for ``fields`` (rebuilt only when the list of options changes)."""
        fields = list(fields)
        signature = tuple(fields)
        if signature == self._signature:
            return
        self._signature = signature
        self.fields = {f.key: f for f in fields}
        self.widgets = {}
        rows = []
        for f in fields:
            w = self._make(f)
            w.add_class("qb-option")
            w.add_class(f"qb-option-{f.key.replace('_', '-')}")
            tip = f"{f.key}: {f.help}" if f.help else f.key
            try:
                w.tooltip = tip
            except Exception:  # pragma: no cover - older ipywidgets
                pass
            w.disabled = self.disabled
            w.observe(lambda change, key=f.key: self._changed(key), names="value")
            self.widgets[f.key] = w
            rows.append(w)
            if f.help:
                pad = self.style.get("description_width", "90px")
                # lined up with the control, not its label
                note = W.HTML(f"<div style='font-size:11px;color:#666;line-height:1.25;"
                              f"margin:-2px 0 4px calc({pad} + 8px)'>"
                              f"{html.escape(f.help)}</div>",
                              layout=W.Layout(margin="0"))
                note.add_class("qb-option-help")
                rows.append(note)
        self.children = rows

    def _make(self, f: OptionField) -> W.Widget:
        label = f.label or f.key.replace("_", " ")
        common = dict(description=label, style=self.style)
        if f.kind == "log":
            d = float(f.default) if isinstance(f.default, (int, float)) and f.default > 0 else 1.0
            centre = round(math.log10(d))
            return W.FloatLogSlider(value=d, base=10, min=centre - 3, max=centre + 3, step=0.1,
                                    readout_format=".3g", continuous_update=False, **common)
        if f.kind == "float":
            return W.FloatText(value=float(f.default or 0.0), **common)
        if f.kind == "int":
            return W.IntText(value=int(f.default or 0), **common)
        if f.kind == "bool":
            return W.Checkbox(value=bool(f.default), indent=True, description=label,
                              style=self.style, layout=W.Layout(width="auto"))
        if f.kind == "choice":
            return W.Dropdown(options=list(f.choices), value=f.default, **common)
        if f.kind == "list":
            return W.Text(value=_list_text(f.default), continuous_update=False,
                          placeholder=f.placeholder or "values, separated by commas", **common)
        if f.kind == "text":
            return W.Combobox(value="" if f.default is None else str(f.default),
                              options=[str(c) for c in f.choices], ensure_option=False,
                              continuous_update=False,
                              placeholder=f.placeholder or ("default" if f.default is None
                                                            else str(f.default)),
                              **common)
        return W.Text(value="" if f.default is None else json.dumps(f.default),
                      continuous_update=False, placeholder=f.placeholder or "default", **common)

    @property
    def disabled(self) -> bool:
        return getattr(self, "_disabled", False)

    @disabled.setter
    def disabled(self, flag: bool) -> None:
        self._disabled = bool(flag)
        for w in self.widgets.values():
            w.disabled = self._disabled

    # values -----------------------------------------------------------------------
    def set_values(self, values: dict) -> None:
        """Show ``values`` (missing keys show their defaults); never calls ``on_change``."""
        old, self._syncing = self._syncing, True
        try:
            for key, f in self.fields.items():
                self._show(f, self.widgets[key], values.get(key, f.default))
        finally:
            self._syncing = old

    def _show(self, f: OptionField, w: W.Widget, value) -> None:
        try:
            if f.kind == "log":
                v = float(value)
                if v > 0:
                    exp = math.log10(v)
                    if exp < w.min:
                        w.min = math.floor(exp)
                    if exp > w.max:
                        w.max = math.ceil(exp)
                w.value = v
            elif f.kind == "float":
                w.value = float(value)
            elif f.kind == "int":
                w.value = int(value)
            elif f.kind == "bool":
                w.value = bool(value)
            elif f.kind == "choice":
                if value not in w.options:
                    w.options = list(w.options) + [value]
                w.value = value
            elif f.kind == "list":
                w.value = _list_text(value)
            elif f.kind == "text":
                w.value = "" if value is None else str(value)
            else:
                w.value = "" if value is None else json.dumps(value)
        except Exception:  # a value the control cannot show: fall back to its text
            if isinstance(w, (W.Text, W.Combobox)):
                w.value = str(value)

    def value_of(self, key: str):
        """The value the control for ``key`` holds, in the spec's terms; raises SpecError."""
        from ..engine.errors import SpecError

        f, w = self.fields[key], self.widgets[key]
        fld = f"{self.section}.{key}"
        raw = w.value
        if f.kind == "log":
            return _round3(float(raw))
        if f.kind == "float":
            return float(raw)
        if f.kind in ("int", "bool", "choice"):
            return raw
        text = str(raw or "").strip()
        if f.kind == "list":
            items = [t.strip() for t in text.replace(";", ",").split(",") if t.strip()]
            if not items and f.default is None:
                return None         # an optional list (e.g. no hidden layers): empty is none
            if not items:
                raise SpecError(fld, text, reason="needs at least one value (separate values "
                                                  "with commas)")
            if f.item == "int":
                try:
                    items = [int(t) for t in items]
                except ValueError:
                    raise SpecError(fld, text, reason="must be whole numbers separated by "
                                                      "commas, such as 16, 16") from None
            if f.single and len(items) == 1:
                return items[0]
            return items
        if not text:
            return f.default
        if f.kind == "text":
            try:
                return int(text) if text.lstrip("+-").isdigit() else float(text)
            except ValueError:
                return text
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            if isinstance(f.default, str):
                return text
            raise SpecError(fld, text, reason="is not a value the form can read; use a number, "
                                              "true/false or a list such as [1, 2]") from None

    def _changed(self, key: str) -> None:
        if self._syncing:
            return
        try:
            value = self.value_of(key)
        except Exception as exc:
            self.on_error(exc)
            return
        self.on_change(key, value)


def updated_options(current: dict, field: OptionField, value) -> dict:
    """``current`` with ``field`` set to ``value``; a value equal to the default is dropped
    (only non-default values are stored)."""
    out = dict(current)
    same_kind = isinstance(value, bool) == isinstance(field.default, bool)
    if value == field.default and same_kind:
        out.pop(field.key, None)
    else:
        out[field.key] = value
    return out
