"""``qmlbench list --options`` prints each entry's options from its schema."""

import qmlbench as qb
from qmlbench import cli


def test_list_options_prints_every_schema(capsys):
    assert cli.main(["list", "--options"]) == 0
    out = capsys.readouterr().out
    assert "      alpha = 2.0: a finite number" in out
    assert "      factor = 0.5: a number between 0 and 1 (> 0 and < 1)" in out
    assert "      C = 1.0: a number > 0" in out
    assert "      gamma = \"scale\": 'scale', 'auto' or a number > 0" in out
    assert "      rhobeg = null: a number > 0" in out
    for block in qb.circuits.ANSATZE.values():
        for opt in block.schema:
            assert f"      {opt.name} = " in out
    assert cli.main(["list"]) == 0
    assert "      gap = " not in capsys.readouterr().out  # only with --options
