"""Experiment panel: the whole state as JSON (export, download, import), presets, a link."""

from __future__ import annotations

import base64
import html
import json

import ipywidgets as W

from ..engine.spec import ExperimentSpec
from ..engine.state import WorkbenchState, is_state_dict
from ._common import Panel, message_html
from .link import share_query
from .presets import PRESETS, preset_spec
from .session import error_message

NO_PRESET = ""


class ExperimentPanel(Panel):
    """Hideable controls: ``preset``, ``spec``, ``import``, ``upload``, ``download``, ``link``.

    ``spec_text`` (class ``qb-spec``) always shows the current spec as JSON; edit
    it and press Import (``qb-import``) to load it. Choosing a preset
    (``qb-preset``) replaces the whole spec. ``download`` carries the spec,
    ``state_download`` (``qb-download-state``) the whole screen's state (spec, hidden
    controls, plateau study, Compare baseline); Import and Open file take either, and
    the link (``qb-link-text``) carries the whole state.
    """

    css_class = "qb-experiment-panel"

    def __init__(self, session=None, spec=None, hidden=()):
        super().__init__(session, spec)
        if hidden:
            self.session.update_state(hide=list(hidden))
        style = {"description_width": "90px"}
        self.preset = W.Dropdown(options=[("choose a preset…", NO_PRESET)]
                                 + [(label, name) for name, (label, _) in PRESETS.items()],
                                 value=NO_PRESET, description="preset", style=style,
                                 layout=W.Layout(width="375px"))
        self.preset.add_class("qb-preset")
        self.spec_text = W.Textarea(value=self.spec.to_json(), rows=18,
                                    layout=W.Layout(width="375px"))
        self.spec_text.add_class("qb-spec")
        self.import_button = W.Button(description="Import", icon="upload",
                                      tooltip="load the JSON above",
                                      layout=W.Layout(width="110px"))
        self.import_button.add_class("qb-import")
        self.upload = W.FileUpload(accept=".json,application/json", multiple=False,
                                   description="Open file", layout=W.Layout(width="140px"))
        self.upload.add_class("qb-upload")
        self.download = W.HTML()
        self.download.add_class("qb-download")
        self.state_download = W.HTML()
        self.state_download.add_class("qb-download-state")
        self.link = W.HTML()
        self.link.add_class("qb-link")
        self.link_text = W.Text(description="link", style=style, layout=W.Layout(width="375px"))
        self.link_text.add_class("qb-link-text")
        self.message = W.HTML()
        self.message.add_class("qb-spec-error")
        self.controls = {"preset": self.preset, "spec": self.spec_text,
                         "import": self.import_button, "upload": self.upload,
                         "download": self.download, "link": self.link_text}
        self.preset.observe(self._on_preset, names="value")
        self.import_button.on_click(lambda _b: self.import_json(self.spec_text.value))
        self.upload.observe(self._on_upload, names="value")
        self.session.listen("spec", lambda old, new: self.refresh())
        self.session.listen("state", lambda parts, state: self.refresh())
        self.children = [self.preset, self.spec_text,
                         W.HBox([self.import_button, self.upload, self.download,
                                 self.state_download],
                                layout=W.Layout(align_items="center")),
                         self.message, self.link_text, self.link]
        self.refresh()

    @property
    def link_hide(self) -> list[str]:
        """The hidden controls the link carries: the state's ``hide``."""
        return list(self.session.state.hide)

    def refresh(self):
        spec = self.spec
        text = spec.to_json()
        self.spec_text.value = text
        self.download.value = _data_link(text, "qmlbench-experiment.json", "Download JSON",
                                         "qb-download-link")
        self.state_download.value = _data_link(
            self.session.state.to_json(), "qmlbench-workbench.json", "Download workbench",
            "qb-download-state-link")
        query = share_query(self.session.state)
        self.link_text.value = query
        # A relative link keeps the page's own address and swaps the query: works in
        # JupyterLab, Voila and Binder alike.
        hint = ("" if self.link_text.layout.display == "none"
                else " <small>(add the text above to the dashboard's address)</small>")
        self.link.value = (f"<a href='{html.escape(query, quote=True)}' target='_blank' "
                           f"class='qb-link-anchor'>Link to this experiment</a>{hint}")

    def hide(self, names) -> list[str]:
        done = super().hide(names)
        if "spec" in names:
            # Import loads the text above; with no text to edit there is nothing to import
            # (a file can still be opened with the upload button).
            self.import_button.layout.display = "none"
        self.refresh()
        return done

    def import_json(self, text: str) -> ExperimentSpec | None:
        """Load a spec, or a whole workbench state, from JSON text; a bad one leaves the
        screen as it was and says why. Returns the spec now shown."""
        try:
            state = WorkbenchState.from_json(text)
            if is_state_dict(json.loads(text)):
                self.session.set_state(state)
            else:  # a bare spec: the rest of the screen stays as it is
                self.session.set_spec(state.spec)
            spec = self.session.spec
        except Exception as exc:
            self.message.value = message_html(f"import: {error_message(exc)}")
            return None
        self.message.value = message_html("imported", "info")
        self.refresh()
        return spec

    def apply_preset(self, name: str) -> ExperimentSpec:
        spec = preset_spec(name)
        self.session.set_spec(spec)
        self.message.value = message_html(f"preset: {PRESETS[name][0]}", "info")
        return spec

    def _on_preset(self, change):
        if self._syncing or change["new"] == NO_PRESET:
            return
        try:
            self.apply_preset(change["new"])
        except Exception as exc:
            self.message.value = message_html(f"preset: {error_message(exc)}")

    def _on_upload(self, change):
        files = change["new"]
        if not files:
            return
        item = files[0] if isinstance(files, (list, tuple)) else next(iter(files.values()))
        content = item["content"] if isinstance(item, dict) else item.content
        try:
            text = bytes(content).decode("utf-8")
        except UnicodeDecodeError:
            self.message.value = message_html("import: the file is not UTF-8 text")
            return
        self.import_json(text)


def _data_link(text: str, filename: str, label: str, css: str) -> str:
    # A data: link downloads in JupyterLab and Voila alike, with no server route.
    data = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return (f"<a download='{filename}' href='data:application/json;base64,{data}' "
            f"class='{css}' style='white-space:nowrap'>{label}</a>")
