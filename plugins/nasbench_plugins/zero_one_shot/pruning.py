"""Pruning-based zero-shot search on a masked supernet: Algorithm 1 of Zero-One-Shot and its
full-depth form (ETENAS, TE-NAS).

One engine, ``prune``: round after round, every candidate op of every edge that still has more
than one op is switched off in place (``removed``) and given an importance; each edge then loses
its least important op. What differs between methods is only

- the importance (``ratio_importance``: ETENAS / Algorithm 1 line 4,
  s_j = sum_{r in R} (r(N_t) - r(N_t minus e_j)) / |r(N_t)|, for any registered proxies R;
  TE-NAS' rank sum over NTK condition number and linear regions, ``baselines.tenas``), and
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

A denominator |r(N_t)| instead of r(N_t) keeps "higher = more important" for proxies whose
values are negative (synflow on some nets, -kappa); nngp is positive, where the two agree.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from nasbench.api import BadInput, Setting, active_ops, registry_of, removed
from nasbench_plugins.zero_one_shot.masks import fraction_left

#: stream offset of the trial seed for the rankers' own randomness
STREAM_RANKERS = 40

PRUNE_SETTINGS: dict[str, Setting] = {
    "rankers": Setting("nngp", "ranking functions R: comma-separated proxy names (paper: nngp)", names="proxy"),
    "prune_granularity": Setting(
        "op", "stop test after every op removal (op) or once per round as printed (round)", choices=("op", "round")
    ),
    "xi_measure": Setting(
        "archs", "what xi is a fraction of: archs (prod |E_e|, as printed) or ops (sum |E_e|)", choices=("archs", "ops")
    ),
    "batch_size": Setting(
        384, "ranking minibatch (paper: 384 = three batches of 128 for nngp)", minimum=2, maximum=50_000
    ),
}

Importance = Callable[[Any, nn.Module, list[tuple[str, str]]], dict[tuple[str, str], float]]


@dataclass
class PruneResult:
    mask: torch.Tensor
    rounds: int
    #: one row per removal: round, edge, op, importance, fraction of archs left after it
    steps: list[dict[str, Any]] = field(default_factory=list)
    #: per round: edge -> {op: importance} (recorded as the scorer evidence)
    scores: list[dict[str, dict[str, float]]] = field(default_factory=list)


def resolve_rankers(names: str) -> list[Any]:
    """The proxies named in ``names`` (comma-separated), from the plugin registry."""
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    if not wanted:
        raise BadInput("setting rankers is empty: name at least one proxy (e.g. nngp)")
    registry = registry_of()
    return [registry.get("proxy", n) for n in wanted]


def ranker_score(ctx: Any, proxy: Any, net: nn.Module) -> float:
    """``proxy`` on ``net`` with the trial's scoring batch; NaN and +inf come back as NaN."""
    inputs, targets = ctx.batch
    value = float(proxy.score(net, inputs, targets, ctx.torch_generator(STREAM_RANKERS)))
    ctx.counters.forward_passes += 1
    ctx.counters.supernet_forwards += 1
    return math.nan if math.isnan(value) or value == math.inf else value


def ratio_importance(rankers: list[Any]) -> Importance:
    """Algorithm 1 line 4: s_j = sum_r (r(N_t) - r(N_t minus e_j)) / |r(N_t)|.

    A ranker whose base score is NaN or 0 gives no information this round (adds 0); a removal
    that makes a ranker NaN (the net lost every input-output path) counts as infinitely important.
    """

    def importance(ctx: Any, net: nn.Module, cands: list[tuple[str, str]]) -> dict[tuple[str, str], float]:
        base = [ranker_score(ctx, r, net) for r in rankers]
        out = {}
        for edge, op in cands:
            s = 0.0
            with removed(net, edge, op):
                for r, b in zip(rankers, base):
                    if math.isnan(b) or b == 0:
                        continue
                    v = ranker_score(ctx, r, net)
                    s += math.inf if math.isnan(v) else (b - v) / abs(b)
            ctx.counters.perturbations += 1
            out[(edge, op)] = s
        return out

    return importance


def prune(
    ctx: Any, net: nn.Module, importance: Importance, xi: float | None, granularity: str = "op", measure: str = "archs"
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
        weakest = [(min(ops, key=lambda o, ops=ops: ops[o]), edge) for edge, ops in by_edge.items()]
        weakest.sort(key=lambda pair: by_edge[pair[1]][pair[0]])  # least important first
        for op, edge in weakest:
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


def edge_importance(ctx: Any, net: nn.Module, rankers: list[Any], edges: list[str]) -> dict[str, float]:
    """Importance of whole edges (every op of the edge switched off), as ``ratio_importance``."""
    base = [ranker_score(ctx, r, net) for r in rankers]
    out: dict[str, float] = {}
    for edge in edges:
        e = net.edges.index(edge)
        row = net.op_mask[e].clone()
        net.op_mask[e].zero_()
        try:
            s = 0.0
            for r, b in zip(rankers, base):
                if math.isnan(b) or b == 0:
                    continue
                v = ranker_score(ctx, r, net)
                s += math.inf if math.isnan(v) else (b - v) / abs(b)
        finally:
            net.op_mask[e].copy_(row)
        ctx.counters.perturbations += 1
        out[edge] = s
    return out
