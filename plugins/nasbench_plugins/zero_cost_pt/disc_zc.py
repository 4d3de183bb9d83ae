"""``disc-zc``: zero-cost discretization policy (Zero-Cost-PT Eq. 6).

On the untrained supernet, discretize edge e to op o in place (``nasbench.supernet.only``)
and score o by the proxy S(A + (e, o)); higher = better, so the score is S itself.
All ops of one edge see the same minibatch (the context's current batch).
"""

from __future__ import annotations

from nasbench.api import Setting, hookimpl, perturbation_scores


class DiscZC:
    """disc-zc: keep the op whose discretization gives the best proxy score (Eq. 6)."""

    name = "disc-zc"
    needs_proxy = True
    default_proxy = "nwot"
    needs_images = True
    settings = {"batch_size": Setting(64, "minibatch size for proxy scoring", minimum=1, flag="--batch-size")}

    def score_edge(self, ctx, decisions: dict[str, str], edge: str) -> dict[str, float]:
        net = ctx.supernet
        return perturbation_scores(net, edge, lambda: ctx.proxy_score(net), keep=True, counters=ctx.counters)


@hookimpl
def nasbench_register_scorers(register) -> None:
    register(DiscZC())
