"""``random``: one uniformly random arch per trial (``space.sample(ctx.rng)``), Table 2's baseline."""

from __future__ import annotations

from nasbench.api import SearchOutcome, hookimpl


class RandomSearch:
    """Random baseline: a uniformly random architecture (no scoring)."""

    name = "random"
    needs_proxy = False
    needs_images = False
    settings: dict = {}

    def search(self, ctx) -> SearchOutcome:
        return SearchOutcome(ctx.space.sample(ctx.rng), info={"sampled": 1})


@hookimpl
def nasbench_register_strategies(register) -> None:
    register(RandomSearch())
