"""Look inside the circuit: what it can express and what it does to the data.

* :func:`expressibility` (Sim et al. 2019): KL divergence of the fidelity distribution
  from Haar, with its standard error and both histograms.
* :func:`entangling_capability` (Sim et al. 2019): the mean Meyer-Wallach Q.
* :func:`effective_dimension` (Abbas et al. 2021, as qiskit-ml defines it).
* :func:`fourier_spectrum` (Schuld, Sweke & Meyer 2021): the output as a Fourier series
  per input, against the frequencies the encoding allows.
* :func:`layer_views`: per layer and qubit, Bloch components over the input grid.

Every evaluation goes through the execution seam, batched, in chunks within
``limits.MEMORY_BUDGET_BYTES``; every result is a dataclass with ``to_dict``/``to_json``.
``spec_report(spec)`` gathers them for an experiment spec (``qmlbench insight``).
Modules: ``common`` (checks, draws, chunks, result base), ``network`` (a model or QNN
as circuit + inputs + weights + outputs), one module per measure.
"""

from .common import InsightResult, draw_values, input_columns
from .effective_dimension import (EffectiveDimensionResult, effective_dimension,
                                  effective_dimension_from_fisher, fisher_information)
from .entanglement import (EntanglementResult, entangling_capability, haar_meyer_wallach,
                           meyer_wallach, single_qubit_purities)
from .expressibility import (ExpressibilityResult, expected_kl, expressibility,
                             fidelity_histogram, haar_bin_log_masses, haar_bin_masses,
                             haar_density, idle_value, kl_divergence, kl_stderr)
from .fourier import FourierResult, encoding_coefficients, fourier_spectrum
from .live import LIVE_MAX_QUBITS, LiveBadges, circuit_badges, live_samples, spec_badges
from .layers import LayerViewsResult, bloch_observables, layer_circuits, layer_views
from .network import Network, network_of
from .report import InsightReport, spec_report

__all__ = [
    "expressibility", "entangling_capability", "effective_dimension", "fourier_spectrum",
    "layer_views", "ExpressibilityResult", "EntanglementResult", "EffectiveDimensionResult",
    "FourierResult", "LayerViewsResult", "InsightResult", "InsightReport", "spec_report", "Network", "network_of",
    "haar_bin_log_masses", "haar_bin_masses", "haar_density", "idle_value", "kl_divergence",
    "kl_stderr", "expected_kl", "fidelity_histogram", "meyer_wallach", "single_qubit_purities",
    "haar_meyer_wallach", "fisher_information", "effective_dimension_from_fisher",
    "encoding_coefficients", "bloch_observables", "layer_circuits", "draw_values",
    "input_columns", "LiveBadges", "live_samples", "circuit_badges", "spec_badges",
    "LIVE_MAX_QUBITS",
]
