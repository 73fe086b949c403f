"""``qmlbench insight SPEC``: the table, the JSON it writes, and one-line errors."""

import json
from pathlib import Path

import numpy as np
import pytest

import qmlbench as qb
from qmlbench import cli

EXAMPLES = Path(__file__).resolve().parents[1] / "qmlbench" / "examples"


def test_insight_prints_the_table_and_writes_what_the_engine_computes(tmp_path, capsys):
    out = tmp_path / "ins.json"
    assert cli.main(["insight", str(EXAMPLES / "xor_estimator_qnn.json"), "--samples", "300",
                     "--sizes", "1000,100000", "--weight-samples", "3", "--input-samples", "5",
                     "--out", str(out)]) == 0
    text = capsys.readouterr().out
    for fragment in ("expressibility (KL)", "entangling Q", "feature map + ansatz",
                     "effective dimension", "d_eff/d"):
        assert fragment in text
    saved = json.loads(out.read_text())
    assert [r["part"] for r in saved["rows"]] == ["feature map", "ansatz", "feature map + ansatz"]
    direct = qb.insight.spec_report(qb.ExperimentSpec.load(EXAMPLES / "xor_estimator_qnn.json"),
                                    samples=300, dataset_sizes=[1000, 100000], weight_samples=3,
                                    input_samples=5)
    assert [r["expressibility"] for r in saved["rows"]] == \
        pytest.approx([r["expressibility"] for r in direct.rows])
    np.testing.assert_allclose(saved["effective_dimension"]["values"],
                               direct.effective_dimension["values"])
    assert saved["rows"][1]["q_haar"] == pytest.approx(0.4)


def test_kernel_model_has_no_effective_dimension(capsys):
    assert cli.main(["insight", "ad_hoc_qsvc", "--samples", "100"]) == 0
    text = capsys.readouterr().out
    assert "not defined for this model" in text
    assert "feature map + ansatz" not in text  # a kernel model has no ansatz to measure


@pytest.mark.parametrize("argv,fragment", [
    (["insight", "moons_vqc", "--samples", "0"], "samples"),
    (["insight", "no_such_spec"], "spec"),
])
def test_bad_input_is_one_line_and_exit_2(argv, fragment, capsys):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and fragment in err


def test_existing_out_needs_force(tmp_path, capsys):
    out = tmp_path / "x.json"
    out.write_text("{}")
    assert cli.main(["insight", "moons_vqc", "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
