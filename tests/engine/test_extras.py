"""Optional extras: without PyTorch the package imports, and choosing what needs it says
what to install (the environment here is made to lack torch, whether or not it has it)."""

from __future__ import annotations

import importlib
import importlib.util

import pytest

import qmlbench as qb
from qmlbench.engine import extras


@pytest.fixture
def no_torch(monkeypatch):
    real_find, real_import = importlib.util.find_spec, importlib.import_module

    def find_spec(name, *args):
        return None if name == "torch" else real_find(name, *args)

    def import_module(name, *args, **kwargs):
        if name == "torch":
            raise ModuleNotFoundError("No module named 'torch'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    monkeypatch.setattr(importlib, "import_module", import_module)


def test_without_torch_the_hybrid_model_names_the_install_command(no_torch):
    entry = qb.models.get("hybrid")
    assert "pip install" in entry.missing and "download.pytorch.org/whl/cpu" in entry.missing
    spec = qb.ExperimentSpec.from_dict({"model": {"name": "hybrid"}})   # a spec may name it
    with pytest.raises(extras.MissingExtra, match=r"model 'hybrid' needs torch.*qmlbench\[torch\]"):
        qb.models.build(spec)
    with pytest.raises(ImportError):       # also an ImportError, for code that catches those
        qb.models.build(spec)
    with pytest.raises(extras.MissingExtra, match="the hybrid model needs torch"):
        extras.require("torch", "the hybrid model")
    assert not extras.available("torch")


def test_other_models_do_not_need_torch(no_torch):
    assert all(e.missing is None for n, e in qb.models.MODELS.items() if n != "hybrid")


def test_without_torch_qb_torch_imports_and_its_layer_says_what_to_install(no_torch):
    layer_module = qb.torch      # importable: the engine never needs torch to load
    with pytest.raises(extras.MissingExtra, match="QuantumLayer needs torch"):
        layer_module.QuantumLayer("zz", "real_amplitudes", num_qubits=2)
