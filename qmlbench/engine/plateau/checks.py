"""Argument checks shared by the plateau studies, each naming the argument."""

from __future__ import annotations

import numpy as np

from ..errors import SpecError


def int_list(fld: str, value, minimum: int) -> list[int]:
    items = list(value) if isinstance(value, (list, tuple, range, np.ndarray)) else [value]
    if not items:
        raise SpecError(fld, value, reason="must hold at least one value")
    out = []
    for v in items:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or v < minimum:
            raise SpecError(fld, v, reason=f"must be an integer >= {minimum}")
        out.append(int(v))
    if len(set(out)) != len(out):
        raise SpecError(fld, value, reason="must not repeat a value")
    return out


def check_samples(samples) -> int:
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 2:
        raise SpecError("samples", samples, reason="must be an integer >= 2 (a variance needs at "
                        "least two samples; a few hundred give a 10% error)")
    return int(samples)


def check_param_index(param_index, point):
    if isinstance(param_index, str):
        if param_index != "all":
            raise SpecError("param_index", param_index, ["an integer", "all"],
                            reason="is not a parameter index")
        return
    if isinstance(param_index, bool) or not isinstance(param_index, (int, np.integer)):
        raise SpecError("param_index", param_index, ["an integer", "all"],
                        reason="is not a parameter index")
    if not 0 <= param_index < point.num_params:
        raise SpecError("param_index", int(param_index),
                        reason=f"is out of range: the circuit at {point.num_qubits} qubits and "
                               f"{point.layers} layers has {point.num_params} parameters "
                               f"(indices 0..{point.num_params - 1})")


def check_seed(seed):
    if seed is None:
        return int(np.random.SeedSequence().generate_state(1)[0])
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise SpecError("seed", seed, reason="must be a non-negative integer or None")
    return int(seed)
