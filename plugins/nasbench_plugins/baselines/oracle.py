"""The oracle scoring policies of Zero-Cost-PT: ``best-acc`` (Eq. 1) and ``avg-acc`` (Eq. 2).

They read the benchmark table, so they need no proxy and no images, and exist only for
tabular benchmarks. Op o on edge e scores the best (or mean) accuracy over all archs that agree
with the edges already decided and use o on e.
"""

from __future__ import annotations

from nasbench.api import NasbenchError, hookimpl


class OracleScorer:
    """Oracle policy from the benchmark table (Zero-Cost-PT Eq. 1-2)."""

    needs_proxy = False
    needs_images = False
    settings: dict = {}

    def __init__(self, policy: str) -> None:
        self.name = policy

    def score_edge(self, ctx, decisions: dict[str, str], edge: str) -> dict[str, float]:
        scores = ctx.oracle(decisions, edge)
        if not scores:
            raise NasbenchError(f"scorer {self.name!r} needs a tabular benchmark; {ctx.benchmark.name!r} has no table")
        return scores[self.name]


@hookimpl
def nasbench_register_scorers(register) -> None:
    register(OracleScorer("best-acc"))
    register(OracleScorer("avg-acc"))
