"""The insight measures of one experiment spec: what ``qmlbench insight SPEC.json`` prints.

For the spec's feature map (inputs drawn from the training data), its ansatz (weights
uniform) and the two composed (data inputs, random weights): expressibility and
entangling capability, each with its Haar reference; for a variational model, the
effective dimension with inputs drawn from the training data.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .. import circuits, datasets, models
from ..errors import SpecError
from ..spec import ExperimentSpec
from .common import InsightResult, check_count
from .effective_dimension import effective_dimension
from .entanglement import entangling_capability
from .expressibility import expressibility
from .live import no_circuit_reason

__all__ = ["InsightReport", "spec_report"]


@dataclass
class InsightReport(InsightResult):
    """``rows``: one dict per circuit part (name, qubits, parameters, expressibility ±
    stderr and its Haar floor, Q ± stderr and its Haar value); ``effective_dimension``:
    the effective dimension result as a dict, or None for a model without circuit weights."""

    rows: list
    effective_dimension: dict | None
    samples: int
    bins: int
    seed: int | None
    spec: dict = field(default_factory=dict)
    seconds: float = float("nan")


def spec_report(spec, samples: int = 2000, bins: int = 75, seed: int | None = 0,
                dataset_sizes=(1000, 10000, 100000), weight_samples: int = 10,
                input_samples: int = 20) -> InsightReport:
    """Expressibility, entangling capability and (for a variational model) effective
    dimension of the circuits an ``ExperimentSpec`` (or its dict) describes."""
    started = time.perf_counter()
    if not isinstance(spec, ExperimentSpec):
        spec = ExperimentSpec.from_dict(spec)
    samples = check_count("samples", samples, 2)
    input_samples = check_count("input_samples", input_samples, 1)
    ds = datasets.from_spec(spec.dataset, seed=spec.seed, num_features=spec.circuit.num_features)
    entry = models.get(spec.model.name)
    reason = no_circuit_reason(entry, ds)
    if reason is not None:
        raise SpecError("model.name", spec.model.name, reason=f"on {spec.dataset.name}: {reason}")
    fm, an = circuits.from_spec(spec.circuit, ds.X_train.shape[1])
    X = np.asarray(ds.X_train, dtype=float)
    parts = [("feature map", spec.circuit.feature_map.name, fm, X)]
    if entry.uses_ansatz:
        parts += [("ansatz", spec.circuit.ansatz.name, an, None),
                  ("feature map + ansatz", "circuit", circuits.compose(fm, an, **spec.circuit.reupload), X)]
    rows = []
    for part, name, circ, inputs in parts:
        ex = expressibility(circ, samples=samples, bins=bins, seed=seed, inputs=inputs)
        q = entangling_capability(circ, samples=samples, seed=seed, inputs=inputs)
        rows.append({"part": part, "name": name, "qubits": circ.num_qubits,
                     "parameters": circ.num_parameters, "inputs": ex.inputs,
                     "expressibility": ex.value, "expressibility_stderr": ex.stderr,
                     "expressibility_haar": ex.haar, "expressibility_idle": ex.idle,
                     "q": q.value, "q_stderr": q.stderr, "q_haar": q.haar})
    eff = None
    if entry.uses_ansatz:
        model = models.build(spec, ds)
        take = np.random.default_rng(seed).permutation(len(X))[:input_samples]
        eff = effective_dimension(model, dataset_sizes, weight_samples, X[take],
                                  seed=seed).to_dict()
    return InsightReport(rows=rows, effective_dimension=eff, samples=samples, bins=bins,
                         seed=seed, spec=spec.to_dict(), seconds=time.perf_counter() - started)
