import time

import pytest

HOOKS = ("qb-workbench", "qb-dataset", "qb-feature-map", "qb-ansatz", "qb-model", "qb-optimizer",
         "qb-train", "qb-stop", "qb-reset", "qb-status", "qb-progress", "qb-loss", "qb-boundary",
         "qb-circuit", "qb-spec", "qb-preset")


def walk(widget):
    """Every widget under ``widget`` (Box/Tab children), the widget itself first."""
    yield widget
    for child in getattr(widget, "children", ()) or ():
        yield from walk(child)


def by_class(root, css):
    return [w for w in walk(root) if css in (getattr(w, "_dom_classes", ()) or ())]


def wait_until(predicate, timeout=30.0, interval=0.01):
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


@pytest.fixture
def helpers():
    class H:
        pass

    h = H()
    h.walk, h.by_class, h.wait_until, h.HOOKS = walk, by_class, wait_until, HOOKS
    return h


@pytest.fixture(scope="module")
def workbench_factory():
    from qmlbench.widgets import Workbench

    return Workbench
