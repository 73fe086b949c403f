"""The cost through one point of parameter space, along one or two directions."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import execution
from ..errors import SpecError
from .checks import check_seed, int_list
from .circuits import ansatz_label, build_ansatz
from .observables import label_of, resolve


@dataclass
class Landscape:
    """The cost along one direction (``values`` 1-D) or on a 2-D grid (``values[i, j]`` at
    ``offsets[i]`` along ``directions[0]`` and ``offsets[j]`` along ``directions[1]``)."""

    directions: tuple
    offsets: np.ndarray
    values: np.ndarray
    point: np.ndarray
    num_qubits: int
    layers: int
    observable: str
    ansatz: str

    def to_dict(self) -> dict:
        return {"directions": list(self.directions), "offsets": self.offsets.tolist(),
                "values": self.values.tolist(), "point": self.point.tolist(),
                "num_qubits": self.num_qubits, "layers": self.layers,
                "observable": self.observable, "ansatz": self.ansatz}


def cost_landscape(ansatz, num_qubits: int, layers: int, observable="global", directions=(0,),
                   point=None, span: float = np.pi, resolution: int = 41, seed: int = 0,
                   ansatz_options: dict | None = None) -> Landscape:
    """The cost through ``point`` (random uniform from ``seed`` when None) along one or two
    parameter directions (indices into ``circuit.parameters``), offsets in [-span, span].

    A registry ``random_pauli`` keeps the fixed axes its builder draws (``ansatz_options``
    ``seed``): a landscape is one circuit, not an ensemble.
    """
    (n,) = int_list("num_qubits", num_qubits, 1)
    execution.check_width(n)
    (L,) = int_list("layers", layers, 1)
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) or resolution < 2:
        raise SpecError("resolution", resolution, reason="must be an integer >= 2")
    if not isinstance(span, (int, float)) or not math.isfinite(span) or span <= 0:
        raise SpecError("span", span, reason="must be a positive number")
    dirs = tuple(directions) if isinstance(directions, (list, tuple)) else (directions,)
    if len(dirs) not in (1, 2):
        raise SpecError("directions", directions, reason="must name one or two parameters")
    circuit = build_ansatz(ansatz, n, L, dict(ansatz_options or {}))
    P = circuit.num_parameters
    for d in dirs:
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or not 0 <= d < P:
            raise SpecError("directions", d, reason=f"is out of range: the circuit has {P} "
                            f"parameters (indices 0..{P - 1})")
    seed = check_seed(seed)
    if point is None:
        point = np.random.default_rng(seed).uniform(0, 2 * np.pi, P)
    point = np.asarray(point, dtype=float)
    if point.shape != (P,):
        raise SpecError("point", f"shape {point.shape}", reason=f"must hold {P} angles")
    offsets = np.linspace(-span, span, resolution)
    grids = np.meshgrid(*([offsets] * len(dirs)), indexing="ij")
    values = np.tile(point, (grids[0].size, 1))
    for d, g in zip(dirs, grids):
        values[:, d] += g.ravel()
    obs = resolve(observable, n)
    costs = execution.evaluator_for().expectation_values(circuit, obs, values)
    return Landscape(dirs, offsets, costs.reshape(grids[0].shape), point, n, L,
                     label_of(observable), ansatz_label(ansatz))
