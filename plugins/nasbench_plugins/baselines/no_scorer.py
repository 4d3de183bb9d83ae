"""``none``: the scorer of strategies that never score ops (random, naswot, tenas, max-params).

A run spec always names a scorer; this one says so honestly instead of borrowing another
policy's name. Asking it for a score is an error, never a made-up number.
"""

from __future__ import annotations

from nasbench.api import NasbenchError, hookimpl


class NoScorer:
    """No op scoring: for strategies that choose archs without a scoring policy."""

    name = "none"
    needs_proxy = False
    needs_images = False
    settings: dict = {}

    def score_edge(self, ctx, decisions: dict[str, str], edge: str) -> dict[str, float]:
        raise NasbenchError("scorer 'none' scores nothing: pick a scorer (e.g. zc-pt) for this strategy")


@hookimpl
def nasbench_register_scorers(register) -> None:
    register(NoScorer())
