"""What the insight measures share: argument checks, parameter draws, statevectors in
chunks within the memory budget, and the serialisable result base."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields

import numpy as np
from qiskit import QuantumCircuit

from .. import circuits, execution, limits
from ..errors import DataError, SpecError
from ..jsonable import plain

#: Statevector copies alive per simulated state while a chunk runs (the chunk and the
#: simulator's working arrays); chunks are sized so all of them fit the budget.
COPIES_PER_STATE = 4


def check_count(name: str, value, low: int = 1) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
            or value < low:
        raise SpecError(name, value, reason=f"must be an integer >= {low}")
    return int(value)


def check_seed(seed) -> int | None:
    if seed is None:
        return None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise SpecError("seed", seed, reason="must be a non-negative integer or None")
    return int(seed)


def check_circuit(circuit, name: str = "circuit") -> QuantumCircuit:
    if not isinstance(circuit, QuantumCircuit):
        raise SpecError(name, type(circuit).__name__, reason="must be a qiskit QuantumCircuit")
    execution.check_width(circuit.num_qubits)
    return circuit


def states_per_chunk(num_qubits: int, copies: int = COPIES_PER_STATE) -> int:
    """States one call to the seam may take so the chunk stays within MEMORY_BUDGET_BYTES."""
    return max(1, int(limits.MEMORY_BUDGET_BYTES // (copies * limits.bytes_per_state(num_qubits))))


def input_columns(circuit: QuantumCircuit) -> list[int]:
    """Columns of ``circuit.parameters`` that are data inputs: those named ``x[i]`` (the
    registry's feature maps), or every parameter when none is so named."""
    prefix = circuits.INPUT_PREFIX + "["
    cols = [i for i, p in enumerate(circuit.parameters) if p.name.startswith(prefix)]
    return cols or list(range(circuit.num_parameters))


def draw_values(circuit: QuantumCircuit, samples: int, rng: np.random.Generator,
                inputs=None) -> tuple[np.ndarray, str]:
    """``samples`` parameter rows (columns in ``circuit.parameters`` order) and how the
    inputs were chosen.  Every angle is uniform on [0, 2π); with ``inputs`` the input
    columns (:func:`input_columns`) take a fixed vector (1-D) or rows drawn with
    replacement from a data matrix (2-D), and the other columns stay uniform."""
    p = circuit.num_parameters
    values = rng.uniform(0.0, 2 * np.pi, size=(samples, p))
    if inputs is None:
        return values, "uniform"
    cols = input_columns(circuit)
    try:
        arr = np.asarray(inputs, dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"inputs: must be numbers, got {type(inputs).__name__}") from None
    if arr.ndim not in (1, 2) or arr.shape[-1] != len(cols) or arr.size == 0:
        raise DataError(f"inputs: expected a vector of {len(cols)} input value(s) or a matrix "
                        f"(rows, {len(cols)}) for the circuit's inputs "
                        f"{[circuit.parameters[i].name for i in cols][:6]}; got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise DataError("inputs: contains NaN or infinite entries")
    if arr.ndim == 1:
        values[:, cols] = arr
        return values, "fixed"
    values[:, cols] = arr[rng.integers(0, arr.shape[0], size=samples)]
    return values, "dataset"


def map_states(evaluator, circuit: QuantumCircuit, values: np.ndarray, reduce,
               group: int = 1) -> np.ndarray:
    """``reduce(states)`` over ``values`` in chunks that fit the memory budget, concatenated.
    ``group``: rows that must stay in one chunk together (2 for the pairs of a fidelity,
    laid out as ``[a_0..a_m, b_0..b_m]`` per chunk by the caller's ``reduce``)."""
    size = max(1, states_per_chunk(circuit.num_qubits) // group)
    rows = values.shape[0] // group
    parts = []
    for start in range(0, rows, size):
        stop = min(rows, start + size)
        chunk = np.vstack([values[g * rows + start: g * rows + stop] for g in range(group)])
        parts.append(reduce(evaluator.statevectors(circuit, chunk)))
    return np.concatenate(parts) if parts else np.zeros(0)


def as_array(value):
    """A JSON list back to a float array (None -> NaN); other values unchanged."""
    if isinstance(value, list):
        try:
            arr = np.array(value, dtype=object)
            return np.array([np.nan if v is None else v for v in arr.ravel()],
                            dtype=float).reshape(arr.shape)
        except (TypeError, ValueError):
            return value
    return value


@dataclass
class InsightResult:
    """Base of the insight results: ``to_dict`` (plain JSON through ``jsonable.plain``),
    ``to_json``, ``from_dict``/``from_json`` (lists come back as float arrays)."""

    def to_dict(self) -> dict:
        return plain({f.name: getattr(self, f.name) for f in fields(self)})

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    @classmethod
    def from_dict(cls, data: dict):
        known = {f.name for f in fields(cls)}
        return cls(**{k: as_array(v) for k, v in data.items() if k in known})

    @classmethod
    def from_json(cls, text: str):
        return cls.from_dict(json.loads(text))
