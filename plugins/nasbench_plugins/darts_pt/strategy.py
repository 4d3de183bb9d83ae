"""``darts-pt``: DARTS-PT perturbation-based selection (Wang et al. 2021, Algorithm 1).

Train the supernet (``fix_alpha`` = the paper's fix-alpha variant), then visit the edges in a
random order (trial rng): score the edge's ops with the run's scorer (``darts-pt`` for the
paper's method), discretize the best, and fine-tune the supernet ``pt_tune_epochs`` epochs
(paper: 5) before the next edge. Scores of every edge on the trained A_0 are recorded as the
initial scores; the first decision reuses its edge's initial scores (same supernet, same data).

Topology (spaces that search it, e.g. DARTS, S1-S4; DARTS-PT Sec. 3.3, "we also use perturbation to
select the topology"): after the op decisions, the nodes are visited in a random order; each
incoming edge with a real op is scored by the drop of supernet accuracy when the whole edge is
removed, the node keeps its 2 strongest edges (``select_topology``), the other edges are switched
off in the supernet, and the supernet is fine-tuned ``pt_tune_epochs`` before the next node.
Before this step ``space.complete`` kept the first two real edges of every node (on S2: inputs 0
and 1 everywhere).
"""

from __future__ import annotations

from nasbench.api import SearchOutcome, Setting, argmax_valid, discretize, hookimpl, reset, select_topology
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
        topology = self._topology(ctx, trainer, decisions, tune)
        reset(net)
        decisions = topology.pop("decisions")
        info = {
            "edge_order": order,
            "supernet_accuracy_after_edge": accuracy,
            "training": trainer.history[-3:],
            **topology,
        }
        return SearchOutcome(ctx.space.complete(decisions), initial=initial, progressive=progressive, info=info)

    def _topology(self, ctx, trainer, decisions: dict[str, str], tune: int) -> dict:
        """Perturbation-based topology selection, node by node (see module doc)."""
        rule = getattr(ctx.space, "topology", None)
        if rule is None:
            return {"decisions": decisions}
        net = trainer.net
        nodes = list(rule.groups)
        order = [nodes[i] for i in ctx.rng.permutation(len(nodes))]
        strength: dict[str, float] = {}
        out = dict(decisions)
        for step, node in enumerate(order):
            edges = [e for e in rule.groups[node] if decisions.get(e, rule.none_op) != rule.none_op]
            if len(edges) > rule.keep:
                base = supernet_accuracy(ctx)
                for edge in edges:
                    e = net.edges.index(edge)
                    row = net.op_mask[e].clone()
                    net.op_mask[e].zero_()
                    try:
                        strength[edge] = base - supernet_accuracy(ctx)
                    finally:
                        net.op_mask[e].copy_(row)
                    ctx.counters.perturbations += 1
            kept = select_topology(ctx.space, decisions, strength)
            for edge in rule.groups[node]:
                op = out[edge] = kept.get(edge, rule.none_op)
                if op == rule.none_op:
                    net.op_mask[net.edges.index(edge)].zero_()
            if tune and step < len(order) - 1:
                trainer.finetune(tune, counters=ctx.counters)
        return {"decisions": out, "node_order": order, "edge_strength": strength}


@hookimpl
def nasbench_register_strategies(register) -> None:
    register(DartsPTSearch())
