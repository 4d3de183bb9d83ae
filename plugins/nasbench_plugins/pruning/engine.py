"""Pruning-based zero-shot search on a masked supernet: Algorithm 1 of Zero-One-Shot and its
full-depth form (ETENAS, TE-NAS). One engine, ``prune``, that all three import.

Round after round, every candidate op of every edge that still has more than one op gets an
importance from the method's ``importance`` function (which switches ops off in place,
``removed``, to measure them); each edge then loses its least important op(s). What differs
between methods is only

- the importance: ``ratio.ratio_importance`` (ETENAS / Algorithm 1 line 4, any registered
  proxies) or TE-NAS' rank sum over NTK condition number and linear regions (``tenas`` family);
- how many ops an edge loses per round (``per_edge``: 1; TE-NAS on DARTS: 3,
  ``prune_launch.py:39``, never all of an edge's ops); ties go to the candidate the importance
  function lists first (it returns an ordered dict: TE-NAS breaks rank-sum ties by its NTK order);
- when to stop: ``xi`` (Algorithm 1 line 1: stop once prod_e |E_e^t| / prod_e |E_e^0| <= xi) or
  ``None`` (prune down to one op per edge, the zero-shot search).

Granularity (``prune_granularity``): Algorithm 1 as printed removes one op from every edge per
round and tests the stopping rule once per round; on the DARTS space a single round already
leaves (7/8)^28 = 2.4 % of the archs, far below xi = 0.5, so the paper's masks (Table 1 memory
between DARTS-RND's and PC-DARTS') cannot come from that reading. ``op`` (default) removes the
round's weakest ops one at a time, least important first (still at most one per edge per
round), and stops at the first removal that takes the fraction to <= xi; ``round`` is the
literal reading. ``xi_measure`` says what xi is a fraction of: architectures (``archs``,
prod_e |E_e|, as printed) or candidate ops (``ops``, sum_e |E_e|, the measure of RND's xi); see
docs/zero-one-shot.md for why the paper's memory figures point to the second.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from nasbench.api import active_ops
from nasbench_plugins.pruning.masks import fraction_left

Importance = Callable[[Any, nn.Module, list[tuple[str, str]]], dict[tuple[str, str], float]]


@dataclass
class PruneResult:
    mask: torch.Tensor
    rounds: int
    #: one row per removal: round, edge, op, importance, fraction of archs left after it
    steps: list[dict[str, Any]] = field(default_factory=list)
    #: per round: edge -> {op: importance} (recorded as the scorer evidence)
    scores: list[dict[str, dict[str, float]]] = field(default_factory=list)


def weakest_per_edge(scores: dict[tuple[str, str], float], per_edge: int) -> list[tuple[str, str]]:
    """Each edge's ``per_edge`` least important candidates, least important first over all edges.

    Stable: among equal importances the candidate ``scores`` lists first goes first.
    """
    order = sorted(scores, key=lambda cand: scores[cand])
    taken: dict[str, int] = {}
    out = []
    for edge, op in order:
        if taken.get(edge, 0) < per_edge:
            taken[edge] = taken.get(edge, 0) + 1
            out.append((edge, op))
    return out


def prune(
    ctx: Any,
    net: nn.Module,
    importance: Importance,
    xi: float | None,
    granularity: str = "op",
    measure: str = "archs",
    per_edge: int = 1,
) -> PruneResult:
    """Prune ``net.op_mask`` in place until the fraction left is <= ``xi`` (or one op per edge)."""
    full = net.op_mask.clone()
    result = PruneResult(mask=full, rounds=0)

    def done() -> bool:
        return xi is not None and fraction_left(net.op_mask, full, measure) <= xi

    while not done():
        open_edges = [e for e in net.edges if len(active_ops(net, e)) > 1]
        if not open_edges:
            break
        cands = [(e, o) for e in open_edges for o in active_ops(net, e)]
        scores = importance(ctx, net, cands)
        by_edge: dict[str, dict[str, float]] = {}
        for (edge, op), s in scores.items():
            by_edge.setdefault(edge, {})[op] = float(s)
        result.scores.append(by_edge)
        for edge, op in _removals(net, scores, per_edge):
            e = net.edges.index(edge)
            net.op_mask[e, net.edge_ops[e].index(op)] = False
            frac = fraction_left(net.op_mask, full, measure)
            result.steps.append(
                {"round": result.rounds, "edge": edge, "op": op, "importance": by_edge[edge][op], "fraction": frac}
            )
            if granularity == "op" and done():
                break
        result.rounds += 1
    result.mask = net.op_mask.clone()
    return result


def _removals(net: nn.Module, scores: dict[tuple[str, str], float], per_edge: int) -> list[tuple[str, str]]:
    """This round's removals: up to ``per_edge`` per edge, always leaving an edge one op."""
    left = {e: len(active_ops(net, e)) for e in net.edges}
    out = []
    for edge, op in weakest_per_edge(scores, per_edge):
        if left[edge] > 1:
            left[edge] -= 1
            out.append((edge, op))
    return out
