"""``progressive``: Zero-Cost-PT Algorithm 1 (architecture proposal, then validation).

Proposal: N times, start from the untouched supernet A_0 and a fresh minibatch, and discretize
every edge in the chosen edge order, each time keeping the op the scorer likes best. Validation:
score every distinct candidate end to end as its own discrete network with the proxy on V
minibatches and keep the best total. Without a proxy (oracle scorers) the validation stage is
skipped and the most often proposed candidate wins (ties: first proposed).

Per-edge evidence is recorded for the correlation study: *initial* = every edge scored on A_0;
*progressive* = every decision actually taken, with the oracle scores given the same decisions.
"""

from __future__ import annotations

import math
from collections import Counter

from nasbench.api import (
    SearchOutcome,
    Setting,
    apply_topology,
    argmax_valid,
    discretize,
    hookimpl,
    reset,
)
from nasbench_plugins.zero_cost_pt.edge_orders import EDGE_ORDERS, edge_scores


def scorer_hook(ctx, name: str, *args):
    """Call the scorer's optional lifecycle method ``name`` (``begin_proposal``, ``begin_edge``,
    ``validation_scores``, ``trial_info``); ``None`` when the scorer has none."""
    method = getattr(ctx.scorer, name, None)
    return method(ctx, *args) if method is not None else None


def choose_topology(ctx, decisions: dict[str, str]) -> dict[str, str]:
    """The scorer's own topology selection when it has one (Zero-Cost-PT on DARTS cells), else
    nasbench's generic rule; a no-op for spaces without a topology rule."""
    if getattr(ctx.space, "topology", None) is None:
        return dict(decisions)
    own = scorer_hook(ctx, "select_topology", decisions)
    return own if own is not None else apply_topology(ctx, decisions)


def initial_scores(ctx, bar=None) -> list:
    """Every edge of A_0 scored by the run's scorer (with the oracle's scores beside); ``bar``
    (``ctx.progress``) advances one per edge."""
    net = ctx.supernet if ctx.scorer.needs_proxy or ctx.scorer.needs_images else None
    if net is not None:
        reset(net)
    scorer_hook(ctx, "begin_proposal")
    records = []
    edges = ctx.space.edges
    for k, edge in enumerate(edges):
        scorer_hook(ctx, "begin_edge")
        records.append(ctx.record({}, edge, 0, ctx.scorer.score_edge(ctx, {}, edge)))
        if bar is not None:
            bar.update(1, proposal="initial", edge=f"{k + 1}/{len(edges)}")
    return records


