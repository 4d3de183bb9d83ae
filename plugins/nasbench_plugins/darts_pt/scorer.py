"""``darts-pt``: DARTS-PT perturbation policy (Zero-Cost-PT Eq. 5, Wang et al. 2021 Sec. 4.1).

On the trained supernet, mask op o on edge e in place and measure the validation accuracy of
A - (e, o) on ``eval_batches`` minibatches; the op whose removal hurts most is kept:
score(o) = -acc(A - (e, o)).

This is PertNAS' perturbed accuracy V(o, e) without fine-tuning, so it is computed by the one
implementation of it, ``nasbench_plugins.pertnas.valuation.perturbed_accuracy`` with
``finetune_steps=0``: score(o) = -V(o, e) = -(Delta V(o, e) + V*), which ranks an edge's ops as
PertNAS' -Delta V does (V* is the same for every op of the edge).
"""

from __future__ import annotations

from nasbench.api import active_ops, hookimpl
from nasbench_plugins.oneshot.training import TRAIN_SETTINGS, trained_supernet
from nasbench_plugins.pertnas.valuation import perturbed_accuracy


class DartsPTScorer:
    """DARTS-PT: keep the op whose removal drops trained-supernet accuracy most (Eq. 5)."""

    name = "darts-pt"
    needs_proxy = False
    needs_images = True
    settings = dict(TRAIN_SETTINGS)

    def score_edge(self, ctx, decisions: dict[str, str], edge: str) -> dict[str, float]:
        trainer = trained_supernet(ctx)
        batches = int(ctx.settings.get("eval_batches", TRAIN_SETTINGS["eval_batches"].default))
        scores = {}
        for op in active_ops(trainer.net, edge):
            scores[op] = -perturbed_accuracy(trainer, edge, op, eval_batches=batches, counters=ctx.counters)
            ctx.counters.perturbations += 1
        return scores


@hookimpl
def nasbench_register_scorers(register) -> None:
    register(DartsPTScorer())
