"""The exact batched statevector simulator: private to the engine.

Only :mod:`qmlbench.engine.execution` imports this package; everything else evaluates
circuits through the execution seam.  ``compile`` turns a circuit into ops (``gates``),
with angles compiled from parameter expressions (``angles``); ``apply`` applies one op to a
batch; ``run`` simulates and differentiates; ``observables`` applies Pauli sums and dense
operators; ``circuit_key`` names a circuit by what it computes (cache keys).
"""

from .angles import AngleCompiler, AngleFn
from .circuit_key import circuit_digest, circuit_key, is_standard
from .compile import CompiledCircuit, UnsupportedCircuit, compiled
from .density import (
                  DensityProgram,
                  compile_density,
                  density_matrices,
                  evolve,
                  evolve_with_tangents,
                  rows_per_chunk,
)
from .density import expectation as density_expectation
from .gates import Op
from .observables import DenseObservable, PauliObservable, compile_observable
from .run import (
                  adjoint_gradients,
                  bytes_per_state,
                  chunk_rows,
                  forward_gradient,
                  global_phase,
                  simulate,
                  simulate_nb,
                  simulate_unphased,
)

__all__ = ["AngleCompiler", "AngleFn", "CompiledCircuit", "DenseObservable", "DensityProgram",
           "Op", "compile_density", "density_expectation", "density_matrices", "evolve",
           "evolve_with_tangents", "rows_per_chunk",
           "PauliObservable", "UnsupportedCircuit", "adjoint_gradients", "bytes_per_state",
           "chunk_rows", "circuit_digest", "circuit_key", "compile_observable", "compiled",
           "forward_gradient", "global_phase", "is_standard", "simulate", "simulate_nb",
           "simulate_unphased"]
