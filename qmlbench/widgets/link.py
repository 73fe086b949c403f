"""The shareable link: the whole screen's state in the URL's query string, and back.

``?spec=<urlsafe base64 of compact JSON>`` reopens the dashboard in the same state.
The JSON is the workbench state (:class:`~qmlbench.engine.state.WorkbenchState`: the
spec, the plateau study, the Compare baseline) or, when all but the spec is at its
default, the spec alone, as links have always held (those still open).
``&hide=noise,shots`` hides controls for a simpler screen and ``?preset=moons_vqc``
starts from a teaching preset. Voila hands the page's query string to the kernel as
the environment variable ``QUERY_STRING``.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from urllib.parse import parse_qs, urlencode

from ..engine.errors import SpecError
from ..engine.spec import ExperimentSpec
from ..engine.state import WorkbenchState
from .presets import PRESETS, preset_spec


def _token(data: dict) -> str:
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def encode_spec(spec: ExperimentSpec) -> str:
    """URL-safe base64 (no padding) of the spec's compact JSON."""
    return _token(spec.to_dict())


def encode_state(state: WorkbenchState) -> str:
    """The token of ``?spec=`` for a whole state (its hidden controls travel in ``&hide=``):
    the spec alone when nothing else differs from the default."""
    state = state.replace(hide=[])
    if state.is_default_beyond_spec:
        return encode_spec(state.spec)
    data = state.to_dict()
    data.pop("hide")
    return _token(data)


def decode_state(token: str) -> WorkbenchState:
    """Inverse of :func:`encode_state` (and of :func:`encode_spec`: an old, spec-only
    token opens as a state with that spec); also accepts the JSON itself. Raises
    ``SpecError``."""
    token = (token or "").strip()
    if token.startswith("{"):
        return WorkbenchState.from_json(token)
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        shown = token if len(token) < 40 else token[:37] + "..."
        raise SpecError("link.spec", shown,
                        reason="is not a qmlbench link (expected base64 of the spec's JSON)") from None
    return WorkbenchState.from_json(text)


def decode_spec(token: str) -> ExperimentSpec:
    """The spec of a link token (old or new); raises ``SpecError``."""
    return decode_state(token).spec


def share_query(spec_or_state, hide=()) -> str:
    """``?spec=...`` (plus ``&hide=...``) for a spec or a whole state: append it to the
    dashboard's URL. A state's own hidden controls come first, then ``hide``."""
    if isinstance(spec_or_state, WorkbenchState):
        token = encode_state(spec_or_state)
        hidden = list(spec_or_state.hide) + [h for h in hide if h not in spec_or_state.hide]
    else:
        token, hidden = encode_spec(spec_or_state), list(hide)
    params = {"spec": token}
    if hidden:
        params["hide"] = ",".join(hidden)
    return "?" + urlencode(params)


def parse_query(query: str | None = None) -> dict:
    """``{"spec": ExperimentSpec | None, "state": WorkbenchState | None, "preset": str | None,
    "hide": [names]}`` from a query string (``"?spec=...&hide=a,b"``, with or without
    ``?``); ``None`` reads the ``QUERY_STRING`` environment variable Voila sets. ``state``
    holds everything the link carries but the hidden controls (they are in ``hide``)."""
    if query is None:
        query = os.environ.get("QUERY_STRING", "")
    query = (query or "").lstrip("?")
    params = parse_qs(query, keep_blank_values=False)
    out = {"spec": None, "state": None, "preset": None, "hide": []}
    if "preset" in params:
        name = params["preset"][-1]
        if name not in PRESETS:
            raise SpecError("link.preset", name, sorted(PRESETS), reason="is not a known preset")
        out["preset"] = name
        out["state"] = WorkbenchState(spec=preset_spec(name))
    if "spec" in params:
        out["state"] = decode_state(params["spec"][-1])
    for value in params.get("hide", []):
        out["hide"] += [h.strip() for h in value.split(",") if h.strip()]
    if out["state"] is not None:
        out["hide"] = list(out["state"].hide) + [h for h in out["hide"]
                                                 if h not in out["state"].hide]
        out["state"] = out["state"].replace(hide=[])
        out["spec"] = out["state"].spec
    return out
