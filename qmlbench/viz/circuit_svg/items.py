"""The circuit as drawable items: one :class:`Item` per instruction that shows on a wire,
saying what to draw (a box, a control, a meter ...), on which rows, in which colour family."""

from __future__ import annotations

from dataclasses import dataclass, field

from .text import NAMES, bit_label, describe, display_name, param_names, params_label, shown


@dataclass
class Item:
    kind: str               # box | wide | ctrl | swap | measure | reset | barrier
    rows: list[int]         # wire rows it touches (qubits first, then clbits)
    name: str = ""
    param: str = ""
    family: str = "fixed"
    title: str = ""
    controls: list = field(default_factory=list)   # (row, is_closed)
    targets: list = field(default_factory=list)    # rows of the target
    target_kind: str = "box"                       # box | x | z | swap | wide
    clbit_row: int | None = None
    clbit_label: str = ""
    width: float = 0.0
    column: int = 0

    @property
    def lo(self) -> int:
        return min(self.rows)

    @property
    def hi(self) -> int:
        return max(self.rows)


def _family(op, num_qubits: int, input_prefix: str) -> str:
    """input | trainable | mixed by the parameters' names; else entangler or fixed."""
    names = param_names(op.params) if getattr(op, "params", None) else []
    if names:
        is_input = [n == input_prefix or n.startswith(input_prefix + "[") for n in names]
        if any(is_input) and not all(is_input):
            return "mixed"
        return "input" if any(is_input) else "trainable"
    if num_qubits >= 2:
        return "entangler"
    return "fixed"


def items_of(circuit, st) -> tuple[list[Item], list[str], list[str]]:
    """The items in circuit order, the qubit wires' labels and the classical bits'."""
    qlabels = [bit_label(circuit, q, "q") for q in circuit.qubits]
    clabels = [bit_label(circuit, c, "c") for c in circuit.clbits]
    items = [_item(circuit, inst, qlabels, clabels, st) for inst in circuit.data]
    return [it for it in items if it is not None], qlabels, clabels


def _item(circuit, inst, qlabels, clabels, st) -> Item | None:
    """One instruction's item; None for what touches no wire (global phase, a bare barrier)."""
    op, nq = inst.operation, len(qlabels)
    qrows = [circuit.find_bit(q).index for q in inst.qubits]
    crows = [nq + circuit.find_bit(c).index for c in inst.clbits]
    title = describe(op, [qlabels[r] for r in qrows], [clabels[r - nq] for r in crows])
    name = op.name
    if name == "barrier":
        return Item("barrier", qrows, name=op.label or "", title=title,
                    family="barrier") if qrows else None
    if not qrows and not crows:   # global phase and the like: nothing on a wire
        return None
    if name == "measure" and len(qrows) == 1:
        it = Item("measure", qrows + crows, title=title, family="measure")
        if crows:
            it.clbit_row, it.clbit_label = crows[0], str(circuit.find_bit(inst.clbits[0]).index)
        return it
    if name == "reset" and len(qrows) == 1:
        return Item("reset", qrows, name="|0⟩", title=title, family="measure")
    family = _family(op, len(qrows), st["input_prefix"])
    limit = st["max_param_chars"]
    from qiskit.circuit import ControlledGate
    if isinstance(op, ControlledGate) and op.num_ctrl_qubits < len(qrows):
        return _controlled(op, qrows, crows, title, family, limit)
    if name == "swap" and len(qrows) == 2:
        return Item("swap", qrows, title=title, family="entangler")
    standard = name in NAMES or getattr(op, "definition", None) is None
    if len(qrows) + len(crows) == 1:
        return Item("box", qrows, name=display_name(op),
                    param=params_label(shown(op.params), limit), family=family, title=title)
    family = family if (standard or family != "entangler") else "block"
    return Item("wide", qrows + crows, name=display_name(op),
                param=params_label(shown(op.params), limit, block=not standard),
                family=family, title=title)


def _controlled(op, qrows, crows, title, family, limit) -> Item:
    """A controlled gate: its controls (closed on |1>, open on |0>) and a target drawn as
    ⊕ (X), a dot (Z), × × (swap), or the base gate's box."""
    n_ctrl = op.num_ctrl_qubits
    bits = format(int(op.ctrl_state), f"0{n_ctrl}b")[::-1]
    base = op.base_gate
    tq = qrows[n_ctrl:]
    it = Item("ctrl", qrows + crows, title=title, family=family,
              controls=[(qrows[i], bits[i] == "1") for i in range(n_ctrl)], targets=tq)
    if base.name == "x" and len(tq) == 1:
        it.target_kind = "x"
    elif base.name == "z" and len(tq) == 1:
        it.target_kind = "z"
    elif base.name == "swap" and len(tq) == 2:
        it.target_kind = "swap"
    else:
        it.target_kind = "box" if len(tq) == 1 else "wide"
        it.name = display_name(base)
        it.param = params_label(shown(base.params), limit)
    return it


def needs_indices(it: Item) -> bool:
    """A wide box whose wires are not exactly its span in order shows each wire's index."""
    qrows = it.rows if it.kind == "wide" else it.targets
    return list(qrows) != list(range(min(qrows), min(qrows) + len(qrows)))
