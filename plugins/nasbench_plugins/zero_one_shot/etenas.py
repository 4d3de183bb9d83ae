"""``etenas``: ETENAS-style zero-shot search (Rumiantsev & Coates 2023) with pluggable ranking functions.

Prune the untrained supernet down to one op per edge (``pruning.engine.prune`` with ``xi = None``: one
op per open edge per round, the least important by ``ratio_importance`` over ``rankers``), then,
on spaces that search the topology, keep each node's 2 incoming edges whose removal costs the
rankers most (``edge_importance``, measured on the op-pruned supernet). ETENAS-PC is the same
search on the partially connected supernet (``--set darts_partial_channels=4``). TE-NAS is the
same engine with its own importance (``tenas.strategy``).
"""

from __future__ import annotations

from nasbench.api import SearchOutcome, active_ops, hookimpl, reset, select_topology
from nasbench_plugins.pruning.engine import prune
from nasbench_plugins.pruning.ratio import PRUNE_SETTINGS, edge_importance, ratio_importance, resolve_rankers


def records(ctx, result) -> tuple[list, list]:
    """Round 0 importances as initial scores, later rounds as progressive ones."""
    initial, progressive = [], []
    for rnd, by_edge in enumerate(result.scores):
        for edge, scores in by_edge.items():
            (initial if rnd == 0 else progressive).append(ctx.record({}, edge, rnd, scores))
    return initial, progressive


class ETENAS:
    """ETENAS: prune the supernet op by op with zero-cost ranking functions, then keep top-2 edges."""

    name = "etenas"
    needs_proxy = False
    needs_images = True
    settings = PRUNE_SETTINGS

    def search(self, ctx) -> SearchOutcome:
        net = ctx.supernet
        reset(net)
        rankers = resolve_rankers(str(ctx.settings["rankers"]))
        try:
            result = prune(ctx, net, ratio_importance(rankers), None, "round")
            decisions = {e: active_ops(net, e)[0] for e in ctx.space.edges}
            strength: dict[str, float] = {}
            rule = getattr(ctx.space, "topology", None)
            if rule is not None:
                real = [e for e in ctx.space.edges if decisions[e] != rule.none_op]
                strength = edge_importance(ctx, net, rankers, real)
                decisions = select_topology(ctx.space, decisions, strength)
        finally:
            reset(net)
        initial, progressive = records(ctx, result)
        info = {"rounds": result.rounds, "edge_strength": strength}
        return SearchOutcome(ctx.space.complete(decisions), initial=initial, progressive=progressive, info=info)


@hookimpl
def nasbench_register_strategies(register) -> None:
    register(ETENAS())
