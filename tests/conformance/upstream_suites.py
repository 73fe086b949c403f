"""Fetch, extract and run an upstream test suite against qmlbench's primitives.

The data (which modules, which deselections and why) lives in conftest.py; this
module is the machinery: ``pip download`` of the installed version's sdist into the
cache, extraction of only the needed files, one pytest subprocess per suite with the
``qmlbench_substitutes`` plugin, and the junit-xml parse.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent

_SDIST_NAMES = {"qiskit": "qiskit", "qiskit-machine-learning": "qiskit_machine_learning"}


def cache_dir() -> Path:
    root = os.environ.get("QMLBENCH_CONFORMANCE_CACHE")
    return Path(root) if root else Path.home() / ".cache" / "qmlbench-conformance"


def fetch_sdist(dist: str) -> Path:
    """The installed version's sdist, downloaded with pip once and kept in the cache."""
    ver = version(dist)
    sdists = cache_dir() / "sdists"
    sdists.mkdir(parents=True, exist_ok=True)
    target = sdists / f"{_SDIST_NAMES[dist]}-{ver}.tar.gz"
    if target.exists():
        return target
    tmp = sdists / f".download-{dist}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
           f"{dist}=={ver}", "-d", str(tmp), "-q"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    found = list(tmp.glob("*.tar.gz"))
    if proc.returncode != 0 or len(found) != 1:
        raise RuntimeError(f"could not fetch the {dist}=={ver} sdist: {' '.join(cmd)}\n"
                           f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    found[0].replace(target)
    shutil.rmtree(tmp, ignore_errors=True)
    return target


def extract_suite(dist: str, suites: dict, support: dict) -> Path:
    """Only the needed upstream test files, into ``<cache>/<dist>-<version>/``."""
    ver = version(dist)
    root = cache_dir() / f"{dist}-{ver}"
    wanted = suites[dist] + support[dist]
    stamp = root / ".qmlbench-extracted"
    if stamp.exists() and stamp.read_text() == json.dumps(wanted):
        return root
    sdist = fetch_sdist(dist)
    # extract beside the target and rename into place: another run may be reading it
    final, root = root, root.with_name(f"{root.name}.tmp-{os.getpid()}")
    shutil.rmtree(root, ignore_errors=True)
    inits = {str(Path(*Path(f).parts[:i]) / "__init__.py")
             for f in wanted for i in range(1, len(Path(f).parts))}

    def keep(rel: str) -> bool:
        return (rel in suites[dist] or rel in inits or rel in support[dist]
                or any(d.endswith("/") and rel.startswith(d) and rel.endswith(".py")
                       for d in support[dist]))

    with tarfile.open(sdist) as tar:
        for member in tar.getmembers():
            parts = member.name.split("/", 1)
            if len(parts) != 2 or not member.isfile() or not keep(parts[1]):
                continue
            dest = root / parts[1]
            dest.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as src, open(dest, "wb") as out:
                shutil.copyfileobj(src, out)
    missing = [f for f in suites[dist] if not (root / f).exists()]
    if missing:
        raise RuntimeError(f"{sdist.name} has no {missing}: update SUITES in conftest.py")
    # our own pytest settings for their tree (their repo's config is not in the sdist)
    (root / "pytest.ini").write_text("[pytest]\naddopts =\ntimeout = 300\n"
                                     "python_files = test_*.py\n")
    (root / stamp.name).write_text(json.dumps(wanted))
    if final.exists():
        stale = final.with_name(f"{final.name}.old-{os.getpid()}")
        try:
            final.rename(stale)
        except OSError:
            pass
        shutil.rmtree(stale, ignore_errors=True)
    try:
        root.rename(final)
    except OSError:  # another run put its copy in place first
        shutil.rmtree(root, ignore_errors=True)
    return final


@dataclass
class SuiteRun:
    dist: str
    version: str
    seconds: float
    cases: dict[str, tuple[str, str]]  # test id -> (outcome, message)
    deselected: dict[str, str]
    unused_patterns: list[str]
    returncode: int
    output: str
    modules: dict[str, dict[str, int]] = field(default_factory=dict)

    def count(self, outcome, module=None):
        return sum(1 for tid, (o, _) in self.cases.items()
                   if o == outcome and (module is None or tid.startswith(module)))


def _parse_junit(path: Path) -> dict[str, tuple[str, str]]:
    cases: dict[str, tuple[str, str]] = {}
    if not path.exists():
        return cases
    for tc in ET.parse(path).getroot().iter("testcase"):
        cls, name = tc.get("classname", ""), tc.get("name", "")
        parts = cls.split(".")
        # classname is dotted: test.pkg.module.Class -> test/pkg/module.py::Class::name
        idx = next((i for i in range(len(parts), 0, -1)
                    if parts[i - 1].startswith("test_")), len(parts))
        tid = "/".join(parts[:idx]) + ".py::" + "::".join(parts[idx:] + [name])
        outcome, msg = "passed", ""
        for child in tc:
            if child.tag in ("failure", "error"):
                outcome, msg = "failed", (child.get("message", "") + "\n" + (child.text or ""))
                break
            if child.tag == "skipped":
                outcome, msg = "skipped", child.get("message", "")
        prev = cases.get(tid)
        if prev is None or prev[0] != "failed":  # a failing subtest keeps the id failed
            cases[tid] = (outcome, msg if prev is None or outcome == "failed" else prev[1])
    return cases


def run_suite(dist: str, workdir: Path, suites: dict, support: dict, deselect: dict) -> SuiteRun:
    root = extract_suite(dist, suites, support)
    workdir.mkdir(parents=True, exist_ok=True)
    xml = workdir / "junit.xml"
    desel_in = workdir / "deselect.json"
    desel_out = workdir / "deselected.json"
    desel_in.write_text(json.dumps(deselect[dist]))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env.update(QMLBENCH_CONFORMANCE_SUITE=dist, QMLBENCH_CONFORMANCE_DESELECT=str(desel_in),
               QMLBENCH_CONFORMANCE_DESELECTED_OUT=str(desel_out), PYTHONHASHSEED="0",
               OMP_NUM_THREADS=env.get("OMP_NUM_THREADS", "1"))
    env.pop("QISKIT_TESTS", None)
    cmd = [sys.executable, "-m", "pytest", *suites[dist], "-p", "qmlbench_substitutes",
           "-p", "no:cacheprovider", "-c", str(root / "pytest.ini"), "--rootdir", str(root),
           "--junitxml", str(xml), "-q", "-rN", "--tb=short", "-o", "junit_family=xunit1"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=1500)
    seconds = time.perf_counter() - start
    record = json.loads(desel_out.read_text()) if desel_out.exists() else {}
    run = SuiteRun(dist, version(dist), seconds, _parse_junit(xml), record.get("deselected", {}),
                   record.get("unused_patterns", []), proc.returncode,
                   proc.stdout[-20000:] + proc.stderr[-5000:])
    for module in suites[dist]:
        run.modules[module] = {o: run.count(o, module) for o in ("passed", "failed", "skipped")}
        run.modules[module]["deselected"] = sum(1 for t in run.deselected if t.startswith(module))
    return run


