"""The circuits of a plateau study: the ansatz by name or callable, initialisation
strategies, and Grant et al.'s identity blocks."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import ParameterVector

from .. import circuits
from ..errors import SpecError

INITS = ("uniform", "small", "identity_block")

#: The McClean ensemble: rotation axes redrawn for every sample.
REDRAW_ANSATZE = ("random_pauli",)


@dataclass(frozen=True)
class DepthPerQubit:
    """``layers=DepthPerQubit(12)``: 12 layers per qubit, deep enough for McClean's
    ensemble to reach the 2-design floor (about 50 layers at 4 qubits, 100 at 8)."""

    per_qubit: int = 12

    def __call__(self, num_qubits: int) -> int:
        return self.per_qubit * num_qubits

    @property
    def __name__(self) -> str:
        return f"{self.per_qubit}·n"
@dataclass(frozen=True)
class Init:
    """An initialisation strategy; ``width`` is the normal's σ for ``"small"``."""

    name: str = "uniform"
    width: float = 0.1

    def to_dict(self) -> dict:
        return {"name": self.name, "width": self.width} if self.name == "small" else {"name": self.name}


def parse_init(init) -> Init:
    if isinstance(init, Init):
        spec = init
    elif isinstance(init, str):
        spec = Init(init)
    elif isinstance(init, (tuple, list)) and len(init) == 2:
        spec = Init(init[0], init[1])
    elif isinstance(init, dict) and set(init) <= {"name", "width"} and "name" in init:
        spec = Init(init["name"], init.get("width", 0.1))
    else:
        raise SpecError("init", init, INITS, reason="is not an initialisation strategy")
    if spec.name not in INITS:
        raise SpecError("init", spec.name, INITS, reason="is not an initialisation strategy")
    w = spec.width
    if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w) or w <= 0:
        raise SpecError("init.width", w, reason="must be a positive number (the normal's σ)")
    return Init(spec.name, float(w))


def ansatz_label(ansatz) -> str:
    return ansatz if isinstance(ansatz, str) else getattr(ansatz, "__name__", type(ansatz).__name__)


def build_ansatz(ansatz, num_qubits: int, layers: int, options: dict) -> QuantumCircuit:
    if isinstance(ansatz, str):
        if ansatz not in circuits.ANSATZE:
            raise SpecError("ansatz", ansatz, sorted(circuits.ANSATZE) + ["a callable"],
                            reason="is not a known ansatz")
        opts = dict(options)
        entanglement = opts.pop("entanglement", "linear")
        circuit = circuits.ansatz(ansatz, num_qubits, layers, entanglement, **opts)
    elif callable(ansatz):
        circuit = ansatz(num_qubits, layers)
        name = ansatz_label(ansatz)
        if not isinstance(circuit, QuantumCircuit):
            raise SpecError("ansatz", name, reason=f"returned {type(circuit).__name__}; it must "
                            "return a QuantumCircuit for (num_qubits, layers)")
        if circuit.num_qubits != num_qubits:
            raise SpecError("ansatz", name,
                            reason=f"returned a circuit of {circuit.num_qubits} qubits when asked "
                                   f"for {num_qubits} (layers={layers}); it must build exactly "
                                   "num_qubits qubits")
    else:
        raise SpecError("ansatz", ansatz, reason="must be a registry name or a callable "
                        "(num_qubits, layers) -> QuantumCircuit")
    if circuit.num_parameters == 0:
        raise SpecError("ansatz", ansatz_label(ansatz),
                        reason=f"has no trainable parameters at {num_qubits} qubits, {layers} layers")
    return circuit


def _is_parametrised(operation) -> bool:
    return any(getattr(p, "parameters", None) for p in operation.params)


def identity_block_circuit(block: QuantumCircuit, blocks: int) -> QuantumCircuit:
    """``blocks`` copies of ``block`` each followed by its inverse, all with fresh weights.

    Leading gates without parameters (random_pauli's RY(π/4) layer) are input
    preparation and stay in front, once.  The identity point is stationary whenever the
    state entering the blocks is an eigenstate of the cost (|0…0> with the global, local
    or zz cost and no preparation): every gradient there is zero.

    Weights are ``θ[0..]``: block m's forward half uses ``θ[2mP .. 2mP+P-1]`` and its
    inverse half ``θ[2mP+P .. 2mP+2P-1]`` (``P = block.num_parameters``), so setting the
    two halves equal makes the circuit the identity.
    """
    p = block.num_parameters
    theta = ParameterVector("θ", 2 * p * blocks)
    params = list(block.parameters)
    out = QuantumCircuit(block.num_qubits, name=f"identity_block({block.name})")
    block = block.copy()
    while block.data and not _is_parametrised(block.data[0].operation):
        out.append(block.data[0])
        block.data.pop(0)
    for m in range(blocks):
        fwd = block.assign_parameters(dict(zip(params, theta[2 * m * p: 2 * m * p + p])))
        inv = block.inverse().assign_parameters(
            dict(zip(params, theta[2 * m * p + p: 2 * m * p + 2 * p])))
        out.compose(fwd, inplace=True)
        out.compose(inv, inplace=True)
    return out


def identity_slot_map(slots: int, blocks: int) -> np.ndarray:
    """Slots of the identity-block circuit in order (block m forward, then its inverse,
    reversed) mapped to the ``slots`` axes drawn per block: the inverse half reuses
    its forward half's axes, so a redrawn axis is undone too."""
    out = []
    for m in range(blocks):
        out += [m * slots + k for k in range(slots)]
        out += [m * slots + slots - 1 - k for k in range(slots)]
    return np.array(out, dtype=np.int64)
