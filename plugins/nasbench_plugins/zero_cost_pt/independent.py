"""``independent``: every edge takes its best op from the initial scores on A_0, all at once.

This is how Zero-Cost-PT Table 1 selects ("maximizing each operation strength independently").
"""

from __future__ import annotations

from nasbench.api import SearchOutcome, Setting, argmax_valid, hookimpl
from nasbench_plugins.zero_cost_pt.progressive import choose_topology, initial_scores, scorer_hook


class Independent:
    """Best op per edge from the scores on the untouched supernet (Zero-Cost-PT Table 1)."""

    name = "independent"
    needs_proxy = False
    default_scorer = "zc-pt"
    needs_images = False
    settings = {"batch_size": Setting(256, "minibatch size for proxy scoring", minimum=1, flag="--batch-size")}

    def search(self, ctx) -> SearchOutcome:
        with ctx.progress(len(ctx.space.edges), "edges") as bar:
            initial = initial_scores(ctx, bar)
        decisions = {rec.edge: argmax_valid(rec.scores, ctx.rng) for rec in initial}
        decisions = choose_topology(ctx, decisions)  # no-op for spaces without a topology rule
        return SearchOutcome(ctx.space.complete(decisions), initial=initial, info=scorer_hook(ctx, "trial_info") or {})


@hookimpl
def nasbench_register_strategies(register) -> None:
    register(Independent())