class Progressive:
    """Zero-Cost-PT Algorithm 1: N progressive discretizations, then V-batch validation."""

    name = "progressive"
    needs_proxy = False
    default_scorer = "zc-pt"
    needs_images = False
    settings = {
        "proposals": Setting(10, "proposal iterations N", minimum=1, maximum=10_000, flag="-N/--proposals"),
        "validation": Setting(
            100,
            "validation minibatches V (0 = keep the first-found best)",
            minimum=0,
            maximum=10_000,
            flag="-V/--validation",
        ),
        "edge_order": Setting("random", "edge discretization order", choices=tuple(EDGE_ORDERS), flag="--edge-order"),
        "batch_size": Setting(256, "minibatch size for proxy scoring", minimum=1, flag="--batch-size"),
    }

    def search(self, ctx) -> SearchOutcome:
        uses_supernet = ctx.scorer.needs_proxy or ctx.scorer.needs_images
        proposals = int(ctx.settings["proposals"])
        n_edges = len(ctx.space.edges)
        bar = ctx.progress((proposals + 1) * n_edges, "proposals")  # one unit per edge decision
        initial = initial_scores(ctx, bar)
        progressive, candidates, per_proposal = [], [], []
        for p in range(proposals):
            before = ctx.counters.perturbations
            name = ctx.settings["edge_order"]
            order = scorer_hook(ctx, "edge_order", name) or EDGE_ORDERS[name]()  # the scorer's own, if any
            order.start(ctx, ctx.space.edges)
            if uses_supernet:
                reset(ctx.supernet)
                if not scorer_hook(ctx, "begin_proposal"):  # a scorer may manage its own minibatches
                    ctx.new_batch()
            decisions: dict[str, str] = {}
            undecided = list(ctx.space.edges)
            step = 0
            while undecided:
                scorer_hook(ctx, "begin_edge")
                edge = order.next_edge(ctx, decisions, undecided)
                scores = edge_scores(order, ctx, decisions, edge)  # reuses an order's own scoring
                progressive.append(ctx.record(decisions, edge, step, scores))
                op = argmax_valid(scores, ctx.rng)
                decisions[edge] = op
                if uses_supernet:
                    discretize(ctx.supernet, edge, op)
                undecided.remove(edge)
                step += 1
                bar.update(1, proposal=f"{p + 1}/{proposals}", edge=f"{step}/{n_edges}")
            candidates.append(ctx.space.complete(choose_topology(ctx, decisions)))
            per_proposal.append(ctx.counters.perturbations - before)
        bar.close()
        if uses_supernet:
            reset(ctx.supernet)
        chosen, info = self._validate(ctx, candidates)
        info["candidates"] = [ctx.space.format(a) for a in dict.fromkeys(candidates)]
        info["perturbations_per_proposal"] = per_proposal
        info.update(scorer_hook(ctx, "trial_info") or {})
        return SearchOutcome(chosen, initial=initial, progressive=progressive, info=info)

    def _validate(self, ctx, candidates: list) -> tuple:
        distinct = list(dict.fromkeys(candidates))
        rounds = int(ctx.settings["validation"])
        if ctx.proxy is None or rounds == 0 or len(distinct) == 1:
            counts = Counter(candidates)
            return max(distinct, key=lambda a: counts[a]), {"validation": "skipped"}
        own = scorer_hook(ctx, "validation_scores", distinct, rounds)
        if own is not None:  # the scorer validates its own way (Zero-Cost-PT's official protocol)
            rows = [list(r) for r in own]  # each candidate's V scores, in the order it drew its batches
            sums = [sum(r) for r in rows]
            info = {"validation_totals": {ctx.space.format(a): t for a, t in zip(distinct, sums)}}
            info["validation_prefix_choices"] = {
                str(v): ctx.space.format(distinct[_best([sum(r[:v]) for r in rows])]) for v in _prefixes(rounds)
            }
            return distinct[_best(sums)], info
        networks = [ctx.build_network(arch) for arch in distinct]
        totals = [0.0] * len(distinct)
        bar = ctx.progress(rounds, "validation")
        for _ in range(rounds):
            batch = ctx.next_batch()
            for i, net in enumerate(networks):
                value = ctx.proxy_score(net, batch)
                totals[i] = -math.inf if math.isnan(value) else totals[i] + value
            bar.update(1, batch=f"{bar.done + 1}/{rounds}")
        bar.close()
        best = max(range(len(distinct)), key=lambda i: totals[i])
        return distinct[best], {"validation_totals": {ctx.space.format(a): t for a, t in zip(distinct, totals)}}


def _best(totals: list[float]) -> int:
    """The first candidate of the highest total (NaN counts as worst: the official nanargmax)."""
    clean = [-math.inf if math.isnan(t) else t for t in totals]
    return max(range(len(clean)), key=lambda i: clean[i])


def _prefixes(rounds: int) -> list[int]:
    """1, 10, 100, ... below ``rounds``: the V' whose choice a V-batch validation also tells (each
    candidate draws its batches one after another from its own stream, so its first V' scores are
    exactly those a run with V' would draw; the proposals do not depend on V)."""
    out, v = [], 1
    while v < rounds:
        out.append(v)
        v *= 10
    return out


@hookimpl
def nasbench_register_strategies(register) -> None:
    register(Progressive())
