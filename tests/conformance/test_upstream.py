"""qiskit's and qiskit-machine-learning's own tests, run against qmlbench's primitives.

One test per upstream module (each suite runs once, in a subprocess; see conftest.py
and upstream_suites.py): it fails with the upstream ids and tracebacks of whatever
failed there.
"""

from __future__ import annotations

import pytest

# the first test to ask runs a whole suite (minutes on a busy 2-core machine)
pytestmark = [pytest.mark.conformance, pytest.mark.timeout(2400)]


def test_upstream_module_passes(upstream, upstream_dist, upstream_module):
    run = upstream(upstream_dist)
    mine = {tid: v for tid, v in run.cases.items() if tid.startswith(upstream_module)}
    failed = {tid: msg for tid, (outcome, msg) in mine.items() if outcome == "failed"}
    ran = sum(1 for outcome, _ in mine.values() if outcome == "passed")
    if not mine and not any(t.startswith(upstream_module) for t in run.deselected):
        pytest.fail(f"{upstream_dist} {upstream_module}: no test ran (exit {run.returncode}); "
                    f"output tail:\n{run.output[-6000:]}")
    report = "\n\n".join(f"--- {tid}\n{msg.strip()[-3000:]}" for tid, msg in sorted(failed.items()))
    assert not failed, (f"{len(failed)} of {len(mine)} upstream tests failed in {upstream_dist} "
                        f"{upstream_module} ({ran} passed):\n{report}")
    assert ran > 0, f"{upstream_dist} {upstream_module}: every test was skipped or deselected"


def test_suite_ran_and_deselections_are_current(upstream, upstream_dist, deselect_rules):
    """pytest finished (no collection error), and every deselection still matches a test."""
    run = upstream(upstream_dist)
    assert run.returncode in (0, 1), f"pytest exited {run.returncode}:\n{run.output[-6000:]}"
    assert not run.unused_patterns, (f"deselection patterns that match no {upstream_dist} test: "
                                     f"{run.unused_patterns} (DESELECT in conftest.py)")
    assert set(run.deselected.values()) <= set(deselect_rules[upstream_dist].values())
