"""The Workbench app: every panel over one shared session (one state for the screen)."""

from __future__ import annotations

import ipywidgets as W

from ..engine.errors import SpecError
from ..engine.state import WorkbenchState
from ._common import Panel
from .boundary import DecisionBoundary
from .circuit import CircuitComposer
from .compare import ComparePanel
from .data import DataPanel
from .experiment import ExperimentPanel
from .inside import InsidePanel
from .kernel import KernelView
from .link import parse_query
from .model import ModelPanel
from .plateau import PlateauExplorer
from .session import Session
from .training import TrainingMonitor

#: Column widths of the main row: 420 + 2 x 440 px and margins fit a 1400 px screen
#: (plots are 440 px wide, see ``qmlbench.viz._style.WIDTH``).
SETTINGS_WIDTH = "420px"
PLOT_COLUMN_WIDTH = "440px"
COLUMN_MARGIN = "0 10px 8px 0"

#: Whole panels a teacher can hide (short aliases where they do not clash with a control).
PANEL_NAMES = {
    "data_panel": "data", "circuit_panel": "circuit", "model_panel": "model",
    "experiment_panel": "experiment", "experiment": "experiment",
    "kernel_panel": "kernel", "kernel": "kernel", "compare_panel": "compare",
    "compare": "compare", "plateau_panel": "plateau", "plateau": "plateau",
    "boundary_panel": "boundary", "boundary": "boundary",
    "inside_panel": "inside", "inside": "inside",
}


