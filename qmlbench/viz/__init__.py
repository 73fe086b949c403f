"""Pure plotly figure builders: plain engine results in, ``plotly.graph_objects.Figure`` out.

No widgets here; the same figures work from a script (``fig.show()``,
``fig.write_html``). Each builder has a fixed trace layout, documented on the
function, with ``name`` and ``uid`` set on every trace so users can restyle
them (``fig.update_traces(selector=dict(uid="test"), marker_size=12)``).
"""

from .boundary import decision_boundary, misclassified_points, noise_boundaries
from .circuit import circuit_figure, circuit_html, circuit_text, facts_html
from .circuit_svg import circuit_svg, circuit_svg_html
from .compare import score_bars
from .data import data_scatter, point_traces
from .kernels import (concentration_figure, kernel_heatmap, kernel_noise_figure, off_diagonal,
                      order_by_label)
from .training import loss_curve, loss_series
from . import plateau
from .plateau import depth_figure, landscape_figure, noise_depth_figure, variance_figure
from . import insight
from .insight import effective_dimension_figure, fidelity_figure, fourier_figure, layer_grid_figure, layer_views_figure
from .study import study_figure, study_series

__all__ = [
    "data_scatter", "point_traces", "loss_curve", "loss_series", "decision_boundary",
    "misclassified_points", "kernel_heatmap", "concentration_figure", "off_diagonal", "order_by_label", "circuit_text",
    "circuit_html", "circuit_svg", "circuit_svg_html", "circuit_figure", "facts_html", "score_bars", "plateau", "variance_figure",
    "depth_figure", "landscape_figure",
    "insight", "fidelity_figure", "fourier_figure", "layer_views_figure", "layer_grid_figure", "effective_dimension_figure",
    "study_figure", "study_series", "noise_boundaries", "kernel_noise_figure", "noise_depth_figure",
]
