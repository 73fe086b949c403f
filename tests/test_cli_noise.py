"""``qmlbench plateau --noise``: model:p and model:key=val,... parsed, checked by the engine's
noise schema, and the noisy path reported."""

from __future__ import annotations

import json

import pytest

from qmlbench import cli


def test_noise_model_and_strength(capsys, tmp_path):
    out = tmp_path / "res.json"
    code = cli.main(["plateau", "--qubits", "2,3", "--layers", "2", "--samples", "30",
                     "--noise", "depolarizing:0.01", "--quiet", "--out", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    assert "depolarizing p1=0.01, p2=0.01" in text and "density matrix" in text
    assert json.loads(out.read_text())["variances"]


def test_noise_key_values():
    setting = cli._noise_arg("thermal_relaxation:t1=100,t2=80,time1=0.05")
    assert setting["t2"] == 80 and setting["time2"] == 0.3
    assert cli._noise_arg("readout:0.02")["p10"] == 0.02


@pytest.mark.parametrize("arg,words", [("depolarizing:2", "from 0 to 1"),
                                       ("thermal_relaxation:t1=10,t2=50", "at most 2 T1"),
                                       ("pink:0.1", "not a noise model"),
                                       ("depolarizing:p1=x", "model:p")])
def test_bad_noise_is_one_line_naming_what_is_allowed(arg, words, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["plateau", "--qubits", "2", "--noise", arg])
    assert exc.value.code == 2
    assert words in capsys.readouterr().err
