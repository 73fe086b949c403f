"""The README's promise: its quick-start test command is exactly what CI runs."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _quick_start_commands():
    text = (ROOT / "README.md").read_text()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(?:bash|sh|console)?\n(.*?)```", section, re.S)
    return [line.strip() for block in blocks for line in block.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def test_quick_start_has_two_commands_install_and_run_then_install_and_test():
    cmds = _quick_start_commands()
    assert len(cmds) == 2, cmds
    assert cmds[0].startswith("pip install") and "qmlbench " in cmds[0]
    assert cmds[1].startswith("pip install") and cmds[1].endswith("pytest")


def test_ci_runs_the_readme_test_command_verbatim():
    test_cmd = _quick_start_commands()[1]
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    marker = next(i for i, line in enumerate(ci) if "README-TEST-COMMAND" in line)
    assert ci[marker + 1].strip() == test_cmd
