"""The circuit picture: well-formed SVG, one wire per qubit, one box per gate, the right
symbols, escaped text, input vs trainable colours, legible at the panel's width."""

import re
import warnings
import xml.etree.ElementTree as ET

import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter, ParameterVector

from qmlbench.engine import circuits as C
from qmlbench.viz import circuit_html, circuit_svg, circuit_svg_html
from qmlbench.viz.circuit_svg import DEFAULT_STYLE

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def with_class(root, cls, tag=None):
    found = []
    for el in root.iter():
        if tag is not None and el.tag != NS + tag:
            continue
        if cls in (el.get("class") or "").split():
            found.append(el)
    return found


def gates(root):
    return with_class(root, "qb-gate", "g")


def texts(el):
    return ["".join(t.itertext()) for t in el.iter(NS + "text")]


def box_fills(root, family):
    return {r.get("fill") for g in with_class(root, "qb-" + family, "g")
            for r in g.iter(NS + "rect")}


def wire_y(wire) -> float:
    """The height of a wire's first segment (``d="Mx,yH..."``)."""
    return float(re.match(r"M[-\d.]+,([-\d.]+)", wire.get("d")).group(1))


def small_circuit():
    qc = QuantumCircuit(3)
    qc.h(0)
    qc.ry(Parameter("θ[0]"), 1)
    qc.cx(0, 1)
    qc.crx(0.5, 1, 2)
    qc.barrier()
    qc.swap(0, 2)
    qc.reset(1)
    return qc


def test_well_formed_one_wire_per_qubit_and_one_box_per_gate():
    qc = small_circuit()
    root = parse(circuit_svg(qc))
    assert root.tag == NS + "svg"
    assert len(with_class(root, "qb-wire", "path")) == 3
    assert [texts(lab)[0] for lab in with_class(root, "qb-label", "text")] == ["q0", "q1", "q2"]
    # every instruction but the barrier is one gate group, each with its tooltip
    gs = gates(root)
    assert len(gs) == len(qc.data) - 1
    assert all(g.find(NS + "title") is not None for g in gs)
    assert [g.get("data-kind") for g in gs] == ["box", "box", "ctrl", "ctrl", "swap", "reset"]
    assert len(with_class(root, "qb-barrier", "g")) == 1
    dashed = [ln for g in with_class(root, "qb-barrier", "g") for ln in g.iter(NS + "line")]
    assert dashed and all(ln.get("stroke-dasharray") for ln in dashed)


def test_columns_follow_greedy_layering():
    qc = QuantumCircuit(3)
    qc.h(0)
    qc.h(2)        # same column as h(0)
    qc.cx(0, 1)    # after h(0)
    qc.x(2)        # free wire: next to h(2)
    qc.barrier()
    qc.z(2)        # after the barrier, not beside x(2)
    cols = [int(g.get("data-column")) for g in parse(circuit_svg(qc)).iter(NS + "g")
            if g.get("data-column") is not None]
    assert cols == [0, 0, 1, 1, 2, 3]


def test_control_dots_target_and_open_control():
    qc = QuantumCircuit(3)
    qc.cx(0, 1)
    qc.crx(Parameter("θ[0]"), 1, 2)
    qc.cx(2, 0, ctrl_state=0)
    root = parse(circuit_svg(qc))
    cx, crx, open_cx = gates(root)
    assert len(with_class(cx, "qb-ctrl", "circle")) == 1
    assert len(with_class(cx, "qb-target", "circle")) == 1       # ⊕
    assert len(with_class(cx, "qb-link", "line")) == 1
    assert len(with_class(crx, "qb-ctrl", "circle")) == 1
    assert "Rx" in texts(crx) and "θ₀" in texts(crx)               # a box on the target
    assert not with_class(crx, "qb-target")
    assert len(with_class(open_cx, "qb-ctrl-open", "circle")) == 1
    assert not with_class(open_cx, "qb-ctrl", "circle")
    assert with_class(open_cx, "qb-ctrl-open")[0].get("fill") == "#ffffff"
    assert "q2=0" in open_cx.find(NS + "title").text


def test_swap_measure_and_classical_wires():
    qc = QuantumCircuit(2, 2)
    qc.swap(0, 1)
    qc.measure([0, 1], [0, 1])
    root = parse(circuit_svg(qc))
    swap, m0, m1 = gates(root)
    assert len(with_class(swap, "qb-swap", "path")) == 2
    assert with_class(m0, "qb-meter") and with_class(m1, "qb-meter")
    assert len(with_class(root, "qb-wire", "path")) == 2           # qubit wires only
    assert {ln.get("data-clbit") for ln in with_class(root, "qb-cwire", "path")} == {"0", "1"}


