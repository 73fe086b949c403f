"""What a visitor met on screen (issue 15), headless: the seed field, a bad link,
hidden panels that left orphans, a phone's width, what a one-shot fit reports."""

from __future__ import annotations

import pytest

from qmlbench import ExperimentSpec
from qmlbench.widgets import Workbench
from qmlbench.widgets.data import DataPanel, parse_seed


def test_a_seed_that_is_not_a_whole_number_is_refused_not_mangled():
    panel = DataPanel()
    before = panel.spec.seed
    panel.seed.value = "3.7"          # IntText showed 37 and stored 3
    assert panel.spec.seed == before
    assert "seed" in panel.error.value and "whole number" in panel.error.value
    panel.seed.value = " 12 "
    assert panel.spec.seed == 12 and panel.error.value == ""
    assert panel.seed.value == "12"    # the field shows what is stored
    for bad in ("-1", "1e3", "", "x", str(2**31)):
        with pytest.raises(Exception, match="seed"):
            parse_seed(bad)


def test_a_bad_link_says_so_where_the_visitor_looks():
    wb = Workbench.from_query("preset=nope")
    assert "nope" in wb.notice.value
    assert wb.children[1] is wb.notice, "right under the title, above the columns"
    assert wb.spec.to_dict() == ExperimentSpec().to_dict()
    assert Workbench.from_query("").notice.value == ""


def test_hiding_the_spec_text_hides_its_import_button_and_the_link_hint():
    wb = Workbench.from_query("hide=spec,link")
    ex = wb.experiment
    assert ex.spec_text.layout.display == "none"
    assert ex.import_button.layout.display == "none"
    assert "add the text above" not in ex.link.value
    assert "Link to this experiment" in ex.link.value
    assert "add the text above" in Workbench().experiment.link.value


def test_on_a_phone_the_columns_stack_and_none_is_wider_than_the_screen():
    wb = Workbench()
    main = wb.children[2]
    assert "qb-main-row" in main._dom_classes
    assert main.layout.flex_flow == "row wrap"
    for column in main.children:
        assert column.layout.max_width == "100%", column
        assert column.layout.overflow == "auto"  # a trait: sent to the page
    assert wb.results.layout.max_width == "100%"


@pytest.mark.timeout(120)
@pytest.mark.parametrize("model, words", [("qsvc", ["kernel matrix", "fitted"]),
                                          ("logistic", ["Logistic regression", "fitted on"])])
def test_a_one_shot_fit_says_what_happened_not_two_steps(model, words):
    spec = ExperimentSpec().replace(dataset={"n_samples": 30}, model={"name": model})
    wb = Workbench(spec)
    wb.train()
    assert wb.wait(90)
    status = wb.training.status.value
    assert status.startswith("done:"), status
    assert "steps" not in status, status
    for w in words:
        assert w in status, status
    assert "one go" in wb.training.loss_figure.layout.title.text


@pytest.mark.timeout(180)
def test_after_qkt_qsvc_the_kernel_tab_shows_the_trained_kernel_and_the_alignment_gained():
    import numpy as np

    spec = ExperimentSpec().replace(dataset={"n_samples": 24},
                                    model={"name": "qkt_qsvc"}, optimizer={"maxiter": 8})
    wb = Workbench(spec)
    untrained = wb.kernel.compute()
    wb.train()
    assert wb.wait(150)
    assert wb.training.status.value.startswith("done"), wb.training.status.value
    kv = wb.kernel
    assert kv.trained, "the Kernel tab must show the trained kernel"
    model = wb.session.model
    ds = wb.session.get_dataset()
    np.testing.assert_allclose(kv.matrix, model._kernel_at(model.weights_, ds.X_train), atol=1e-9)
    assert not np.allclose(kv.matrix, untrained), "identical to the untrained kernel"
    a0, a1 = kv.alignment
    assert "alignment" in kv.note.value and f"{a1:.3f}" in kv.note.value
    # the heatmap draws it (points grouped by class, so compare the values)
    np.testing.assert_allclose(np.sort(np.asarray(kv.figure.data[0].z, float).ravel()),
                               np.sort(kv.matrix.ravel()))


def test_the_plateau_depth_choices_fit_their_dropdown():
    from qmlbench.widgets.plateau import PlateauExplorer

    panel = PlateauExplorer()
    # the 300 px dropdown cut "layers = value × qubits (deep enough)" off
    assert all(len(label) <= 28 for label, _ in panel.depth_mode.options)
