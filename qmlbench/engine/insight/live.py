"""Badges that follow the composer: the circuit's expressibility and entangling
capability, cheap enough to recompute on every change of the circuit.

The cost of both measures is ``2 * samples`` statevectors of ``2**n`` amplitudes, so the
live sample count falls with the width and past ``LIVE_MAX_QUBITS`` no badge is live
(the Inside tab's Compute button still measures it).  Measured on 2 cores: the default
2-qubit circuit at 2000 pairs in about 0.05-0.2 s, 6 qubits in 0.8 s, 8 qubits at 500
pairs about 1 s.  The standard error of the KL estimate goes as ``1/sqrt(samples)``,
and ``.haar`` is the value Haar-random states score at the same count (the floor).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import circuits, datasets, models
from ..spec import ExperimentSpec
from .entanglement import EntanglementResult, entangling_capability
from .expressibility import ExpressibilityResult, expressibility

__all__ = ["LIVE_MAX_QUBITS", "LiveBadges", "live_samples", "circuit_badges", "spec_badges",
           "no_circuit_reason"]

#: Widths with a live badge, and the fidelity pairs drawn at each (the rule of the UI).
LIVE_SAMPLES = ((4, 2000), (6, 1000), (8, 500))
LIVE_MAX_QUBITS = LIVE_SAMPLES[-1][0]


def live_samples(num_qubits: int) -> int | None:
    """Pairs to draw for a live badge of an ``num_qubits``-wide circuit; None past
    ``LIVE_MAX_QUBITS`` (too slow to follow every change)."""
    for width, samples in LIVE_SAMPLES:
        if num_qubits <= width:
            return samples
    return None


@dataclass
class LiveBadges:
    """What the composer and the Inside tab show for one circuit: ``expressibility`` and
    ``entanglement`` (None when ``reason`` says why nothing was measured), which ``part``
    was measured (the composed circuit, or the feature map of a kernel model)."""

    part: str
    num_qubits: int
    samples: int | None
    expressibility: ExpressibilityResult | None = None
    entanglement: EntanglementResult | None = None
    reason: str = ""


def circuit_badges(circuit, inputs=None, samples: int | None = None, seed: int | None = 0,
                   part: str = "circuit") -> LiveBadges:
    """Both measures of ``circuit`` with ``samples`` pairs (default :func:`live_samples`);
    ``inputs`` as for :func:`expressibility` (data rows for the encoded inputs)."""
    n = circuit.num_qubits
    if samples is None:
        samples = live_samples(n)
        if samples is None:
            return LiveBadges(part, n, None, reason=(
                f"{n} qubits: past {LIVE_MAX_QUBITS} qubits the badges are not live "
                f"(Inside tab: Compute)"))
    ex = expressibility(circuit, samples=samples, seed=seed, inputs=inputs)
    q = entangling_capability(circuit, samples=samples, seed=seed, inputs=inputs)
    return LiveBadges(part, n, samples, ex, q)


def no_circuit_reason(entry, dataset) -> str | None:
    """Why the spec's circuit is not the model's on this data, or None when it is.

    A state model (quantum data) takes states as they are: it has no feature map, and the
    spec's map over the 2^(n+1) amplitude columns would be a circuit of that many qubits
    that nothing runs, so its measures would describe no part of the model."""
    states = getattr(dataset, "inputs", "features") == datasets.STATES
    if states or (entry.quantum and not entry.uses_feature_map):
        return ("the inputs are quantum states, used as they are: the model has no feature "
                "map, so there is no encoding circuit to measure")
    return None


def spec_badges(spec, dataset=None, samples: int | None = None, seed: int | None = 0) -> LiveBadges:
    """The badges of a spec's circuit: feature map + ansatz for a variational model, the
    feature map for a kernel model, inputs drawn from the training data; none, with the
    reason, for a model on quantum states."""
    if not isinstance(spec, ExperimentSpec):
        spec = ExperimentSpec.from_dict(spec)
    if dataset is None:
        dataset = datasets.from_spec(spec.dataset, seed=spec.seed,
                                     num_features=spec.circuit.num_features)
    X = np.asarray(dataset.X_train, dtype=float)
    entry = models.get(spec.model.name)
    reason = no_circuit_reason(entry, dataset)
    if reason is not None:
        states = getattr(dataset, "inputs", "features") == datasets.STATES
        qubits = int(np.log2(X.shape[1] // 2)) if states else 0     # [Re | Im] of 2^n amplitudes
        return LiveBadges("input states", qubits, None, reason=reason)
    fm, an = circuits.from_spec(spec.circuit, X.shape[1])
    if entry.uses_ansatz:
        return circuit_badges(circuits.compose(fm, an, **spec.circuit.reupload), X, samples, seed, "feature map + ansatz")
    return circuit_badges(fm, X, samples, seed, "feature map")
