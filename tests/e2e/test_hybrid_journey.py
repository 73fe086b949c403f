"""The hybrid model in the dashboard: pick it, train, see the loss per minibatch step and
the decision boundary (Chromium, like the other journeys)."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")

from e2e_helpers import open_dashboard, open_tab, select, wait_points, SCATTER  # noqa: E402
from qmlbench import ExperimentSpec  # noqa: E402
from qmlbench.widgets import share_query  # noqa: E402
from test_journeys import REDRAW_MS, SMALL, train_and_check, wait_spec  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]


def test_pick_the_hybrid_model_train_and_see_loss_and_boundary(page, voila_server):
    spec = ExperimentSpec.from_dict({**SMALL.to_dict(), "optimizer": {"name": "cobyla",
                                                                      "maxiter": 12}})
    open_dashboard(page, voila_server.next_url(share_query(spec)))
    wait_points(page, SCATTER, spec, timeout_ms=REDRAW_MS)
    open_tab(page, ".qb-settings", "Model")
    select(page, ".qb-model", "hybrid")
    chosen = wait_spec(page, lambda s: s.model.name == "hybrid")
    assert chosen.model.params == {}
    # 30 training points, batch 16, 30 epochs: 60 live steps, one point each on the loss
    status = train_and_check(page, variational=True)
    assert "done" in status and "60 steps" in status, status
    assert not page.page_errors, page.page_errors
