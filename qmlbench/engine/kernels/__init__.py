"""Quantum kernels: fidelity kernel matrices on the exact path (``matrix``), their
statistics, and concentration studies against Haar values (``concentration_study``); the
projected kernel of Huang et al. 2021 (``projected``); large matrices in tiles on workers
(``tiles``)."""

from .concentration_study import (
                     ConcentrationResult,
                     concentration,
                     haar_moments,
                     pairs_per_batch,
)
from .matrix import (
                     KERNEL_MEMORY_BYTES,
                     FastKernel,
                     clear_cache,
                     feature_statevectors,
                     fidelity_matrix,
                     kernel_matrix,
                     kernel_stats,
                     kernel_target_alignment,
                     sampled_fidelities,
)
from .projected import (BANDWIDTH_DEFAULTS, bandwidth, bloch_vectors,  # noqa: E402
                        projected_kernel_matrix, projected_matrix, scale_gamma,
                        single_qubit_paulis)
from .tiles import kernel_tile, tile_size, tiled_kernel_matrix  # noqa: E402
from .view import (  # noqa: E402  (the kernel view's data)
                   KernelView,
                   NoisyKernelViews,
                   kernel_view,
                   noisy_kernel_views,
                   subsample,
)

__all__ = ["ConcentrationResult", "FastKernel", "KERNEL_MEMORY_BYTES", "clear_cache",
           "concentration", "feature_statevectors", "fidelity_matrix", "haar_moments",
           "kernel_matrix", "kernel_stats", "kernel_target_alignment", "pairs_per_batch",
           "sampled_fidelities", "KernelView", "kernel_view", "subsample", "NoisyKernelViews",
           "noisy_kernel_views", "bloch_vectors", "bandwidth", "BANDWIDTH_DEFAULTS",
           "projected_kernel_matrix", "projected_matrix", "scale_gamma", "single_qubit_paulis",
           "kernel_tile", "tile_size", "tiled_kernel_matrix"]