def test_labels_are_escaped_and_long_ones_abbreviated():
    qc = QuantumCircuit(2)
    qc.append(QuantumCircuit(2, name="a<b&c").to_gate(label="<script>"), [0, 1])
    x = ParameterVector("x", 3)
    long = (x[0] - 1.5) * (x[1] - 2.5) * x[2] + 3 * x[2]
    qc.rz(long, 0)
    svg = circuit_svg(qc)
    assert "<script>" not in svg
    root = parse(svg)                    # still well formed
    wide, rz = gates(root)
    assert "<script>" in texts(wide)
    assert "a<b&c" in wide.find(NS + "title").text
    shown = texts(rz)[1]
    assert len(shown) <= DEFAULT_STYLE["max_param_chars"] + 2
    assert shown.startswith("ƒ(") or shown.endswith("…")
    assert str(long) in rz.find(NS + "title").text                 # the full text in the tooltip


def test_parameter_text_is_short():
    x, th = ParameterVector("x", 2), ParameterVector("θ", 4)
    qc = QuantumCircuit(1)
    qc.ry(th[3], 0)
    qc.p(2 * x[0], 0)
    qc.ry(3.141592653589793 / 4, 0)
    labels = [texts(g) for g in gates(parse(circuit_svg(qc)))]
    assert labels == [["Ry", "θ₃"], ["P", "2·x₀"], ["Ry", "π/4"]]


def test_input_and_trainable_gates_have_different_colours():
    x, th = ParameterVector("x", 1), ParameterVector("θ", 1)
    qc = QuantumCircuit(2)
    qc.p(2 * x[0], 0)
    qc.ry(th[0], 1)
    qc.rz(x[0] + th[0], 0)
    qc.cx(0, 1)
    qc.h(1)
    root = parse(circuit_svg(qc))
    families = [next(c for c in g.get("class").split() if c not in ("qb-gate",))
                for g in gates(root)]
    assert families == ["qb-input", "qb-trainable", "qb-mixed", "qb-entangler", "qb-fixed"]
    fills = {f: box_fills(root, f) for f in ("input", "trainable", "mixed", "fixed")}
    assert fills["input"] and fills["trainable"]
    assert fills["input"].isdisjoint(fills["trainable"])
    assert len({frozenset(v) for v in fills.values()}) == 4
    legend = texts(with_class(root, "qb-legend", "g")[0])
    assert "input x" in legend and "trainable θ" in legend


def test_style_overrides_colours_and_refuses_unknown_keys():
    qc = QuantumCircuit(1)
    qc.ry(Parameter("θ[0]"), 0)
    root = parse(circuit_svg(qc, style={"colors": {"trainable": "#112233"}}))
    assert any(r.get("stroke") == "#112233" for r in gates(root)[0].iter(NS + "rect"))
    with pytest.raises(ValueError, match="style"):
        circuit_svg(qc, style={"colour": "red"})


def test_class_form_instruction_is_one_box_spanning_its_qubits():
    from qiskit.circuit.library import ZZFeatureMap
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        fm = ZZFeatureMap(3, parameter_prefix="x")
    qc = QuantumCircuit(4)
    qc.compose(fm, qubits=[1, 2, 3], inplace=True)
    assert len(qc.data) == 1
    root = parse(circuit_svg(qc))
    (g,) = gates(root)
    assert g.get("data-kind") == "wide"
    assert "ZZFeatureMap" in texts(g)
    assert "qb-input" in g.get("class")
    rect = with_class(g, "qb-wide", "rect")[0]
    wires = {int(w.get("data-qubit")): wire_y(w) for w in with_class(root, "qb-wire")}
    top, bottom = float(rect.get("y")), float(rect.get("y")) + float(rect.get("height"))
    assert top < wires[1] and wires[3] < bottom           # spans q1..q3
    assert not top < wires[0] < bottom                    # and not q0


def test_non_adjacent_wide_gate_numbers_its_wires():
    qc = QuantumCircuit(3)
    qc.rzz(0.3, 2, 0)
    (g,) = gates(parse(circuit_svg(qc)))
    assert g.get("data-kind") == "wide"
    assert {"0", "1"} <= set(texts(g))


def _px(style: str, key: str) -> float:
    return float(re.search(rf"{key}:([\d.]+)px", style).group(1))


def _min_font(root) -> float:
    return min(float(t.get("font-size")) for t in root.iter(NS + "text"))


def test_small_circuit_fits_the_panel_and_text_stays_legible():
    qc = C.compose(C.feature_map("zz", 2, reps=1), C.ansatz("real_amplitudes", 2, reps=1))
    root = parse(circuit_svg(qc, max_width_px=560))
    assert root.get("width") == "100%" and root.get("data-scroll") == "false"
    vb_width = float(root.get("viewBox").split()[2])
    style = root.get("style")
    assert _px(style, "max-width") <= 560
    # the narrowest it can be drawn keeps the smallest text at 9 px or more
    assert _min_font(root) * _px(style, "min-width") / vb_width >= 9 - 1e-6
    assert 'class="qb-circuit-svg"' in circuit_svg_html(qc)


