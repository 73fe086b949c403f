"""Barren-plateau studies: gradient variance against qubits and depth (``study``), the
cost landscape through a point (``landscape``), the circuits and initialisations
(``circuits``), cost observables with their 2-design references (``observables``) and
the result with its serialisations (``result``)."""

from .circuits import (
                       INITS,
                       REDRAW_ANSATZE,
                       DepthPerQubit,
                       Init,
                       build_ansatz,
                       identity_block_circuit,
                       parse_init,
)
from .landscape import Landscape, cost_landscape
from .observables import (
                       OBSERVABLES,
                       Observable,
                       label_of,
                       one_sided_reference,
                       reference_variance,
                       resolve,
)
from .result import PlateauResult, combine_widths, fit_decay, variance_with_stderr
from .study import gradient_variance, point_seed
from .sweep import PlateauSettings, SweepRun, sweep  # the study as data, run width by width

__all__ = [
    "gradient_variance", "cost_landscape", "PlateauResult", "Landscape", "Init", "INITS",
    "OBSERVABLES", "Observable", "reference_variance", "one_sided_reference",
    "identity_block_circuit", "fit_decay", "combine_widths", "DepthPerQubit", "build_ansatz",
    "parse_init", "point_seed", "label_of", "resolve", "variance_with_stderr", "REDRAW_ANSATZE",
    "PlateauSettings", "SweepRun", "sweep",
]
