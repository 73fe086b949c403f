"""Import paths of the first, flat engine still work: each is the module at its new home,
with a DeprecationWarning that names that home (users' scripts and pickles use them)."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from qmlbench.engine._moved import MOVED


@pytest.mark.parametrize("old", sorted(MOVED))
def test_an_old_module_path_is_the_new_module_and_says_where_it_went(old):
    new = importlib.import_module(f"qmlbench.engine.{MOVED[old]}")
    sys.modules.pop(f"qmlbench.engine.{old}", None)
    with pytest.warns(DeprecationWarning, match=rf"qmlbench\.engine\.{old} moved to "
                                                 rf"qmlbench\.engine\.{MOVED[old]}"):
        got = importlib.import_module(f"qmlbench.engine.{old}")
    assert got is new


def test_old_from_imports_of_public_names_still_work():
    code = ("import warnings; warnings.simplefilter('ignore')\n"
            "from qmlbench.engine.fast_primitives import FastEstimator\n"
            "from qmlbench.engine.plateau_result import variance_with_stderr\n"
            "from qmlbench.engine.statevector_sim import compiled, UnsupportedCircuit\n"
            "from qmlbench.engine.kernel_concentration import concentration\n"
            "import qmlbench.engine.execution as e; assert e.FastEstimator is FastEstimator\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr


def test_a_name_that_never_existed_is_still_an_import_error():
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("qmlbench.engine.no_such_module")
