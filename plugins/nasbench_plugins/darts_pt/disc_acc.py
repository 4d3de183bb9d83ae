"""``disc-acc``: discretization accuracy (Zero-Cost-PT Eq. 4, DARTS-PT Sec. 3).

On the trained supernet, discretize edge e to op o in place (A + (e, o)), optionally fine-tune
for ``disc_tune_epochs`` epochs (weights restored afterwards, so every op starts from the same
supernet), and score o by the validation accuracy.
"""

from __future__ import annotations

from nasbench.api import Setting, active_ops, hookimpl, only
from nasbench_plugins.oneshot.training import TRAIN_SETTINGS, snapshot, supernet_accuracy, trained_supernet


class DiscAccScorer:
    """disc-acc: keep the op whose discretization gives the best supernet accuracy (Eq. 4)."""

    name = "disc-acc"
    needs_proxy = False
    needs_images = True
    settings = {
        **TRAIN_SETTINGS,
        "disc_tune_epochs": Setting(0, "fine-tuning epochs after discretizing, before measuring", minimum=0),
    }

    def score_edge(self, ctx, decisions: dict[str, str], edge: str) -> dict[str, float]:
        trainer = trained_supernet(ctx)
        net = trainer.net
        tune = int(ctx.settings.get("disc_tune_epochs", 0))
        scores = {}
        for op in active_ops(net, edge):
            saved = snapshot(net) if tune else None
            alpha = trainer.alpha.detach().clone() if tune else None
            with only(net, edge, op):
                if tune:
                    trainer.finetune(tune, counters=ctx.counters)
                scores[op] = supernet_accuracy(ctx)
            if saved is not None:
                net.load_state_dict(saved)
                trainer.alpha.data.copy_(alpha)
            ctx.counters.perturbations += 1
        return scores


@hookimpl
def nasbench_register_scorers(register) -> None:
    register(DiscAccScorer())
