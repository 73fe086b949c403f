"""The named experiments qmlbench ships: one JSON spec per file in this folder.

The one source for them: ``qmlbench run NAME``, the CLI's default experiment, the
workbench's presets (``qb.widgets.PRESETS``) and ``?preset=NAME`` links all read these
files (package data, so they are there after a wheel install too).

    from qmlbench import examples
    examples.names(); examples.spec("moons_vqc"); examples.label("moons_vqc")
"""

from __future__ import annotations

import json
from importlib import resources

#: The experiment ``qmlbench run`` performs without a spec file.
DEFAULT = "ad_hoc_qsvc"

#: A line of text per example for a menu (an example without one shows its name).
LABELS = {
    "ad_hoc_qsvc": "Havlíček ad hoc data + quantum kernel SVC",
    "moons_vqc": "Moons + variational quantum classifier",
    "sine_vqr": "Sine regression + variational quantum regressor",
    "circles_svc_baseline": "Circles + classical RBF SVC (the baseline to beat)",
    "xor_estimator_qnn": "XOR + EstimatorQNN",
    "phases_qcnn": "Phases of the ANNNI spin chain (quantum data) + QCNN",
    "circles_reuploading": "Circles + one-qubit data re-uploading classifier",
    "moons_hybrid": "Moons + hybrid PyTorch network (the torch extra)",
}


def _folder():
    return resources.files(__name__)


def names() -> list[str]:
    """The examples' names: those with a label first, in the labels' order, then the rest."""
    try:
        found = {p.name[:-5] for p in _folder().iterdir() if p.name.endswith(".json")}
    except (FileNotFoundError, NotADirectoryError):
        return []
    return [n for n in LABELS if n in found] + sorted(found - set(LABELS))


def text(name: str) -> str:
    """The JSON text of example ``name``; raises ``SpecError`` for an unknown name."""
    if name not in names():
        from ..engine.errors import SpecError

        raise SpecError("example", name, names(), reason="is not an example shipped with qmlbench")
    return (_folder() / f"{name}.json").read_text(encoding="utf-8")


def data(name: str) -> dict:
    return json.loads(text(name))


def spec(name: str):
    """Example ``name`` as a validated ``ExperimentSpec``."""
    from ..engine.spec import ExperimentSpec

    return ExperimentSpec.from_json(text(name))


def label(name: str) -> str:
    return LABELS.get(name, name.replace("_", " "))


__all__ = ["DEFAULT", "LABELS", "names", "text", "data", "spec", "label"]
