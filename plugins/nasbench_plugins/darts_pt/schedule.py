"""DARTS-PT's projection schedule as data: which edges / nodes each step decides and how many tuning
epochs follow it. Random choices (the code's ``np.random.choice`` of a remaining edge or node, i.e.
a random order) come in as ``orders``; a strategy draws them from the trial rng, ``verify`` reads
them from a reference folder.

Official (``semantics.schedule``):
- NB201 (``nasbench201/projection.py:76-88``): one edge per step; ``tune_epochs = intv * (|E| - 1)``
  and a step at every epoch that is a multiple of ``intv`` or the last one: gaps 5,5,5,5,4.
- DARTS cells (``sota/cnn/projection.py:126-183``): one edge of every cell kind per step (normal
  first), then one node of every kind per step (nodes with more inputs than they keep,
  ``model_search_darts_proj.py:22``); ``tune_epochs = intv * (steps - 1) + 1``: gaps of ``intv``,
  the op and node phases included.
The tuning after the last step (1 epoch in the code) changes no decision and is not run.

nasbench-v1: every edge one at a time, then every node one at a time, ``intv`` epochs after each
step but the last of each phase.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Action = tuple[str, str]  # ("op", edge) or ("node", node)


@dataclass
class Step:
    actions: list[Action]
    tune: int = 0
    #: filled in while running: what was measured and decided (see ``projection``)
    log: list[dict] = field(default_factory=list)


def kind_of(name: str) -> str:
    """``normal:0->2`` -> ``normal``; NB201 edges (``0->1``) have one kind, ``""``."""
    return name.split(":", 1)[0] if ":" in name else ""


def node_candidates(rule) -> list[str]:
    """Nodes with more incoming edges than they keep (the code's ``nid2eids``), in rule order."""
    return [node for node, edges in rule.groups.items() if len(edges) > rule.keep] if rule else []


def _by_kind(names: list[str]) -> list[list[str]]:
    kinds: dict[str, list[str]] = {}
    for name in names:
        kinds.setdefault(kind_of(name), []).append(name)
    return list(kinds.values())


def _gaps(n_steps: int, intv: int, cell_space: bool) -> list[int]:
    """Tuning epochs after each step, from the code's epoch loop (last step: none). With
    ``intv=1`` the NB201 code has one projection epoch too few; the last step then follows at once."""
    if n_steps <= 1 or intv == 0:
        return [0] * n_steps
    total = intv * (n_steps - 1) + (1 if cell_space else 0)
    marks = [e for e in range(total) if e % intv == 0 or e == total - 1]
    gaps = [b - a for a, b in zip(marks, marks[1:])]
    return (gaps + [0] * n_steps)[: n_steps - 1] + [0]


def official_plan(edge_order: list[str], node_order: list[str], intv: int, cell_space: bool) -> list[Step]:
    """Paired steps: the i-th edge (node) of every kind, in the orders given (kinds in first-seen order)."""
    steps: list[Step] = []
    for what, names in (("op", edge_order), ("node", node_order)):
        groups = _by_kind(names)
        for i in range(max((len(g) for g in groups), default=0)):
            steps.append(Step([(what, g[i]) for g in groups if i < len(g)]))
    for step, gap in zip(steps, _gaps(len(steps), intv, cell_space)):
        step.tune = gap
    return steps


def v1_plan(edge_order: list[str], node_order: list[str], intv: int) -> list[Step]:
    """nasbench-v1: single decisions, ``intv`` epochs after each step but the last of a phase."""
    ops = [Step([("op", e)], intv) for e in edge_order]
    nodes = [Step([("node", n)], intv) for n in node_order]
    for phase in (ops, nodes):
        if phase:
            phase[-1].tune = 0
    return ops + nodes
