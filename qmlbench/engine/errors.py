"""Errors that users see. Each message names the field, the value and what is allowed."""

from __future__ import annotations


class QmlbenchError(Exception):
    """Base of every error qmlbench raises on purpose."""


class SpecError(QmlbenchError, ValueError):
    """A setting that is not allowed. ``field`` is a dotted path such as ``model.name``."""

    def __init__(self, field: str, value, allowed=None, reason: str | None = None):
        self.field = field
        self.value = value
        self.allowed = allowed
        self.reason = reason
        super().__init__(self._message())

    def _message(self) -> str:
        msg = f"{self.field}: {self.value!r}"
        if self.reason:
            msg += f" {self.reason}"
        else:
            msg += " is not allowed"
        if self.allowed is not None:
            if isinstance(self.allowed, (list, tuple, set, frozenset)):
                allowed = ", ".join(str(a) for a in self.allowed)
                msg += f"; choose one of {allowed}"
            else:
                msg += f"; allowed: {self.allowed}"
        return msg


class DataError(QmlbenchError, ValueError):
    """Data a model cannot take: NaN, infinities, wrong shapes, labels, missing CSV columns."""


class DataTypeError(DataError, TypeError):
    """Data of a type a model cannot take: text, mappings or other objects where numbers are
    needed. Also a ``TypeError``, as scikit-learn (and ``float()``) raise for such input."""


class CapacityError(QmlbenchError, ValueError):
    """A circuit too large to simulate exactly on this machine."""
