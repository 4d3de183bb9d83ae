"""Algorithm 1's importance (Zero-One-Shot, ETENAS): relative change of zero-cost proxies when an
op (or a whole edge) is switched off, for any registered proxies ("rankers").

A denominator |r(N_t)| instead of r(N_t) keeps "higher = more important" for proxies whose
values are negative (synflow on some nets, -kappa); nngp is positive, where the two agree.
"""

from __future__ import annotations

import math
from typing import Any

from torch import nn

from nasbench.api import BadInput, Setting, registry_of, removed
from nasbench_plugins.pruning.engine import Importance

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
