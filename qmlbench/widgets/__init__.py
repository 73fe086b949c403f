"""Widgets: the Workbench app and its panels, thin controllers over the engine.

Each panel works alone (``CircuitComposer()`` in a cell) or inside
``Workbench()``, where all share one :class:`Session` holding one
:class:`~qmlbench.engine.state.WorkbenchState` (the spec, hidden controls, plateau
study and Compare baseline). Figures come from :mod:`qmlbench.viz`.
"""

from .boundary import DecisionBoundary
from .circuit import CircuitComposer, circuit_warnings
from .compare import ComparePanel
from .data import DataPanel
from .experiment import ExperimentPanel
from .inside import InsidePanel
from .kernel import KernelView
from .link import decode_spec, decode_state, encode_spec, encode_state, parse_query, share_query
from .model import ModelPanel
from .plateau import PlateauExplorer
from .presets import PRESETS, preset_spec
from .session import Session
from .training import TrainingMonitor
from .workbench import Workbench

__all__ = [
    "Workbench", "Session", "DataPanel", "CircuitComposer", "ModelPanel", "TrainingMonitor",
    "DecisionBoundary", "KernelView", "ComparePanel", "ExperimentPanel", "PRESETS",
    "preset_spec", "encode_spec", "decode_spec", "share_query", "parse_query",
    "circuit_warnings", "PlateauExplorer", "encode_state", "decode_state", "InsidePanel",
]

