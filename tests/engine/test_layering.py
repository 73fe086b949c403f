"""The engine's house rules, read from the source with ``ast`` (imports inside functions
count): no import cycle, no UI import, the simulator reached only through the execution
seam, and no module reaching into another package's private names."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "qmlbench"
ENGINE = "qmlbench.engine"
UI = ("ipywidgets", "plotly", "IPython", "anywidget", "qmlbench.viz", "qmlbench.widgets",
      "qmlbench.dashboard")


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted((ROOT / "engine").rglob("*.py"))}
PACKAGES = {name for name, p in MODULES.items() if p.name == "__init__.py"}


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if module in PACKAGES else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(module: str):
    """``(target module, imported name or None, line, inside a function)`` for every import."""
    tree = ast.parse(MODULES[module].read_text())
    funcs = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
             for n in ast.walk(f)}
    for node in ast.walk(tree):
        nested = id(node) in funcs
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, node.lineno, nested
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in MODULES:
                    yield sub, None, node.lineno, nested
                else:
                    yield target, alias.name, node.lineno, nested
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "import_module"
              and node.args and isinstance(node.args[0], ast.Constant)):
            name = node.args[0].value
            if name.startswith("."):  # relative to the package named in the second argument
                name = module.rsplit(".", 1)[0] + name
            yield name, None, node.lineno, nested


def _ancestors(name: str):
    parts = name.split(".")
    return {".".join(parts[:k]) for k in range(1, len(parts))}


def import_graph() -> dict[str, set[str]]:
    """Engine module -> engine modules it imports, with each package whose ``__init__``
    an import runs on the way (a package's own children are not counted as importing it:
    Python has always started the parent first)."""
    graph = {m: set() for m in MODULES}
    for m in MODULES:
        for target, _, _, _ in imports_of(m):
            if target not in MODULES:
                continue
            for dep in {target} | (_ancestors(target) & PACKAGES):
                if dep != m and dep not in _ancestors(m) and dep in MODULES:
                    graph[m].add(dep)
    return graph


def _cycles(graph):
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_checker_sees_imports_inside_functions_and_finds_cycles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
    found = list(imports_of("qmlbench.engine.datasets.generators"))
    assert any(nested and target.startswith("sklearn") for target, _, _, nested in found)


def test_the_engine_has_no_import_cycle():
    cycles = _cycles(import_graph())
    assert not cycles, "import cycles in the engine (imports inside functions count): " + \
        "; ".join(" <-> ".join(c) for c in cycles)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_engine_module_imports_the_ui(module):
    bad = [(t, line) for t, _, line, _ in imports_of(module)
           if any(t == u or t.startswith(u + ".") for u in UI)]
    assert not bad, f"{module} imports UI code: {bad}"


def test_only_the_execution_seam_imports_the_simulator():
    allowed = (f"{ENGINE}.sim", f"{ENGINE}.execution")
    bad = [(m, t, line) for m in MODULES if not m.startswith(allowed)
           for t, _, line, _ in imports_of(m) if t == f"{ENGINE}.sim" or t.startswith(f"{ENGINE}.sim.")]
    assert not bad, f"the simulator is reached around the execution seam: {bad}"


def _package_of(module: str) -> str:
    return module if module in PACKAGES else module.rsplit(".", 1)[0]


def test_no_module_takes_another_packages_private_names():
    bad = []
    for m in MODULES:
        for target, name, line, _ in imports_of(m):
            if not target.startswith(ENGINE) or name is None:
                continue
            private = name.startswith("_") or any(p.startswith("_") and p != "__init__"
                                                  for p in target[len(ENGINE):].split("."))
            if private and not _package_of(m).startswith(_package_of(target)):
                bad.append(f"{m}:{line} takes {name} from {target}")
    assert not bad, "private names used across packages: " + "; ".join(bad)


def test_no_engine_module_hides_an_import_of_its_own_package_in_a_function():
    """An import of qmlbench inside a function is a door the import graph above still sees
    but a reader does not; the first version had 22.  Third-party imports may stay lazy."""
    hidden = [f"{m}:{line} imports {t}" for m in MODULES
              for t, _, line, nested in imports_of(m) if nested and t.startswith("qmlbench")]
    assert not hidden, "; ".join(hidden)
