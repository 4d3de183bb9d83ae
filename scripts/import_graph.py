#!/usr/bin/env python3
"""Draw docs/architecture.md's pictures from the code's own imports (mermaid, rendered by GitHub).

    python scripts/import_graph.py            # print both diagrams
    python scripts/import_graph.py --write    # replace them between the markers in docs/architecture.md
    python scripts/import_graph.py --check    # exit 1 on an import against the one-way family graph

Two pictures: the plugin families and what each imports (nasbench.api, other families), and the
host's modules and their imports. tests/architecture/test_architecture_doc.py fails when the page's
pictures differ from what this prints, so the page cannot drift from the code.

The families form a one-way graph (``KINDS``): an engine family (spaces, networks, training,
proxies, the pruning engine) imports no method family, and a method family imports no other
method family: what two methods share moves down into an engine. ``violations()`` lists every
import against that; tests/architecture/test_architecture_doc.py fails on any, and on a family
folder that has no kind yet.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = ROOT / "harness" / "nasbench"
PLUGINS = ROOT / "plugins" / "nasbench_plugins"
DOC = ROOT / "docs" / "architecture.md"
MARKERS = {
    name: (f"<!-- {name}:begin (scripts/import_graph.py --write) -->", f"<!-- {name}:end -->")
    for name in ("families", "host")
}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _py(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


#: what each family is: ``engine`` (shared machinery), ``method`` (one paper's method), ``feature``
#: (a command or study over any method)
KINDS = {
    "nb201": "engine",
    "darts_space": "engine",
    "macro": "engine",
    "nb301": "engine",
    "oneshot": "engine",
    "proxies": "engine",
    "pruning": "engine",
    "zero_cost_pt": "method",
    "darts_pt": "method",
    "pertnas": "method",
    "zero_one_shot": "method",
    "baselines": "method",
    "tenas": "method",
    "correlate": "feature",
    "suites": "feature",
    "edges": "feature",
}
#: imports against the rule that are known and being removed (each with its reason); keep it empty
KNOWN_EXCEPTIONS: dict[tuple[str, str], str] = {}


def violations() -> list[str]:
    """Imports against the one-way graph, and family folders without a kind."""
    out = []
    for family, targets in sorted(family_edges().items()):
        kind = KINDS.get(family)
        if kind is None:
            out.append(f"{family}: no kind in scripts/import_graph.py KINDS (engine, method or feature)")
            continue
        for target in sorted(targets - {"api"}):
            if KINDS.get(target) != "method" or (family, target) in KNOWN_EXCEPTIONS:
                continue
            if kind == "engine":
                out.append(f"{family} -> {target}: an engine family imports a method family")
            elif kind == "method":
                out.append(f"{family} -> {target}: a method family imports another method family")
    return out


def family_edges() -> dict[str, set[str]]:
    """Family folder -> what it imports: ``api`` and other families."""
    edges: dict[str, set[str]] = {}
    for path in _py(PLUGINS):
        parts = path.relative_to(PLUGINS).parts
        if len(parts) < 2:
            continue
        family = parts[0]
        targets = edges.setdefault(family, set())
        for module in _imports(path):
            if module == "nasbench.api" or module.startswith("nasbench.api."):
                targets.add("api")
            elif module.startswith("nasbench_plugins."):
                other = module.split(".")[1]
                if other != family:
                    targets.add(other)
    return edges


def host_edges() -> dict[str, set[str]]:
    """Host module -> the host modules it imports."""
    names = {p.stem for p in _py(HOST)}
    edges = {}
    for path in _py(HOST):
        if path.stem in ("__init__", "__main__"):
            continue
        targets = {m.split(".")[1] for m in _imports(path) if m.startswith("nasbench.") and m.split(".")[1] in names}
        edges[path.stem] = targets - {path.stem, "__init__", "errors"}  # errors: imported nearly everywhere
    return edges


def _mermaid(edges: dict[str, set[str]], direction: str) -> str:
    lines = ["```mermaid", f"graph {direction}"]
    for source in sorted(edges):
        if not edges[source]:
            lines.append(f"    {source}")
        for target in sorted(edges[source]):
            lines.append(f"    {source} --> {target}")
    return "\n".join(lines + ["```"])


def diagrams() -> dict[str, str]:
    return {"families": _mermaid(family_edges(), "LR"), "host": _mermaid(host_edges(), "LR")}


def replace(text: str, name: str, content: str) -> str:
    begin, end = MARKERS[name]
    head, sep, rest = text.partition(begin)
    if not sep or end not in rest:
        raise SystemExit(f"{DOC} has no {begin} ... {end} markers")
    return head + begin + "\n" + content + "\n" + end + rest.split(end, 1)[1]


def main(argv: list[str]) -> int:
    if "--check" in argv:
        found = violations()
        print("\n".join(found) or "the family graph is one-way")
        return 1 if found else 0
    pictures = diagrams()
    if "--write" in argv:
        text = DOC.read_text()
        for name, content in pictures.items():
            text = replace(text, name, content)
        DOC.write_text(text)
        print(f"wrote {', '.join(pictures)} into {DOC}")
    else:
        print("\n\n".join(pictures.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
