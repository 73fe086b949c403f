"""The words on the picture: gate names, short parameter text for a box's second line,
wire labels and the full tooltip text of each instruction."""

from __future__ import annotations

import re

#: qiskit's gate names as drawn; a name not here is drawn as qiskit spells it
#: (upper-cased when short and lower-case).  Also: the standard gates, which are never
#: coloured as a custom "block".
NAMES = {
    "h": "H", "x": "X", "y": "Y", "z": "Z", "s": "S", "sdg": "S†", "t": "T", "tdg": "T†",
    "sx": "√X", "sxdg": "√X†", "id": "I", "rx": "Rx", "ry": "Ry", "rz": "Rz", "p": "P",
    "u": "U", "u1": "U1", "u2": "U2", "u3": "U3", "r": "R", "rxx": "Rxx", "ryy": "Ryy",
    "rzz": "Rzz", "rzx": "Rzx", "iswap": "iSwap", "ecr": "ECR", "dcx": "DCX",
    "xx_plus_yy": "XX+YY", "xx_minus_yy": "XX−YY", "global_phase": "GPhase", "delay": "Delay",
    "unitary": "Unitary", "initialize": "Init", "prepare_state": "Prep",
}

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_INDEXED = re.compile(r"([^\W\d]\w*)\[(\d+)\]")


def _subscripts(text: str) -> str:
    """``θ[3]`` -> ``θ₃``: the textbook form, and a third narrower in a box."""
    return _INDEXED.sub(lambda m: m.group(1) + m.group(2).translate(_SUB), text)


def _name_key(name: str):
    m = _INDEXED.fullmatch(name)
    return (m.group(1), int(m.group(2))) if m else (name, -1)


def param_names(params) -> list[str]:
    """The names of the free parameters in ``params``, ``x[2]`` before ``x[10]``."""
    names = set()
    for p in params:
        for q in getattr(p, "parameters", ()) or ():
            names.add(q.name)
    return sorted(names, key=_name_key)


def _number_text(value) -> str:
    try:
        from qiskit.circuit.tools import pi_check
        return str(pi_check(float(value), output="text", ndigits=3))
    except Exception:  # noqa: BLE001 - a label is never worth an error
        try:
            return f"{float(value):.3g}"
        except (TypeError, ValueError):
            return str(value)


def _param_text(p) -> str:
    """One parameter as short text: ``2·x[0]``, ``θ[3]``, ``π/4``."""
    if getattr(p, "parameters", None):
        return _subscripts(str(p).replace(" ", "").replace("*", "·"))
    if isinstance(p, (int, float, complex)) or hasattr(p, "__float__"):
        return _number_text(p)
    return str(p)


def _vector_summary(names: list[str]) -> str:
    """``['x[0]', 'x[1]', 'x[2]']`` -> ``x₀–x₂`` (runs of one vector collapsed)."""
    groups: dict[str, list[int]] = {}
    other = []
    for n in names:
        base, sep, rest = n.partition("[")
        if sep and rest.endswith("]") and rest[:-1].isdigit():
            groups.setdefault(base, []).append(int(rest[:-1]))
        else:
            other.append(n)
    parts = []
    for base, idx in groups.items():
        lo, hi = min(idx), max(idx)
        if len(idx) == 1:
            parts.append(base + str(lo).translate(_SUB))
        elif len(idx) == hi - lo + 1:
            parts.append(f"{base}{str(lo).translate(_SUB)}–{base}{str(hi).translate(_SUB)}")
        else:
            parts.append(f"{len(idx)} {base}")
    return ", ".join(parts + other)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(1, limit - 1)] + "…"


def params_label(params, limit: int, block: bool = False) -> str:
    """The second line of a box: every parameter, or a summary when that is too long."""
    if not params:
        return ""
    if block:  # a wide instruction's parameters: the vectors it reads
        names = param_names(params)
        return _short(_vector_summary(names), limit + 4) if names else ""
    texts = [_param_text(p) for p in params]
    full = ",".join(texts)
    if len(full) <= limit:
        return full
    if len(params) == 1 and texts[0] and getattr(params[0], "parameters", None):
        names = param_names(params)
        summary = "ƒ(" + ",".join(_subscripts(n) for n in names) + ")"
        if len(summary) <= limit + 2:
            return summary
    return _short(full, limit)


def display_name(op) -> str:
    """The name in a gate's box: its label, else :data:`NAMES`' spelling."""
    label = getattr(op, "label", None)
    if label:
        return str(label)
    name = op.name
    return NAMES.get(name, name if not name.islower() or len(name) > 3 else name.upper())


def bit_label(circuit, bit, prefix: str) -> str:
    """``q0``, ``q1`` ... for qiskit's default register (or none); ``anc0`` for register ``anc``."""
    loc = circuit.find_bit(bit)
    if loc.registers:
        reg, idx = loc.registers[0]
        return f"{prefix if reg.name == prefix else reg.name}{idx}"
    return f"{prefix}{loc.index}"


def shown(params) -> list:
    """The parameters worth text: angles and numbers, not matrices, circuits or strings."""
    import numbers

    import numpy as np
    keep = []
    for p in params or []:
        if getattr(p, "parameters", None) is not None and hasattr(p, "bind"):
            keep.append(p)
        elif isinstance(p, numbers.Number) or (isinstance(p, np.generic) and np.ndim(p) == 0):
            keep.append(p)
    return keep


def describe(op, qubit_labels, clbit_labels=()) -> str:
    """The tooltip: the instruction in full, ``cry(θ[0]) on q0, q1 (controls: q0=1)``."""
    params = shown(getattr(op, "params", None))
    ptxt = "(" + ", ".join(str(p) for p in params) + ")" if params else ""
    text = f"{op.name}{ptxt} on {', '.join(qubit_labels)}"
    if clbit_labels:
        text += " → " + ", ".join(clbit_labels)
    n_ctrl = getattr(op, "num_ctrl_qubits", 0) or 0
    if n_ctrl:
        bits = format(int(op.ctrl_state), f"0{n_ctrl}b")[::-1]
        text += " (controls: " + ", ".join(
            f"{qubit_labels[i]}={bits[i]}" for i in range(n_ctrl)) + ")"
    return text
