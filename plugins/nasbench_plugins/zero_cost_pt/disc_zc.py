"""``disc-zc``: zero-cost discretization policy (Zero-Cost-PT Eq. 6).

On the untrained supernet, discretize edge e to op o in place (``nasbench.supernet.only``)
and score o by the proxy S(A + (e, o)); higher = better, so the score is S itself.
All ops of one edge see the same minibatch (the context's current batch).
"""

from __future__ import annotations

from nasbench.api import active_ops, hookimpl, only


class DiscZC:
    """disc-zc: keep the op whose discretization gives the best proxy score (Eq. 6)."""

    name = "disc-zc"
    needs_proxy = True
    default_proxy = "nwot"
    needs_images = True
    settings: dict = {}

    def score_edge(self, ctx, decisions: dict[str, str], edge: str) -> dict[str, float]:
        net = ctx.supernet
        scores = {}
        for op in active_ops(net, edge):
            with only(net, edge, op):
                scores[op] = ctx.proxy_score(net)
            ctx.counters.perturbations += 1
        return scores


@hookimpl
def nasbench_register_scorers(register) -> None:
    register(DiscZC())
