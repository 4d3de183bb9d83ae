"""``disc-acc``: discretization accuracy (Zero-Cost-PT Eq. 4, DARTS-PT Sec. 3).

On the trained supernet, discretize edge e to op o in place (A + (e, o)), optionally fine-tune
for ``disc_tune_epochs`` epochs (weights, alpha, both optimizers' states and the epoch count restored
afterwards, so every op starts from the same supernet and the same optimizer momentum), and score o
by the validation accuracy.
"""

from __future__ import annotations

import copy

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
            saved = _state(trainer) if tune else None
            with only(net, edge, op):
                if tune:
                    trainer.finetune(tune, counters=ctx.counters)
                scores[op] = supernet_accuracy(ctx)
            if saved is not None:
                _restore(trainer, saved)
            ctx.counters.perturbations += 1
        return scores


def _state(trainer) -> dict:
    """What fine-tuning changes: weights, alpha, both optimizers, the epoch count and history."""
    arch = trainer.arch_optimizer
    return {
        "net": snapshot(trainer.net),
        "alpha": trainer.alpha.detach().clone(),
        "optimizer": copy.deepcopy(trainer.optimizer.state_dict()),
        "arch": copy.deepcopy(arch.state_dict()) if arch is not None else None,
        "epoch": trainer.epoch,
        "history": len(trainer.history),
    }


def _restore(trainer, saved: dict) -> None:
    trainer.net.load_state_dict(saved["net"])
    trainer.alpha.data.copy_(saved["alpha"])
    trainer.optimizer.load_state_dict(saved["optimizer"])
    if saved["arch"] is not None:
        trainer.arch_optimizer.load_state_dict(saved["arch"])
    trainer.epoch = saved["epoch"]
    del trainer.history[saved["history"] :]


@hookimpl
def nasbench_register_scorers(register) -> None:
    register(DiscAccScorer())
