"""The house rules of docs/architecture.md, checked on the code itself: built-in plugins import
nothing from the host but nasbench.api, the host never imports a built-in, no module is over 400
lines, no function over 60, and the host's modules import each other without cycles."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOST = ROOT / "harness" / "nasbench"
PLUGINS = ROOT / "plugins" / "nasbench_plugins"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def _modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _runtime_nodes(tree: ast.AST):
    """Every node except those under ``if TYPE_CHECKING:`` (annotations only, never run)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        yield node
        yield from _runtime_nodes(node)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports when it runs (``from a.b import c`` counts as ``a.b`` and ``a.b.c``)."""
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_built_in_plugins_import_nothing_of_the_host_but_the_api():
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in _imports(path) if m.startswith("nasbench.") and not m.startswith("nasbench.api")
        )
        for path in _modules(PLUGINS)
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_host_never_imports_a_built_in_plugin():
    offenders = [str(p.relative_to(ROOT)) for p in _modules(HOST) if any("nasbench_plugins" in m for m in _imports(p))]
    assert offenders == []


def test_no_module_is_longer_than_400_lines():
    long = {
        str(p.relative_to(ROOT)): n
        for p in _modules(HOST) + _modules(PLUGINS)
        if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_function_is_longer_than_60_lines():
    long = {}
    for path in _modules(HOST) + _modules(PLUGINS):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                size = node.end_lineno - node.lineno + 1
                if size > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(ROOT)}::{node.name}"] = size
    assert long == {}


def host_import_graph() -> dict[str, set[str]]:
    """Host module -> the host modules it imports at module level or inside functions."""
    names = {p.stem for p in _modules(HOST)}
    graph = {}
    for path in _modules(HOST):
        targets = {m.split(".")[1] for m in _imports(path) if m.startswith("nasbench.") and m.split(".")[1] in names}
        graph[path.stem] = targets - {path.stem}
    return graph


def test_the_host_modules_have_no_import_cycle():
    graph, state, cycles = host_import_graph(), {}, []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(trail[trail.index(nxt) :] + [nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []
