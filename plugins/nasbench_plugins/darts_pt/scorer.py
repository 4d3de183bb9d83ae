"""``darts-pt``: DARTS-PT perturbation policy (Zero-Cost-PT Eq. 5, Wang et al. 2021 Sec. 4.1).

On the trained supernet, mask op o on edge e in place and measure the validation accuracy of
A - (e, o) on ``eval_batches`` minibatches; the op whose removal hurts most is kept:
score(o) = -acc(A - (e, o)).
"""

from __future__ import annotations

from nasbench.api import active_ops, hookimpl, removed
from nasbench_plugins.oneshot.training import TRAIN_SETTINGS, supernet_accuracy, trained_supernet


class DartsPTScorer:
    """DARTS-PT: keep the op whose removal drops trained-supernet accuracy most (Eq. 5)."""

    name = "darts-pt"
    needs_proxy = False
    needs_images = True
    settings = dict(TRAIN_SETTINGS)

    def score_edge(self, ctx, decisions: dict[str, str], edge: str) -> dict[str, float]:
        net = trained_supernet(ctx).net
        scores = {}
        for op in active_ops(net, edge):
            with removed(net, edge, op):
                scores[op] = -supernet_accuracy(ctx)
            ctx.counters.perturbations += 1
        return scores


@hookimpl
def nasbench_register_scorers(register) -> None:
    register(DartsPTScorer())
