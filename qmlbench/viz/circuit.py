"""Circuit diagram (qiskit's text drawing) and facts, as text, HTML or a figure."""

from __future__ import annotations

import html

import plotly.graph_objects as go

from ._style import base_layout

FACT_LABELS = (
    ("num_qubits", "qubits"), ("depth", "depth"), ("two_qubit_gates", "two-qubit gates"),
    ("num_parameters", "parameters"), ("num_inputs", "input parameters"),
    ("num_weights", "trainable weights"),
)


def circuit_text(circuit, fold: int = 100) -> str:
    """qiskit's text drawing; ``fold`` wraps long circuits at that many columns."""
    return str(circuit.draw(output="text", fold=fold))


def facts_html(facts) -> str:
    """A small table of circuit facts (a mapping; known keys first, in a fixed order)."""
    if not facts:
        return ""
    facts = dict(facts)
    rows = [(label, facts.pop(key)) for key, label in FACT_LABELS if key in facts]
    rows += [(str(k).replace("_", " "), v) for k, v in facts.items()
             if isinstance(v, (int, float, str))]
    cells = "".join(f"<tr><td style='padding:0 1em 0 0'>{html.escape(str(k))}</td>"
                    f"<td><b>{html.escape(str(v))}</b></td></tr>" for k, v in rows)
    return f"<table class='qb-facts-table'>{cells}</table>"


#: How many characters of the drawing fit across the composer's box (about 380 px
#: of 11 px monospace); a wider drawing says that it scrolls.
BOX_CHARS = 56


def circuit_html(circuit, fold: int = 100, box_chars: int = BOX_CHARS) -> str:
    """The text drawing in a scrollable monospace block; when it is wider than the
    box, a visible scrollbar and a line saying so (it used to be cut off silently).

    ``white-space:pre`` inline because JupyterLab's stylesheet wraps ``pre`` blocks,
    which breaks the drawing's lines; line-height 1 joins the box-drawing strokes."""
    text = circuit_text(circuit, fold)
    wide = max((len(line) for line in text.splitlines()), default=0) > box_chars
    hint = ("<div class='qb-circuit-scroll-hint' style='font-size:11px;color:#555;"
            "margin:2px 0'>&#8596; the drawing is wider than this box: scroll it sideways"
            "</div>") if wide else ""
    return (hint + "<pre class='qb-circuit-drawing' style='font-family:\"DejaVu Sans Mono\","
            "Menlo,Consolas,monospace;font-size:11px;line-height:1;white-space:pre;"
            "overflow-x:auto;max-width:100%;display:block;margin:0;padding:4px 0 8px 0;"
            + ("border:1px solid #ddd;scrollbar-width:auto;" if wide else "")
            + "'>" + html.escape(text) + "</pre>")


def circuit_figure(circuit, facts=None, title: str | None = None, fold: int = 100) -> go.Figure:
    """The text drawing as a plotly figure (for scripts that want one figure type);
    no traces, the drawing is the figure's single annotation."""
    text = circuit_text(circuit, fold).replace("\n", "<br>").replace(" ", "&nbsp;")
    if title is None:
        bits = []
        if facts:
            for key, label in FACT_LABELS[:4]:
                if key in facts:
                    bits.append(f"{label} {facts[key]}")
        title = "Circuit" + (": " + ", ".join(bits) if bits else "")
    lines = circuit_text(circuit, fold).count("\n") + 1
    fig = go.Figure(layout=base_layout(title, width=900, height=max(200, 60 + 16 * lines),
                                       xaxis=dict(visible=False), yaxis=dict(visible=False)))
    fig.add_annotation(text=text, x=0, y=1, xref="paper", yref="paper", xanchor="left",
                       yanchor="top", showarrow=False, align="left",
                       font=dict(family="monospace", size=12))
    return fig
