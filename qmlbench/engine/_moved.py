"""Old import paths of the engine's flat first layout, each pointing at its new home.

``import qmlbench.engine.fast_primitives`` keeps working (it is the module now at
``qmlbench.engine.execution.primitives``) and warns once with the new name, so user code
and pickles written against the first version still load.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

MOVED = {
    "statevector_sim": "sim",
    "gate_ops": "sim.gates",
    "gate_apply": "sim.apply",
    "param_eval": "sim.angles",
    "pauli_observable": "sim.observables",
    "circuit_key": "sim.circuit_key",
    "aer_rewrite": "execution.aer",
    "fast_primitives": "execution.primitives",
    "kernel_concentration": "kernels.concentration_study",
    "plateau_observables": "plateau.observables",
    "plateau_result": "plateau.result",
}

_PREFIX = __name__.rsplit(".", 1)[0] + "."


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith(_PREFIX) and fullname[len(_PREFIX):] in MOVED:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        new = _PREFIX + MOVED[spec.name[len(_PREFIX):]]
        warnings.warn(f"{spec.name} moved to {new}; import it from there",
                      DeprecationWarning, stacklevel=3)
        return importlib.import_module(new)

    def exec_module(self, module):
        pass


def install() -> None:
    if not any(isinstance(f, _Alias) for f in sys.meta_path):
        sys.meta_path.append(_Alias())
