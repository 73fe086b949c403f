"""qmlbench: an interactive workbench for quantum machine learning.

The engine (``qb.circuits``, ``qb.datasets``, ``qb.models``, ``qb.train``,
``qb.plateau``, ``qb.kernels``, ...) works from scripts; ``qb.Workbench()``
puts it behind widgets in JupyterLab and Voila.
"""

from __future__ import annotations

import importlib

from .engine.errors import CapacityError, DataError, QmlbenchError, SpecError

__version__ = "0.1.0"

_ENGINE_MODULES = {
    "spec", "circuits", "datasets", "execution", "models", "optimizers", "training",
    "boundary", "plateau", "kernels", "store", "errors", "state", "options", "insight", "study",
    "distributed", "torch",   # qb.torch imports PyTorch (the optional extra) on first use
}


def __getattr__(name: str):
    # Engine modules load on first use, so `import qmlbench` stays quick and a
    # script that only builds circuits never imports the widget stack.
    if name in _ENGINE_MODULES:
        return importlib.import_module(f".engine.{name}", __name__)
    if name in ("viz", "widgets", "cli"):
        return importlib.import_module(f".{name}", __name__)
    if name == "ExperimentSpec":
        return importlib.import_module(".engine.spec", __name__).ExperimentSpec
    if name == "train":
        return importlib.import_module(".engine.training", __name__).train
    if name == "Run":
        return importlib.import_module(".engine.training", __name__).Run
    if name == "Workbench":
        return importlib.import_module(".widgets", __name__).Workbench
    raise AttributeError(f"module 'qmlbench' has no attribute {name!r}")


__all__ = [
    "ExperimentSpec", "SpecError", "DataError", "CapacityError", "QmlbenchError",
    "train", "Run", "Workbench", *sorted(_ENGINE_MODULES),
]
