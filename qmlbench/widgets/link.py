"""The shareable link: the whole spec in the URL's query string, and back.

``?spec=<urlsafe base64 of compact JSON>`` reopens the dashboard in the same
state; ``&hide=noise,shots`` hides controls for a simpler screen and
``?preset=moons_vqc`` starts from a teaching preset. Voila hands the page's
query string to the kernel as the environment variable ``QUERY_STRING``.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from urllib.parse import parse_qs, urlencode

from ..engine.errors import SpecError
from ..engine.spec import ExperimentSpec


def encode_spec(spec: ExperimentSpec) -> str:
    """URL-safe base64 (no padding) of the spec's compact JSON."""
    text = json.dumps(spec.to_dict(), separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def decode_spec(token: str) -> ExperimentSpec:
    """Inverse of :func:`encode_spec`; also accepts the JSON itself. Raises ``SpecError``."""
    token = (token or "").strip()
    if token.startswith("{"):
        return ExperimentSpec.from_json(token)
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        shown = token if len(token) < 40 else token[:37] + "..."
        raise SpecError("link.spec", shown,
                        reason="is not a qmlbench link (expected base64 of the spec's JSON)") from None
    return ExperimentSpec.from_json(text)


def share_query(spec: ExperimentSpec, hide=()) -> str:
    """``?spec=...`` (plus ``&hide=...``) for ``spec``: append it to the dashboard's URL."""
    params = {"spec": encode_spec(spec)}
    if hide:
        params["hide"] = ",".join(hide)
    return "?" + urlencode(params)


def parse_query(query: str | None = None) -> dict:
    """``{"spec": ExperimentSpec | None, "preset": str | None, "hide": [names]}`` from a
    query string (``"?spec=...&hide=a,b"``, with or without ``?``); ``None`` reads the
    ``QUERY_STRING`` environment variable Voila sets."""
    from .presets import PRESETS, preset_spec

    if query is None:
        query = os.environ.get("QUERY_STRING", "")
    query = (query or "").lstrip("?")
    params = parse_qs(query, keep_blank_values=False)
    out = {"spec": None, "preset": None, "hide": []}
    if "preset" in params:
        name = params["preset"][-1]
        if name not in PRESETS:
            raise SpecError("link.preset", name, sorted(PRESETS), reason="is not a known preset")
        out["preset"] = name
        out["spec"] = preset_spec(name)
    if "spec" in params:
        out["spec"] = decode_spec(params["spec"][-1])
    for value in params.get("hide", []):
        out["hide"] += [h.strip() for h in value.split(",") if h.strip()]
    return out
