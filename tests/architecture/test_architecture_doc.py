"""docs/architecture.md stays true: its pictures are what scripts/import_graph.py draws from the
code now, and every family folder and host module has a row in its tables."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "architecture.md").read_text()


def _graph_module():
    spec = importlib.util.spec_from_file_location("import_graph", ROOT / "scripts" / "import_graph.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_pictures_are_drawn_from_the_current_imports():
    graph = _graph_module()
    for name, picture in graph.diagrams().items():
        begin, end = graph.MARKERS[name]
        assert f"{begin}\n{picture}\n{end}" in DOC, f"run: python scripts/import_graph.py --write ({name} is stale)"


def test_the_family_graph_is_one_way():
    # engine families import no method family; a method imports no other method (it shares through an engine)
    assert _graph_module().violations() == []


def test_the_one_way_check_finds_an_engine_importing_a_method(monkeypatch):
    graph = _graph_module()
    edges = graph.family_edges()
    edges["proxies"] = edges["proxies"] | {"tenas"}
    monkeypatch.setattr(graph, "family_edges", lambda: edges)
    assert graph.violations() == ["proxies -> tenas: an engine family imports a method family"]


def test_every_family_and_host_module_is_described():
    families = [p.name for p in (ROOT / "plugins" / "nasbench_plugins").iterdir() if (p / "__init__.py").is_file()]
    modules = [p.name for p in (ROOT / "harness" / "nasbench").glob("*.py") if not p.name.startswith("__")]
    assert [f for f in families if f"`{f}/`" not in DOC] == []
    assert [m for m in modules if f"`{m}`" not in DOC] == []
