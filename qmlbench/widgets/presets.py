"""Teaching presets: the named experiments shipped in ``qmlbench/examples/`` (one source,
shared with ``qmlbench run NAME`` and the CLI's default experiment)."""

from __future__ import annotations

from .. import examples
from ..engine.errors import SpecError
from ..engine.spec import ExperimentSpec

#: name -> (label, spec as a dict), read from the example files. Each trains in seconds.
PRESETS: dict[str, tuple[str, dict]] = {name: (examples.label(name), examples.data(name))
                                        for name in examples.names()}


def preset_spec(name: str) -> ExperimentSpec:
    if name not in PRESETS:
        raise SpecError("preset", name, sorted(PRESETS), reason="is not a known preset")
    return ExperimentSpec.from_dict(PRESETS[name][1])
