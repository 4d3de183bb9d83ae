"""Topology selection by perturbation, as the official DARTS-space code does it.

After every op is decided, ``pt_project`` (``sota/cnn/init_projection.py:222-233`` of
visionbasicagent/zerocost_operation_score @55fc52b) runs three more steps, each on a fresh
minibatch: pick a not yet projected node of the normal cell at random, keep two of its incoming
edges, then the same for the reduction cell. ``project_edge`` (lines 141-191) scores the supernet
with one whole edge removed (``weights[eid].fill_(0)``) and, while more than two edges are left,
deletes the edge whose removal gives the highest score (``not crit < extrema``: on ties the later
edge); the kept edges' weights stay, the others are zeroed (``model_search_darts_proj.py:57-62``).

Each round of that loop rescores the remaining edges with the same weights and batch, so the
scores repeat; nasbench scores each edge once and runs the same loop on those scores.
"""

from __future__ import annotations

from collections.abc import Callable


def keep_edges(scores: dict[str, float], keep: int) -> list[str]:
    """The official deletion loop: drop the edge of highest S(A - e) until ``keep`` are left."""
    edges = list(scores)
    while len(edges) > keep:
        drop, extreme = None, None
        for edge in edges:
            crit = scores[edge]
            if extreme is None or not crit < extreme:
                drop, extreme = edge, crit
        edges.remove(drop)
    return edges


def official_topology(
    ctx,
    decisions: dict[str, str],
    new_batch: Callable[[], None],
    score_without: Callable[[tuple[str, ...]], list[float]],
    drop_edge: Callable[[str], None],
) -> dict[str, str]:
    """``decisions`` with ``none`` on the edges the official topology steps drop.

    ``new_batch`` draws the step's minibatch, ``score_without(edges)`` gives S(A - e) of the current
    supernet for each edge, ``drop_edge`` removes an edge from it for the following steps. Nodes are taken in
    steps of one per cell kind (normal first), each at random among that kind's undecided nodes.
    """
    rule = ctx.space.topology
    kinds = ctx.space.spec.kinds
    pending = {
        kind: [n for n, edges in rule.groups.items() if n.split(":")[0] == kind and len(edges) > rule.keep]
        for kind in kinds
    }
    out = dict(decisions)
    while any(pending.values()):
        new_batch()
        for kind in kinds:
            if not pending[kind]:
                continue
            node = pending[kind].pop(int(ctx.rng.integers(len(pending[kind]))))
            edges = rule.groups[node]
            scores = dict(zip(edges, score_without(edges)))
            kept = keep_edges(scores, rule.keep)
            for edge in edges:
                if edge not in kept:
                    out[edge] = rule.none_op
                    drop_edge(edge)
    return out
