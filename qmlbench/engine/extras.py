"""Optional packages: whether one is installed, and the one message that says how to get it.

The engine imports an optional package only where it is used; what needs it asks
:func:`require` first, so a missing extra is a sentence naming the install command,
never a bare ``ModuleNotFoundError`` from deep inside a fit.
"""

from __future__ import annotations

import importlib
import importlib.util

from .errors import QmlbenchError

#: extra -> (module to import, what to run).  PyTorch's default wheel pulls several GB of
#: CUDA packages, so the command names PyTorch's CPU index.
INSTALL = {
    "torch": ("torch", 'pip install torch --index-url https://download.pytorch.org/whl/cpu '
                       '&& pip install "qmlbench[torch]"'),
}


class MissingExtra(QmlbenchError, ImportError):
    """An optional package a feature needs is not installed (the message says how to install it)."""


def available(extra: str) -> bool:
    """Whether ``extra``'s package can be imported (without importing it)."""
    module, _ = INSTALL[extra]
    return importlib.util.find_spec(module) is not None


def message(extra: str, what: str) -> str:
    module, command = INSTALL[extra]
    return (f"{what} needs {module}, which is not installed. Install PyTorch's CPU build and "
            f"the {extra!r} extra: {command}")


def require(extra: str, what: str):
    """The imported module of ``extra``, or :class:`MissingExtra` saying ``what`` needs it."""
    module, _ = INSTALL[extra]
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtra(message(extra, what)) from None
