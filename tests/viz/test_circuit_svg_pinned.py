"""The circuit picture's exact text, pinned by hash for a few hand-built circuits, so a
restructuring of ``qmlbench.viz.circuit_svg`` cannot change a byte unnoticed.  Every
circuit is named: qiskit numbers unnamed ones from a global counter, and the name is
in the picture's aria-label.

A deliberate change to the drawing changes these hashes: check the new pictures by eye
(and with test_circuit_svg.py), then replace the hashes with the ones the failure shows."""

import hashlib

import numpy as np
import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import Parameter, ParameterVector

from qmlbench.viz import circuit_svg, circuit_svg_html


def mixed_kinds():
    """Measure, reset, labelled and plain barriers, open and multi controls, swaps."""
    qc = QuantumCircuit(4, 2, name="mixed")
    qc.h(0)
    qc.cx(0, 1)
    qc.cz(1, 3)
    qc.cx(2, 0, ctrl_state=0)
    qc.ccx(0, 1, 3)
    qc.cswap(0, 2, 3)
    qc.crx(Parameter("θ[0]"), 1, 2)
    qc.append(QuantumCircuit(2, name="blk").to_gate().control(1), [3, 0, 2])
    qc.barrier()
    qc.swap(0, 3)
    qc.rzz(0.3, 3, 1)
    qc.measure([0, 1], [0, 1])
    qc.reset(1)
    qc.barrier(0, 2, label="B")
    return qc


def boxes_and_text():
    """Custom gates and instructions, escaped labels, long and mixed parameters, registers."""
    x, th = ParameterVector("x", 3), ParameterVector("θ", 2)
    sub = QuantumCircuit(2, name="mine")
    sub.rx(x[0], 0)
    sub.cx(0, 1)
    qc = QuantumCircuit(QuantumRegister(2, "q"), QuantumRegister(1, "anc"), ClassicalRegister(1, "m"),
                        name="boxes")
    qc.append(sub.to_gate(), [0, 2])
    qc.append(QuantumCircuit(3, name="a<b&c").to_gate(label="<script>"), [0, 1, 2])
    qc.rz((x[0] - 1.5) * (x[1] - 2.5) * x[2] + 3 * x[2], 0)
    qc.ry(th[1] + x[1], 1)
    qc.p(2 * x[0], 2)
    qc.ry(np.pi / 4, 0)
    qc.unitary(np.eye(4), [0, 1], label="U4")
    qc.measure(2, 0)
    return qc


def folds():
    """Two wires, 32 columns: too wide for 560 px, so it folds into three stacked systems."""
    qc = QuantumCircuit(2, name="folds")
    for i in range(16):
        qc.ry(Parameter(f"θ[{i}]"), i % 2)
        qc.cx(0, 1)
    return qc


def scrolls():
    """One wire past 40 columns: drawn at natural size in a scrolling wrapper."""
    qc = QuantumCircuit(1, name="scrolls")
    for i in range(50):
        qc.ry(Parameter(f"θ[{i}]"), 0)
    return qc


CASES = {
    "mixed_kinds": (mixed_kinds, {}),
    "mixed_kinds_360": (mixed_kinds, {"max_width_px": 360}),
    "boxes_and_text_styled": (boxes_and_text, {"style": {"colors": {"trainable": "#112233"},
                                                         "font_size": 15}}),
    "folds": (folds, {"max_width_px": 560}),
    "scrolls": (scrolls, {"max_width_px": 2000}),
    "empty": (lambda: QuantumCircuit(2, name="empty"), {"style": {"legend": False}}),
}

#: (sha256 of circuit_svg, of circuit_svg_html), first 16 hex digits
PINNED = {
    "boxes_and_text_styled": ("f99e90c94b32cb1b", "4826231b743a5e88"),
    "empty": ("302445b8c674c572", "49cb37e2853d498d"),
    "folds": ("346c1702fab330e9", "0c25b5976362e187"),
    "mixed_kinds": ("92e1b150090c3b10", "93197d4d5e967898"),
    "mixed_kinds_360": ("f66e416a128e7cde", "c9c357d49bf8c22f"),
    "scrolls": ("9a7a8e2d51eed678", "2d22cdd059ec1f47"),
}


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@pytest.mark.parametrize("case", sorted(CASES))
def test_picture_text_is_unchanged(case):
    build, kw = CASES[case]
    qc = build()
    got = (_sha(circuit_svg(qc, **kw)), _sha(circuit_svg_html(qc, **kw)))
    assert got == PINNED[case], f"{case}: the SVG/HTML text changed; now {got}"
