"""``zc-pt``: Zero-Cost-PT perturbation scoring (Xiang et al., Eq. 7).

The importance of op o on edge e is read from S(A - (e, o)), the proxy score of the current
supernet with o switched off on e (in place, through the supernet mask). The op whose removal
hurts most is kept: score(o) = -S(A - (e, o)), so higher = better as for every scorer.
All ops of one edge are scored on the same minibatch (the context's current batch).
"""

from __future__ import annotations

from nasbench.hookspecs import hookimpl
from nasbench.supernet import active_ops, removed


class ZeroCostPT:
    """Zero-Cost-PT: keep the op whose removal lowers the proxy score most."""

    name = "zc-pt"
    needs_proxy = True
    needs_images = True
    settings: dict = {}

    def score_edge(self, ctx, decisions: dict[str, str], edge: str) -> dict[str, float]:
        net = ctx.supernet
        scores = {}
        for op in active_ops(net, edge):
            with removed(net, edge, op):
                scores[op] = -ctx.proxy_score(net)
            ctx.counters.perturbations += 1
        return scores


@hookimpl
def nasbench_register_scorers(register) -> None:
    register(ZeroCostPT())
