"""``darts-pt``: DARTS-PT perturbation-based selection (Wang et al. 2021, Algorithm 1).

Train the supernet (``fix_alpha`` = the paper's fix-alpha variant), then visit the edges in a
random order (trial rng): score the edge's ops with the run's scorer (``darts-pt`` for the
paper's method), discretize the best, and fine-tune the supernet ``pt_tune_epochs`` epochs
(paper: 5) before the next edge. Scores of every edge on the trained A_0 are recorded as the
initial scores; the first decision reuses its edge's initial scores (same supernet, same data).
"""

from __future__ import annotations

from nasbench.api import SearchOutcome, Setting, argmax_valid, discretize, hookimpl, reset
from nasbench_plugins.oneshot.training import TRAIN_SETTINGS, supernet_accuracy, trained_supernet


class DartsPTSearch:
    """DARTS-PT: perturbation selection on a trained supernet, fine-tuning between edges."""

    name = "darts-pt"
    needs_proxy = False
    default_scorer = "darts-pt"
    needs_images = True
    settings = {
        **TRAIN_SETTINGS,
        "pt_tune_epochs": Setting(5, "fine-tuning epochs between edge decisions (DARTS-PT: 5)", minimum=0),
    }

    def search(self, ctx) -> SearchOutcome:
        trainer = trained_supernet(ctx)
        net = trainer.net
        reset(net)
        initial = [ctx.record({}, e, 0, ctx.scorer.score_edge(ctx, {}, e)) for e in ctx.space.edges]
        first = {rec.edge: rec.scores for rec in initial}
        order = [ctx.space.edges[i] for i in ctx.rng.permutation(len(ctx.space.edges))]
        tune = int(ctx.settings["pt_tune_epochs"])
        decisions: dict[str, str] = {}
        progressive, accuracy = [], []
        bar = ctx.progress(len(order), "darts-pt edges")
        for step, edge in enumerate(order):
            scores = first[edge] if step == 0 else ctx.scorer.score_edge(ctx, decisions, edge)
            progressive.append(ctx.record(decisions, edge, step, scores))
            decisions[edge] = argmax_valid(scores, ctx.rng)
            discretize(net, edge, decisions[edge])
            if tune and step < len(order) - 1:
                trainer.finetune(tune, counters=ctx.counters)
            accuracy.append(supernet_accuracy(ctx))
            bar.update(1)
        bar.close()
        reset(net)
        info = {"edge_order": order, "supernet_accuracy_after_edge": accuracy, "training": trainer.history[-3:]}
        return SearchOutcome(ctx.space.complete(decisions), initial=initial, progressive=progressive, info=info)


@hookimpl
def nasbench_register_strategies(register) -> None:
    register(DartsPTSearch())