class Workbench(W.VBox):
    """``Workbench(spec=None, hide=())``: the whole app. ``spec`` is an ``ExperimentSpec``,
    a dict or JSON text; ``hide`` names controls (``noise``, ``shots``, ...) or panels
    (``compare``, ``plateau``, ...) to leave off the screen; see :attr:`hideable`.
    ``state`` (a :class:`~qmlbench.engine.state.WorkbenchState`, its dict or JSON) sets the
    whole screen at once: spec, hidden controls, plateau study, Compare baseline."""

    def __init__(self, spec=None, hide=(), session: Session | None = None, state=None):
        super().__init__()
        self.add_class("qb-workbench")
        self.session = session if session is not None else Session()
        if state is not None:
            self.session.set_state(state)
        if spec is not None:
            self.session.set_spec(spec)
        s = self.session
        self.data = DataPanel(s)
        self.circuit = CircuitComposer(s)
        self.model = ModelPanel(s)
        self.training = TrainingMonitor(s)
        self.boundary = DecisionBoundary(s)
        self.kernel = KernelView(s)
        self.compare = ComparePanel(s)
        self.experiment = ExperimentPanel(s)
        self.plateau = PlateauExplorer(session=s)
        self.inside = InsidePanel(s)
        self.panels = {"data": self.data, "circuit": self.circuit, "model": self.model,
                       "training": self.training, "boundary": self.boundary,
                       "kernel": self.kernel, "compare": self.compare,
                       "experiment": self.experiment, "plateau": self.plateau,
                       "inside": self.inside}
        self._settings_tabs = [("Data", "data"), ("Circuit", "circuit"), ("Model", "model"),
                               ("Experiment", "experiment")]
        self._result_tabs = [("Inside", "inside"), ("Kernel", "kernel"), ("Compare", "compare"),
                             ("Barren plateaus", "plateau")]
        self._hidden_controls: set[str] = set()
        self.settings = W.Tab(layout=W.Layout(width=SETTINGS_WIDTH, margin=COLUMN_MARGIN,
                                              flex="0 0 auto"))
        self.settings.add_class("qb-settings")
        self.results = W.Tab()
        self.results.add_class("qb-results")
        self.header = W.HTML("<h3 style='margin:4px 0'>qmlbench: quantum machine learning "
                             "workbench</h3>")
        # Where a visitor looks first: what was wrong with the link that opened the page.
        self.notice = W.HTML()
        self.notice.add_class("qb-notice")
        self.session.listen("state", self._on_state)
        self._check_hide(self.session.state.hide)
        self._apply_hide()
        if hide:
            self.hide(hide)

    # --- construction from a link ------------------------------------------
    @classmethod
    def from_query(cls, query_string: str | None = None, hide=()) -> "Workbench":
        """A workbench in the state a shared link describes (``?spec=...&hide=...`` or
        ``?preset=name``); ``None`` reads ``QUERY_STRING``, which Voila sets. A bad link
        opens the default experiment and says why in the Experiment panel."""
        try:
            parsed = parse_query(query_string)
            error = None
        except Exception as exc:
            parsed, error = {"state": None, "hide": []}, exc
        hidden = list(hide) + [h for h in parsed["hide"] if h not in hide]
        known = set(cls.hideable_names())
        bad = [h for h in hidden if h not in known]
        hidden = [h for h in hidden if h in known]
        state = parsed["state"] if parsed["state"] is not None else WorkbenchState()
        wb = cls(state=state.replace(hide=hidden))
        if error is not None or bad:
            from ._common import message_html
            from .session import error_message

            text = error_message(error) if error is not None else \
                f"link.hide: {', '.join(bad)} not known; ignored"
            wb.experiment.message.value = message_html(f"link: {text}")
            wb.notice.value = message_html(f"This link could not be opened as it is ({text}); "
                                           f"showing the default experiment instead.")
        return wb

    # --- state ---------------------------------------------------------------
    @property
    def spec(self):
        return self.session.spec

    @property
    def state(self) -> WorkbenchState:
        """The whole screen as data (spec, hidden controls, plateau study, baseline)."""
        return self.session.state

    def load_spec(self, spec) -> None:
        """Show ``spec`` (an ``ExperimentSpec``, dict or JSON text) on every panel."""
        self.session.set_spec(spec)

    def load_state(self, state) -> None:
        """Show a whole ``WorkbenchState`` (or its dict or JSON); unknown hide names raise."""
        state = WorkbenchState.from_json(state) if isinstance(state, str) \
            else WorkbenchState.from_dict(state)
        self._check_hide(state.hide)
        self.session.set_state(state)

    def apply_preset(self, name: str) -> None:
        self.experiment.apply_preset(name)

    def train(self):
        return self.session.train()

    def stop(self) -> None:
        self.session.stop()

    def wait(self, timeout: float | None = None) -> bool:
        return self.session.wait(timeout)

    # --- hiding ---------------------------------------------------------------
    @classmethod
    def hideable_names(cls) -> list[str]:
        names = set(PANEL_NAMES)
        names.update(["dataset", "n_samples", "noise", "test_size", "seed",
                      "feature_map", "feature_map_reps", "feature_map_entanglement",
                      "feature_map_options", "ansatz", "ansatz_reps", "ansatz_entanglement",
                      "ansatz_options", "num_qubits", "model", "model_params", "optimizer",
                      "maxiter", "learning_rate", "shots", "noise_model", "reset", "progress", "loss",
                      "preset", "spec", "import", "upload", "download", "link", "baseline"])
        return sorted(names)

    @property
    def hideable(self) -> list[str]:
        return self.hideable_names()

    @property
    def hidden(self) -> list[str]:
        """What is hidden, from the state: panel keys (``kernel``) and control names."""
        out = []
        for name in self.session.state.hide:
            key = PANEL_NAMES.get(name, name)
            if key not in out:
                out.append(key)
        return out

    def _check_hide(self, names) -> None:
        known = set(self.hideable_names())
        for name in names:
            if name not in known:
                raise SpecError("hide", name, self.hideable_names(),
                                reason="is not a control or panel name")

    def hide(self, names) -> None:
        """Hide controls or panels by name; an unknown name raises ``SpecError``."""
        names = [names] if isinstance(names, str) else list(names)
        self._check_hide(names)
        current = self.session.state.hide
        self.session.update_state(hide=current + [n for n in names if n not in current])

    def _on_state(self, parts, state):
        if "hide" in parts:
            self._apply_hide()

    def _apply_hide(self) -> None:
        """Panels and controls on or off the screen as the state's ``hide`` says."""
        controls = {n for n in self.session.state.hide if n not in PANEL_NAMES}
        for panel in self.panels.values():
            if isinstance(panel, Panel):
                shown_again = [n for n in self._hidden_controls - controls if n in panel.controls]
                if shown_again:
                    panel.show(shown_again)
                newly = [n for n in controls - self._hidden_controls if n in panel.controls]
                if newly:
                    panel.hide(newly)
        self._hidden_controls = controls
        self._layout()

    def _layout(self) -> None:
        def tabs(tab, entries):
            shown = [(title, key) for title, key in entries if key not in self.hidden]
            tab.children = [self.panels[key] for _, key in shown]
            for i, (title, _) in enumerate(shown):
                tab.set_title(i, title)
            tab.layout.display = None if shown else "none"

        tabs(self.settings, self._settings_tabs)
        tabs(self.results, self._result_tabs)
        # Three columns (settings, training monitor, decision boundary) in one row on a
        # 1400 px screen; on a narrower one the row wraps, column by column.
        # On a phone (390 px) the columns stack, each no wider than the screen; what is
        # wider inside (a plot) scrolls sideways in its column instead of being cut off.
        for panel in (self.training, self.boundary):
            panel.layout.width = PLOT_COLUMN_WIDTH
            panel.layout.margin = COLUMN_MARGIN
            panel.layout.flex = "0 1 auto"
            panel.layout.max_width = "100%"
            panel.layout.overflow = "auto"
        self.settings.layout.max_width = "100%"
        self.settings.layout.flex = "0 1 auto"
        self.settings.layout.overflow = "auto"
        self.results.layout.max_width = "100%"
        self.results.layout.overflow = "auto"
        self.layout.max_width = "100%"
        main = W.Box([self.settings, self.training,
                      *([self.boundary] if "boundary" not in self.hidden else [])],
                     layout=W.Layout(display="flex", flex_flow="row wrap",
                                     align_items="flex-start", width="100%", max_width="100%"))
        main.add_class("qb-main-row")
        self.children = [self.header, self.notice, main, self.results]
