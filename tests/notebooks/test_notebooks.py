"""Every notebook runs top to bottom in a fresh kernel, quickly.

The notebooks in ``notebooks/`` are what people open in JupyterLab and on
Binder; ``qmlbench/notebooks/`` holds the ones that ship with the package
(the dashboard).  Both are found here by globbing, so a new notebook is tested
the day it is added.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PACKAGED = sorted((ROOT / "qmlbench" / "notebooks").glob("*.ipynb"))
# A tutorial that takes longer than this here is too slow for a classroom.
BUDGET_S = 90
CELL_TIMEOUT_S = 120


def execute(path: Path, **kernel_kwargs):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}},
                            store_widget_state=True)
    start = time.perf_counter()
    client.execute(**kernel_kwargs)
    return nb, time.perf_counter() - start


def widget_states(nb) -> dict:
    return nb.metadata.get("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json", {}).get("state", {})


def test_the_expected_notebooks_exist():
    names = {p.name for p in NOTEBOOKS}
    for name in ("dashboard.ipynb", "feature_maps_and_ansatze.ipynb",
                 "kernels_vs_variational.ipynb", "training_live.ipynb"):
        assert name in names, f"notebooks/{name} is missing"
    assert "dashboard.ipynb" in {p.name for p in PACKAGED}


def test_the_dashboard_notebook_has_one_source_of_truth():
    # Binder serves notebooks/dashboard.ipynb, `qmlbench dashboard` the packaged one:
    # the first is a link to the second, so there is one file to edit.
    link = ROOT / "notebooks" / "dashboard.ipynb"
    assert link.is_symlink()
    assert link.resolve() == (ROOT / "qmlbench" / "notebooks" / "dashboard.ipynb").resolve()


@pytest.mark.parametrize("path", NOTEBOOKS + PACKAGED, ids=lambda p: p.parent.name + "/" + p.name)
def test_notebook_is_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, \
                f"{path.name} cell {i} has stored outputs; clear them before committing"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


# notebooks/dashboard.ipynb is a link to the packaged one, which the test
# below executes (with a shared link); running it twice would only cost time.
TUTORIALS = [p for p in NOTEBOOKS if p.name != "dashboard.ipynb"]


@pytest.mark.timeout(BUDGET_S * 2)
@pytest.mark.parametrize("path", TUTORIALS, ids=lambda p: p.name)
def test_notebook_executes(path):
    nb, elapsed = execute(path)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors, errors
    # how long it took is the benchmarks' business; the timeout above only stops a hang
    print(f"{path.name}: {elapsed:.1f} s")


@pytest.mark.timeout(BUDGET_S * 2)
def test_dashboard_notebook_displays_the_workbench_in_the_state_of_its_query_string():
    from qmlbench import ExperimentSpec
    from qmlbench.widgets import share_query

    spec = ExperimentSpec().replace(dataset={"name": "circles", "n_samples": 40})
    nb, _ = execute(ROOT / "qmlbench" / "notebooks" / "dashboard.ipynb",
                    env={**os.environ, "QUERY_STRING": share_query(spec).lstrip("?")})
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, errors
    states = [s.get("state", {}) for s in widget_states(nb).values()]
    assert any("qb-workbench" in s.get("_dom_classes", []) for s in states)
    # the dataset picker and the exported JSON restored from the link
    picker = [s for s in states if "qb-dataset" in s.get("_dom_classes", [])]
    assert len(picker) == 1
    assert picker[0]["_options_labels"][picker[0]["index"]].split()[0] == "circles"
    exported = [s for s in states if "qb-spec" in s.get("_dom_classes", [])]
    assert ExperimentSpec.from_json(exported[0]["value"]).to_dict() == spec.to_dict()
    # nothing but the app (and the hidden carrier of plotly's code) is shown
    shown = [o for c in nb.cells for o in c.get("outputs", [])]
    assert all("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in shown), shown


@pytest.mark.timeout(120)
def test_training_live_plot_lets_go_of_the_empty_figures_fixed_axes():
    """The live loss plot of training_live.ipynb started with loss_curve([])'s fixed
    0-10 x 0-1 axes and kept them: a 104-step run showed as a sliver in a corner."""
    import json as _json

    nb = _json.loads((ROOT / "notebooks" / "training_live.ipynb").read_text())
    code = [''.join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    ns: dict = {}
    exec(code[0], ns)                                     # the spec
    ns["spec"] = ns["spec"].replace(optimizer={"maxiter": 15})
    exec(code[1], ns)                                     # the empty live figure
    fig = ns["fig"]
    assert list(fig.layout.xaxis.range) == [0, 10]
    exec(code[2], ns)                                     # LivePlot, training starts
    ns["run"].wait()
    ns["live"].redraw()
    assert fig.layout.xaxis.autorange is True and fig.layout.yaxis.autorange is True
    assert len(fig.data[0].y) > 10
