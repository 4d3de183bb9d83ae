"""``darts-pt``: DARTS-PT perturbation policy (Zero-Cost-PT Eq. 5, Wang et al. 2021 Sec. 4.1).

On the trained supernet, mask op o on edge e in place and measure A - (e, o); the op whose removal
hurts most is kept: score(o) = -acc(A - (e, o)) (``dartspt_crit=loss``: +loss).

Official semantics (default, ``semantics``): the measurement of ``darts_pt.projection`` (the whole
valid half, reshuffled and augmented per measurement), on the supernet trained with the code's data
pipeline, shared with the ``darts-pt`` strategy through ``projection_of(ctx)``.
``dartspt_semantics=nasbench-v1``: the engine's ``perturbed_accuracy`` with no fine-tuning (PertNAS'
V(o, e)) on the first ``eval_batches`` fixed validation batches.
"""

from __future__ import annotations

from typing import Any

from nasbench.api import Setting, active_ops, hookimpl
from nasbench_plugins.darts_pt.projection import Projection, RandomData
from nasbench_plugins.darts_pt.semantics import SETTINGS, Semantics
from nasbench_plugins.oneshot.perturbation import perturbed_accuracy
from nasbench_plugins.oneshot.training import TRAIN_SETTINGS, trained_supernet

#: trial stream of the projection's data draws (``SearchContext.torch_generator``)
_STREAM_PROJECTION = 30

DARTSPT_SETTINGS = {
    **TRAIN_SETTINGS,
    **SETTINGS,
    "train_epochs": Setting(
        -1,
        "supernet training epochs; -1 = the official code's: 100 on NB201, 50 on DARTS-cell spaces",
        minimum=-1,
    ),
}


def dartspt_trainer(ctx: Any) -> Any:
    """The trial's trained supernet, trained with the data pipeline and epochs the semantics ask."""
    sem = Semantics.from_settings(ctx.settings)
    if not sem.official:
        return trained_supernet(ctx, **({"epochs": 100} if int(ctx.settings["train_epochs"]) < 0 else {}))
    return trained_supernet(ctx, **sem.train_overrides(ctx.space.name, int(ctx.settings["train_epochs"])))


def projection_of(ctx: Any) -> Projection:
    """The trial's official projection state (made once: fresh tuning optimizer, decided edges)."""
    state = ctx.state.setdefault("darts-pt", {})
    if "projection" not in state:
        sem = Semantics.from_settings(ctx.settings)
        trainer = dartspt_trainer(ctx)
        batches = int(ctx.settings.get("eval_batches", TRAIN_SETTINGS["eval_batches"].default))
        data = RandomData(trainer, ctx.torch_generator(_STREAM_PROJECTION), sem.measure, sem.train_data, batches)
        if sem.tune_optimizer:
            trainer.reset_optimizer(trainer.config.lr / 10)
        state["projection"] = Projection(trainer, data, sem.crit, sem.two_op, ctx.counters)
    return state["projection"]


class DartsPTScorer:
    """DARTS-PT: keep the op whose removal drops trained-supernet accuracy most (Eq. 5)."""

    name = "darts-pt"
    needs_proxy = False
    needs_images = True
    settings = DARTSPT_SETTINGS

    def score_edge(self, ctx, decisions: dict[str, str], edge: str) -> dict[str, float]:
        if Semantics.from_settings(ctx.settings).official:
            proj = projection_of(ctx)
            values = proj.op_values(edge)
            ctx.state["darts-pt"]["last_values"] = values
            return {op: proj.score(v) for op, v in values.items()}
        trainer = dartspt_trainer(ctx)
        batches = int(ctx.settings.get("eval_batches", TRAIN_SETTINGS["eval_batches"].default))
        scores = {}
        for op in active_ops(trainer.net, edge):
            scores[op] = -perturbed_accuracy(trainer, edge, op, eval_batches=batches, counters=ctx.counters)
            ctx.counters.perturbations += 1
        return scores


@hookimpl
def nasbench_register_scorers(register) -> None:
    register(DartsPTScorer())
