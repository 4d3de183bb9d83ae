"""``darts``: DARTS (Liu et al. 2019): train the supernet bilevel, keep argmax alpha per edge.

Every candidate op takes part in the argmax, ``none`` included, as DARTS does on NB201.
The alphas of A_0 are recorded as the initial scores (per-edge rho vs the oracles).
"""

from __future__ import annotations

from nasbench.api import SearchOutcome, argmax_valid, hookimpl, reset
from nasbench_plugins.oneshot.alpha_scorer import alpha_scores
from nasbench_plugins.oneshot.training import TRAIN_SETTINGS, trained_supernet


class DartsSearch:
    """DARTS: bilevel supernet training, then the op with the largest alpha on each edge."""

    name = "darts"
    needs_proxy = False
    needs_images = True
    settings = dict(TRAIN_SETTINGS)

    def search(self, ctx) -> SearchOutcome:
        trainer = trained_supernet(ctx)
        reset(trainer.net)
        initial = [ctx.record({}, e, 0, alpha_scores(ctx, e)) for e in ctx.space.edges]
        decisions = {rec.edge: argmax_valid(rec.scores, ctx.rng) for rec in initial}
        return SearchOutcome(ctx.space.complete(decisions), initial=initial, info={"training": trainer.history[-3:]})


@hookimpl
def nasbench_register_strategies(register) -> None:
    register(DartsSearch())
