"""The circuit as a picture: a self-contained inline SVG of gates on wires.

qiskit's text drawing wraps into continuation lines as soon as a circuit is a
little long (2 qubits, 3 reps), and its matplotlib drawer needs matplotlib and
gives a raster or an SVG with embedded glyphs.  This package draws the circuit
itself as plain SVG markup, no scripts, no external fonts, so it can sit in an
``ipywidgets.HTML`` value (robust in Voila, unlike a FigureWidget) or in any page.

What it draws: one horizontal wire per qubit (``q0``, ``q1``, ...; classical
bits as double lines below them), gates placed in columns as soon as their
wires are free (greedy as-soon-as-possible placement, the same columns as
qiskit's drawers; a barrier holds back what follows it), boxes with the gate
name and a short parameter text on a second line, the full text in an SVG
``<title>`` tooltip.  Controlled gates: a dot per control (an open circle for a
control on |0>), a vertical line, and the target (⊕ for X, a dot for Z, × for
swap, a box otherwise).  Swap ×-×, measurement meter, reset ``|0⟩``, barriers
as dashed lines, and one box spanning its wires for any other multi-qubit
instruction (a class-form ``ZZFeatureMap``, an ``Interaction`` block).

Colours say what a quantum-ML learner wants to see first: gates whose angle
depends on the inputs (parameters named ``x[...]``) in orange, trainable ones
(any other parameter, ``θ[...]`` here) in blue, gates that mix both in
vermillion, parameter-free entanglers in green, fixed gates in grey (the
Okabe-Ito colours of ``_style.CLASS_COLORS``).  A legend lists the families
present.

Sizing: the SVG has a ``viewBox`` and ``width="100%"``, so it scales to its
panel, never above its natural size nor below the scale at which the smallest
text is ``min_font_px`` (9 px) on screen.  When even that does not fit the
panel (``max_width_px``, 560 by default), a circuit on few wires folds into
systems stacked like lines of music (each wire's label repeated, a › at each
break; at most ``fold_rows`` wire rows in all: 2 qubits at 3 reps fold in two).
Otherwise, and for any circuit past ``scroll_columns`` columns, it is drawn at
its natural size and the wrapper from :func:`circuit_svg_html` scrolls
horizontally, with a "scroll →" hint and the wire labels held in view.
The text drawing (:func:`qmlbench.viz.circuit_html`) stays as the fallback.

Inside, one module per step: ``style`` (:data:`DEFAULT_STYLE`, the legend, font metrics),
``text`` (gate names, parameter text, tooltips), ``items`` (the circuit as drawable
items), ``layout`` (columns, folding, the page's geometry), ``glyphs`` (each item's SVG),
``render`` (the whole picture and its HTML wrapper).
"""

from __future__ import annotations

from .render import circuit_svg, circuit_svg_html
from .style import DEFAULT_STYLE, PANEL_WIDTH

__all__ = ["circuit_svg", "circuit_svg_html", "DEFAULT_STYLE", "PANEL_WIDTH"]
