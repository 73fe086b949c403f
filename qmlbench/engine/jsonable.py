"""The one "to plain JSON" helper: what the engine writes (specs, results, metadata, saved runs)
goes through :func:`plain`, so NaN, numpy values and tuples are handled one way everywhere."""

from __future__ import annotations

import math

import json

import numpy as np

from .errors import SpecError

__all__ = ["plain", "parse"]


def plain(obj):
    """A JSON-safe copy of ``obj``: numpy arrays and scalars become lists and Python numbers,
    tuples become lists, NaN and infinities become None, complex numbers ``[real, imag]``,
    mapping keys strings; objects with ``to_dict`` and dataclasses become dicts; anything
    else its ``repr``."""
    if obj is None or isinstance(obj, (str, bool, int)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return plain(obj.tolist())
    if isinstance(obj, np.generic):
        return plain(obj.item())
    if isinstance(obj, complex):
        return [plain(obj.real), plain(obj.imag)]
    if hasattr(obj, "to_dict"):
        return plain(obj.to_dict())
    if hasattr(obj, "__dataclass_fields__"):
        return plain({k: getattr(obj, k) for k in obj.__dataclass_fields__})
    return repr(obj)


def parse(text, what: str):
    """JSON text as data, or a :class:`SpecError` naming ``what`` (``"spec"``, ``"state"``)
    with the start of the text and the parser's reason."""
    try:
        return json.loads(text)
    except (json.JSONDecodeError, TypeError) as exc:
        shown = text if len(str(text)) < 60 else str(text)[:57] + "..."
        raise SpecError(what, shown, reason=f"is not valid JSON ({exc})") from None
