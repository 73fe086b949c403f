"""Circuit composer: feature map and ansatz pickers; the diagram and facts update live."""

from __future__ import annotations

import html
import threading

import ipywidgets as W

from .. import viz
from ..engine import circuits as _circuits
from ..engine import insight as _insight
from ._common import Panel, apply_or_report, message_html, updated_options
from .schema_form import SchemaForm, fields_for
from .inside import badges_html
from .session import error_message

#: Seconds the badges wait for the circuit to settle before they are measured.
BADGE_DEBOUNCE_S = 0.15


def circuit_warnings(spec, facts: dict) -> list[str]:
    """Plain-words warnings for choices known to be hard (the engine's rules)."""
    from ..engine.models import compat

    return compat.circuit_warnings(spec, facts)


def block_fields(kind: str, name: str):
    """Typed controls for the options of feature map or ansatz ``name``, from its schema."""
    from ..engine import circuits

    registry = circuits.FEATURE_MAPS if kind == "feature_map" else circuits.ANSATZE
    block = registry.get(name)
    return fields_for(block.schema if block is not None else None)


class CircuitComposer(Panel):
    """Hideable controls: ``feature_map``, ``feature_map_reps``, ``feature_map_entanglement``,
    ``feature_map_options``, ``ansatz``, ``ansatz_reps``, ``ansatz_entanglement``,
    ``ansatz_options``, ``reuploading``, ``num_qubits``."""

    css_class = "qb-circuit-composer"

    def __init__(self, session=None, spec=None):
        super().__init__(session, spec)
        from ..engine import circuits

        s = self.spec
        style = {"description_width": "100px"}
        fm, an = s.circuit.feature_map, s.circuit.ansatz
        (self.feature_map, self.fm_reps, self.fm_entanglement,
         self.fm_options) = self._block_controls("feature_map", circuits.FEATURE_MAPS, fm, 6, style)
        (self.ansatz, self.an_reps, self.an_entanglement,
         self.an_options) = self._block_controls("ansatz", circuits.ANSATZE, an, 10, style)
        # data re-uploading (encoding and ansatz interleaved L times): the engine's schema
        self.reuploading = SchemaForm("circuit.reuploading", self._on_reupload,
                                      self._on_option_error, style=style,
                                      css_class="qb-reuploading")
        self.reuploading.set_fields(fields_for(circuits.REUPLOADING))
        self.reuploading.set_values(s.circuit.reupload)
        self.num_qubits = W.Dropdown(options=[("one per feature", 0)]
                                     + [(str(n), n) for n in range(1, 17)],
                                     value=s.circuit.num_qubits or 0, description="qubits",
                                     style=style)
        self.num_qubits.add_class("qb-num-qubits")
        self.error = W.HTML()
        self.error.add_class("qb-circuit-error")
        self.warning = W.HTML()
        self.warning.add_class("qb-circuit-warning")
        self.facts = W.HTML()
        self.facts.add_class("qb-circuit-facts")
        # no wider than its column, so the drawing scrolls inside it instead of being cut
        self._init_badges()
        self.diagram = W.HTML(layout=W.Layout(max_width="100%", overflow="auto"))
        self.diagram.add_class("qb-circuit")
        self.note = W.HTML()
        self.circuit = None
        self.controls = {
            "feature_map": self.feature_map, "feature_map_reps": self.fm_reps,
            "feature_map_entanglement": self.fm_entanglement,
            "feature_map_options": self.fm_options, "ansatz": self.ansatz,
            "ansatz_reps": self.an_reps, "ansatz_entanglement": self.an_entanglement,
            "ansatz_options": self.an_options, "reuploading": self.reuploading,
            "num_qubits": self.num_qubits,
        }
        for name, w in self.controls.items():
            if name not in ("feature_map_options", "ansatz_options", "reuploading"):  # forms
                w.observe(self._on_control, names="value")
        self.session.listen("spec", self._on_spec)
        self.ansatz_box = W.VBox([W.HTML("<b>Ansatz</b>"), self.ansatz, self.an_reps,
                                  self.an_entanglement, self.an_options, self.reuploading])
        self.children = [W.HTML("<b>Feature map</b>"), self.feature_map, self.fm_reps,
                         self.fm_entanglement, self.fm_options, self.ansatz_box, self.num_qubits,
                         self.error, self.warning, self.note, self.facts, self.badges,
                         self.diagram]
        self.redraw()

    # --- the badges: measured in the background, the latest circuit only -------------
    def _init_badges(self):
        self.badges = W.HTML()
        self.badges.add_class("qb-circuit-badges")
        self.last_badges = None
        self._badge_generation = 0
        self._badge_timer = None
        self._badge_lock = threading.Lock()
        self.badges_done = threading.Event()

    def schedule_badges(self):
        """Measure the current circuit's badges after ``BADGE_DEBOUNCE_S`` (a newer change
        cancels an older one; a result for an older circuit is never shown)."""
        from ..engine import models

        entry = models.MODELS.get(self.spec.model.name)
        with self._badge_lock:
            self._badge_generation += 1
            generation = self._badge_generation
            if self._badge_timer is not None:
                self._badge_timer.cancel()
            self.badges_done.clear()
            if entry is not None and not entry.quantum:
                self.badges.value = ""
                self.badges_done.set()
                return
            self.badges.value = badges_html(None)
            self._badge_timer = threading.Timer(BADGE_DEBOUNCE_S, self._measure_badges,
                                                args=(generation, self.spec))
            self._badge_timer.daemon = True
            self._badge_timer.start()

    def _measure_badges(self, generation, spec):
        try:
            badges, text = _insight.spec_badges(spec), None
        except Exception as exc:  # noqa: BLE001 - shown in the badge line, never lost
            note = error_message(exc)
            badges, text = None, message_html(f"badges: {note}")
        with self._badge_lock:
            if generation != self._badge_generation:
                return  # the circuit changed while this one was measured
            self.last_badges = badges
            self.badges.value = text or badges_html(badges)
            self.badges_done.set()
        # announced either way: without it the Inside tab said "measuring expressibility…"
        # for ever after a circuit that cannot be built
        self.session.emit("insight", spec=spec, badges=badges if badges is not None else
                          _insight.LiveBadges("circuit", 0, None, reason=f"no badges: {note}"))

    def _block_controls(self, kind, registry, block, max_reps, style):
        """Picker, reps, entanglement and one typed control per option for one block."""
        label = kind.replace("_", " ")
        css = kind.replace("_", "-")
        picker = W.Dropdown(options=list(registry), value=block.name, description=label,
                            style=style)
        picker.add_class(f"qb-{css}")
        # reps and entanglement: the engine's own Options say the span and the choices
        reps_opt, ent_opt = _circuits.REPS, _circuits.ENTANGLEMENT
        reps = W.IntSlider(value=block.reps, min=reps_opt.low,
                           max=max(max_reps, block.reps),
                           description="reps", continuous_update=False, style=style,
                           tooltip=reps_opt.help)
        reps.add_class(f"qb-{css}-reps")
        entanglement = W.Dropdown(options=list(ent_opt.choices), value=block.entanglement,
                                  description="entanglement", style=style, tooltip=ent_opt.help)
        # One typed control per option of the selected block, generated from its schema.
        options = SchemaForm(f"circuit.{kind}.options",
                             lambda k, v: self._on_option(kind, k, v),
                             self._on_option_error, style=style,
                             css_class=f"qb-{css}-options")
        options.set_fields(block_fields(kind, block.name))
        options.set_values(block.options)
        return picker, reps, entanglement, options

    def _on_control(self, change):
        if self._syncing:
            return
        c = self.spec.circuit
        fm_options, an_options = dict(c.feature_map.options), dict(c.ansatz.options)
        # A new block name starts from that block's own defaults, not the old block's options.
        if change["owner"] is self.feature_map:
            fm_options = {}
        if change["owner"] is self.ansatz:
            an_options = {}
        self._apply(fm_options, an_options)

    def _on_option(self, kind, key, value):
        """An option control changed: store it (only when it differs from its default)."""
        if self._syncing:
            return
        c = self.spec.circuit
        fm_options, an_options = dict(c.feature_map.options), dict(c.ansatz.options)
        if kind == "feature_map":
            fm_options = updated_options(fm_options, self.fm_options.fields[key], value)
        else:
            an_options = updated_options(an_options, self.an_options.fields[key], value)
        self._apply(fm_options, an_options)

    def _on_reupload(self, key, value):
        if self._syncing:
            return
        current = dict(self.spec.circuit.reuploading or {})
        new = updated_options(current, self.reuploading.fields[key], value)
        c = self.spec.circuit
        self._apply(dict(c.feature_map.options), dict(c.ansatz.options), reuploading=new or None)

    def _on_option_error(self, exc):
        self.error.value = message_html(error_message(exc))

    def _apply(self, fm_options, an_options, **more):
        # The spec's validation says what is wrong (names, values, what does not fit the
        # width); nothing is built to find out.
        apply_or_report(self, self.error, circuit={**more,
            "num_qubits": self.num_qubits.value or None,
            "feature_map": {"name": self.feature_map.value, "reps": int(self.fm_reps.value),
                            "entanglement": self.fm_entanglement.value, "options": fm_options},
            "ansatz": {"name": self.ansatz.value, "reps": int(self.an_reps.value),
                       "entanglement": self.an_entanglement.value, "options": an_options},
        })

    def refresh_controls(self):
        c = self.spec.circuit
        with self.syncing():
            _set_block("feature_map", c.feature_map, self.feature_map, self.fm_reps,
                       self.fm_entanglement, self.fm_options)
            _set_block("ansatz", c.ansatz, self.ansatz, self.an_reps, self.an_entanglement,
                       self.an_options)
            self.reuploading.set_values(c.reupload)
            self.num_qubits.value = c.num_qubits or 0

    def _on_spec(self, old, new):
        self.refresh_controls()
        o, n = old.to_dict(), new.to_dict()
        if (o["circuit"] != n["circuit"] or o["model"] != n["model"]
                or o["dataset"]["name"] != n["dataset"]["name"]):
            self.redraw()

    def _num_features(self) -> int:
        ds = self.session.dataset
        if ds is not None:
            return int(ds.X_train.shape[1])
        from ..engine import datasets

        return int(getattr(datasets.DATASETS.get(self.spec.dataset.name), "num_features", 2))

    def redraw(self):
        from ..engine import circuits, models

        s = self.spec
        entry = models.MODELS.get(s.model.name)
        uses_ansatz = bool(getattr(entry, "uses_ansatz", True))
        quantum = bool(getattr(entry, "quantum", True))
        for w in (self.ansatz, self.an_reps, self.an_entanglement, self.an_options):
            w.disabled = not uses_ansatz
        for w in self.reuploading.widgets.values():
            w.disabled = not uses_ansatz
        fm_block = circuits.FEATURE_MAPS.get(s.circuit.feature_map.name)
        an_block = circuits.ANSATZE.get(s.circuit.ansatz.name)
        self.fm_entanglement.disabled = not getattr(fm_block, "uses_entanglement", True)
        if uses_ansatz:
            self.an_entanglement.disabled = not getattr(an_block, "uses_entanglement", True)
        reason = (_insight.live.no_circuit_reason(entry, self.session.dataset)
                  if entry is not None else None)
        if reason is not None:
            # quantum data: the spec's feature map over the amplitude columns (32 qubits for
            # 4-qubit states) is no circuit of the model; building it showed a red "too many
            # qubits" error for a preset that trains, and measured no badges for the Inside tab
            self.error.value = self.warning.value = self.facts.value = self.diagram.value = ""
            self.circuit = None
            self.note.value = message_html(f"{s.model.name}: {reason}.", "info")
            self.schedule_badges()
            return
        try:
            fm, an = circuits.from_spec(s.circuit, self._num_features())
            circuit = circuits.compose(fm, an, **s.circuit.reupload) if uses_ansatz else fm
            facts = circuits.circuit_facts(circuit)
        except Exception as exc:
            self.error.value = message_html(error_message(exc))
            self.circuit = None
            self.schedule_badges()   # they fail the same way, and say so on the Inside tab
            return
        self.error.value = ""
        self.circuit = circuit
        if not quantum:
            self.note.value = message_html(
                f"{s.model.name} is a classical model: it does not use this circuit.", "info")
        elif not uses_ansatz:
            self.note.value = message_html(
                f"{s.model.name} is a kernel model: it uses the feature map only.", "info")
        else:
            self.note.value = ""
        shown = {k: v for k, v in facts.items() if k != "gate_counts"}
        gates = facts.get("gate_counts") or {}
        if gates:
            shown["gates"] = ", ".join(f"{k} {v}" for k, v in gates.items())
        self.facts.value = viz.facts_html(shown)
        self.schedule_badges()
        warnings = circuit_warnings(s, facts)
        self.warning.value = "".join(
            f"<div class='qb-warning'>&#9888; {html.escape(w)}</div>" for w in warnings)
        self.diagram.value = _diagram_html(circuit)


#: Past this many instructions the picture would be megabytes of SVG: text only.
_MAX_PICTURE_INSTRUCTIONS = 800


def _diagram_html(circuit) -> str:
    """The circuit as a picture that fits the panel, with qiskit's text drawing folded
    underneath (and alone when the picture cannot be drawn or would be too large)."""
    text = viz.circuit_html(circuit)
    if len(circuit.data) > _MAX_PICTURE_INSTRUCTIONS:
        return text
    try:
        picture = viz.circuit_svg_html(circuit, max_width_px=360)  # the settings column
    except Exception:  # noqa: BLE001 - the text drawing is always there to fall back on
        return text
    return (picture + "<details class='qb-circuit-text'><summary>text drawing</summary>"
            + text + "</details>")


def _set_block(kind, block, picker, reps, entanglement, options) -> None:
    """Show one block of the spec (feature map or ansatz) in its controls."""
    picker.value = block.name
    reps.max = max(reps.max, block.reps)
    reps.value = block.reps
    entanglement.value = block.entanglement
    options.set_fields(block_fields(kind, block.name))
    options.set_values(block.options)
