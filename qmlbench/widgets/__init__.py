"""Widgets: the Workbench app and its panels, thin controllers over the engine.

Each panel works alone (``CircuitComposer()`` in a cell) or inside
``Workbench()``, where all share one :class:`Session` holding one
``ExperimentSpec``. Figures come from :mod:`qmlbench.viz`.
"""

from .boundary import DecisionBoundary
from .circuit import CircuitComposer, circuit_warnings
from .compare import ComparePanel
from .data import DataPanel
from .experiment import ExperimentPanel
from .kernel import KernelView
from .link import decode_spec, encode_spec, parse_query, share_query
from .model import ModelPanel
from .presets import PRESETS, preset_spec
from .session import Session
from .training import TrainingMonitor
from .workbench import Workbench

__all__ = [
    "Workbench", "Session", "DataPanel", "CircuitComposer", "ModelPanel", "TrainingMonitor",
    "DecisionBoundary", "KernelView", "ComparePanel", "ExperimentPanel", "PRESETS",
    "preset_spec", "encode_spec", "decode_spec", "share_query", "parse_query",
    "circuit_warnings", "PlateauExplorer",
]


def __getattr__(name):
    # The plateau tab belongs to the plateau lab; load it on first use only.
    if name == "PlateauExplorer":
        from .plateau import PlateauExplorer

        return PlateauExplorer
    raise AttributeError(f"module 'qmlbench.widgets' has no attribute {name!r}")