def test_six_qubit_zz_and_real_amplitudes_is_legible_at_560_px_or_scrolls():
    qc = C.compose(C.feature_map("zz", 6, reps=2), C.ansatz("real_amplitudes", 6, reps=3))
    svg = circuit_svg(qc, max_width_px=560)
    root = parse(svg)
    assert len(with_class(root, "qb-wire", "path")) == 6
    assert len(gates(root)) == len(qc.data)
    vb_width = float(root.get("viewBox").split()[2])
    if root.get("data-scroll") == "true":
        # drawn at its natural size (1 px per unit) inside a scrolling wrapper
        assert float(root.get("width")) == vb_width
        assert _min_font(root) >= 9
        html = circuit_svg_html(qc, max_width_px=560)
        assert "overflow-x:auto" in html and "scroll →" in html
        assert 'class="qb-circuit-labels"' in html       # wire labels stay in view
    else:
        scale = min(560, _px(root.get("style"), "max-width")) / vb_width
        assert _min_font(root) * scale >= 9


def test_two_qubits_three_reps_folds_into_systems_that_fit_the_panel():
    """The case the text drawing wraps: 22 columns are too wide for 560 px at 9 px text;
    with 2 wires the picture folds into stacked systems instead of scrolling."""
    qc = C.compose(C.feature_map("zz", 2, reps=3), C.ansatz("real_amplitudes", 2, reps=3))
    root = parse(circuit_svg(qc, max_width_px=560))
    assert root.get("data-scroll") == "false"
    systems = int(root.get("data-systems"))
    assert 2 <= systems <= DEFAULT_STYLE["fold_rows"] // 2
    wires = with_class(root, "qb-wire", "path")
    assert len(wires) == 2
    assert all(w.get("d").count("M") == systems for w in wires)
    assert len(with_class(root, "qb-label", "text")) == 2 * systems   # labels on every system
    assert len(gates(root)) == len(qc.data)
    vb_width = float(root.get("viewBox").split()[2])
    style = root.get("style")
    assert _px(style, "min-width") <= 560                          # fits the panel...
    assert _min_font(root) * min(560, _px(style, "max-width")) / vb_width >= 9   # ...legibly
    assert "scroll →" not in circuit_svg_html(qc, max_width_px=560)


def test_folding_can_be_turned_off():
    qc = C.compose(C.feature_map("zz", 2, reps=3), C.ansatz("real_amplitudes", 2, reps=3))
    root = parse(circuit_svg(qc, max_width_px=560, style={"fold_rows": 0}))
    assert root.get("data-scroll") == "true" and root.get("data-systems") == "1"


def test_long_circuit_scrolls_instead_of_shrinking():
    qc = QuantumCircuit(1)
    for i in range(50):
        qc.ry(Parameter(f"θ[{i}]"), 0)
    root = parse(circuit_svg(qc, max_width_px=2000))   # would fit, but past 40 columns
    assert root.get("data-scroll") == "true" and int(root.get("data-columns")) == 50
    assert "scroll →" in circuit_svg_html(qc, max_width_px=2000)


def test_circuit_svg_html_wraps_and_the_text_form_stays():
    qc = small_circuit()
    html = circuit_svg_html(qc)
    assert html.startswith('<div class="qb-circuit-svg') and html.endswith("</div>")
    ET.fromstring(html)                                  # the whole wrapper is well formed
    with pytest.raises(TypeError):
        circuit_svg_html(qc, fold=80)
    assert "<pre" in circuit_html(qc)                    # the fallback is untouched


def test_empty_circuit():
    root = parse(circuit_svg(QuantumCircuit(2)))
    assert len(with_class(root, "qb-wire", "path")) == 2 and not gates(root)


@pytest.mark.parametrize("num_qubits", [2, 6])
@pytest.mark.parametrize("kind,name", [("feature_map", n) for n in C.FEATURE_MAPS]
                         + [("ansatz", n) for n in C.ANSATZE])
def test_every_registry_block_renders(kind, name, num_qubits):
    build = C.feature_map if kind == "feature_map" else C.ansatz
    qc = build(name, num_qubits, reps=2)
    root = parse(circuit_svg(qc))
    assert len(with_class(root, "qb-wire", "path")) == num_qubits
    assert len(gates(root)) == sum(inst.operation.name != "barrier" for inst in qc.data)
    families = {c for g in gates(root) for c in g.get("class").split()}
    if kind == "feature_map":
        assert "qb-input" in families
    elif qc.num_parameters:
        assert "qb-trainable" in families and "qb-input" not in families


def test_odd_instructions_render_without_dumping_their_payload():
    import numpy as np
    qc = QuantumCircuit(2, 1, global_phase=0.5)
    qc.unitary(np.eye(4), [0, 1], label="U4")
    qc.initialize([1, 0], 0)
    qc.delay(100, 1)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)):
        qc.ry(Parameter("θ[0]"), 1)
    svg = circuit_svg(qc)
    root = parse(svg)
    assert len(gates(root)) == len(qc.data)
    assert "[[" not in svg and "QuantumCircuit" not in svg     # no matrix, no circuit repr
    assert len(with_class(root, "qb-wire", "path")) == 2


def test_registers_name_their_wires():
    from qiskit import QuantumRegister
    qc = QuantumCircuit(QuantumRegister(2, "q"), QuantumRegister(1, "anc"))
    qc.cx(0, 2)
    root = parse(circuit_svg(qc))
    assert [texts(lab)[0] for lab in with_class(root, "qb-label", "text")] == ["q0", "q1", "anc0"]
