"""How circuits are evaluated: the one seam every model, kernel and study goes through.

The contract (names and shapes are relied on by models, kernels, plateau
studies and benchmarks):

* ``values`` is a 2-D array ``(batch, circuit.num_parameters)`` whose columns
  follow ``circuit.parameters`` (sorted by name, not construction order).
* ``statevectors(circuit, values) -> complex (batch, 2**n)`` (qiskit's qubit order)
* ``probabilities(circuit, values) -> (batch, 2**n)``
* ``expectation_values(circuit, observable, values) -> (batch,)``; a list of
  observables gives ``(batch, k)``.  An observable is a ``SparsePauliOp`` (or a
  label), or a :class:`DenseObservable` (a diagonal or a matrix, for costs such as
  the projector on |0…0> whose Pauli expansion has 2**n terms).
* ``gradients(circuit, observable, values, wrt=None) -> (batch, P)`` (or
  ``(batch, k, P)`` for a list), the derivative of the expectation value with
  respect to each parameter listed in ``wrt`` (indices into
  ``circuit.parameters``, names or Parameters; all by default).
* ``evaluator_for(execution_spec=None, estimator=None, sampler=None)`` returns
  an :class:`Evaluator` with the same four methods, and ``.path`` says which
  path ran (and ``.fallback_reason`` why, when it fell back).  On the exact path
  its ``statevectors``/``expectation_values``/``gradients`` also take ``axes``
  ``(batch, redraw_slots(circuit))``: each row's own axes for the circuit's
  parameterised RX/RY/RZ gates (the plateau lab's random-Pauli ensemble).

The default path is exact and batched (the private simulator in
:mod:`qmlbench.engine.sim`, run in chunks by :mod:`.fast` so the state arrays stay
within ``MEMORY_BUDGET_BYTES``).  A circuit the fast path cannot simulate goes to
Aer's statevector simulator with a one-time warning (:mod:`.aer` rewrites it into
gates Aer binds correctly); resets and mid-circuit measurements go to Aer's density
matrix; shots are sampled from the exact state; a user's V2 estimator/sampler is
used as given.  Gradients off the fast path use the parameter-shift rule on every
gate occurrence, evaluated in one pub (:mod:`.shift`).

``FastEstimator`` / ``FastEstimatorGradient`` / ``FastSampler`` (:mod:`.primitives`)
put the fast path behind Qiskit's V2 primitives and qiskit-ml's gradient interface,
so ``EstimatorQNN``/``VQC``/``VQR`` train on it.

Noise (``evaluator_for({"noise": {"model": "depolarizing", "p1": 0.01, "p2": 0.02}})``,
settings in :mod:`.noise`): the circuit is written in one- and two-qubit gates and a
channel follows each gate; exact values come from batched density matrices
(:mod:`.noisy`, ``PATH_DENSITY``, at most ``MAX_NOISY_QUBITS``), circuits the fast path
cannot compile from Aer's density matrix with the same ``NoiseModel``; ``density_matrices``
gives the states.  With shots, values are sampled from the exact noisy ones.

Modules: ``inputs`` (argument checks), ``fast`` (the exact path), ``aer`` (circuits
rewritten for Aer), ``shift`` (parameter shift), ``noise`` (noise settings and models), ``noisy``
(the density-matrix paths), ``evaluator`` (paths), ``primitives``
(qiskit adapters).
"""

from ..limits import (
                      MAX_EXACT_QUBITS,
                      MAX_MIXED_QUBITS,
                      MAX_NOISY_QUBITS,
                      MEMORY_BUDGET_BYTES,
                      available_memory_bytes,
                      check_width,
)
from ..sim import DenseObservable, UnsupportedCircuit, circuit_digest, circuit_key
from .aer import expanded, for_aer, is_mixed, measurements_as_dephasing
from .evaluator import (
                      PATH_AER_FALLBACK,
                      PATH_AER_MIXED,
                      PATH_AER_NOISY,
                      PATH_AER_SHOTS,
                      PATH_AER_TRAJECTORIES,
                      PATH_DENSITY,
                      PATH_EXACT,
                      PATH_SHOTS,
                      PATH_USER,
                      Evaluator,
                      evaluator_for,
                      expectation_values,
                      gradients,
                      probabilities,
                      redraw_slots,
                      statevectors,
)
from .inputs import has_control_flow
from .noise import NOISE_BASIS, NOISE_MODELS, NoisePlan, check_noise, check_width_for
from .primitives import FastEstimator, FastEstimatorGradient, FastSampler

__all__ = ["DenseObservable", "Evaluator", "FastEstimator", "FastEstimatorGradient", "FastSampler",
           "MAX_EXACT_QUBITS", "MAX_MIXED_QUBITS", "MAX_NOISY_QUBITS", "MEMORY_BUDGET_BYTES",
           "NOISE_BASIS", "NOISE_MODELS", "NoisePlan", "PATH_AER_FALLBACK", "PATH_AER_MIXED",
           "PATH_AER_NOISY", "PATH_AER_SHOTS", "PATH_AER_TRAJECTORIES", "PATH_DENSITY",
           "check_noise", "check_width_for", "PATH_EXACT", "PATH_SHOTS", "PATH_USER",
           "UnsupportedCircuit", "available_memory_bytes", "check_width", "circuit_digest",
           "circuit_key", "evaluator_for", "expanded", "expectation_values", "for_aer",
           "gradients", "has_control_flow", "is_mixed", "measurements_as_dephasing",
           "probabilities", "redraw_slots", "statevectors"]
