"""``darts-pt``: DARTS-PT perturbation-based selection (Wang et al. 2021, Algorithm 1).

Train the supernet (``fix_alpha`` = the paper's fix-alpha variant), then project it step by step:
each op step scores an edge's ops with the run's scorer (``darts-pt`` for the paper's method) and
keeps the best; each node step keeps a node's strongest inputs (DARTS-cell spaces, DARTS-PT Sec.
3.3); the supernet is tuned between steps. Scores of every edge on the trained A_0 are recorded as
the initial scores; the first decision reuses its edge's initial scores (same supernet).

Official semantics (default): the schedule, measurement, tuning and topology of the official code,
run by ``darts_pt.projection`` (see ``darts_pt.semantics`` for every item and its file:line).
``dartspt_semantics=nasbench-v1``: edges in random order, ``pt_tune_epochs`` of tuning with the
training optimizer between them, then nodes one by one keeping the 2 inputs whose removal (measured
once) hurts most. Both start from the search mask (``restore_mask``: pruned ops stay off).
"""

from __future__ import annotations

from nasbench.api import SearchOutcome, Setting, argmax_valid, discretize, hookimpl, select_topology
from nasbench_plugins.darts_pt.schedule import node_candidates, official_plan, v1_plan
from nasbench_plugins.darts_pt.scorer import DARTSPT_SETTINGS, dartspt_trainer, projection_of
from nasbench_plugins.darts_pt.semantics import Semantics
from nasbench_plugins.oneshot.training import restore_mask, supernet_accuracy


class DartsPTSearch:
    """DARTS-PT: perturbation selection on a trained supernet, fine-tuning between edges."""

    name = "darts-pt"
    needs_proxy = False
    default_scorer = "darts-pt"
    needs_images = True
    settings = {
        **DARTSPT_SETTINGS,
        "pt_tune_epochs": Setting(5, "tuning epochs between projection steps (--proj_intv; DARTS-PT: 5)", minimum=0),
        "pt_initial_scores": Setting(
            True,
            "score every edge on A_0 first (the initial rho metric; the official code does not: |E||O| measurements)",
        ),
    }

    def search(self, ctx) -> SearchOutcome:
        sem = Semantics.from_settings(ctx.settings)
        trainer = dartspt_trainer(ctx)
        restore_mask(trainer.net)
        if not sem.official:
            return self._v1(ctx, trainer)
        return self._official(ctx, sem)

    def _official(self, ctx, sem: Semantics) -> SearchOutcome:
        proj = projection_of(ctx)
        edges = list(ctx.space.edges)
        scored = edges if ctx.settings.get("pt_initial_scores", True) else []
        initial = [ctx.record({}, e, 0, ctx.scorer.score_edge(ctx, {}, e)) for e in scored]
        rule = getattr(ctx.space, "topology", None)
        nodes = node_candidates(rule) if sem.schedule else list(rule.groups if rule else [])
        edge_order = [edges[i] for i in ctx.rng.permutation(len(edges))]
        node_order = [nodes[i] for i in ctx.rng.permutation(len(nodes))]
        intv = int(ctx.settings["pt_tune_epochs"])
        cell_space = any(":" in e for e in edges)
        plan = (
            official_plan(edge_order, node_order, intv, cell_space)
            if sem.schedule
            else v1_plan(edge_order, node_order, intv)
        )
        opening = plan[0].actions[0][1] if plan else None
        first = {r.edge: r.scores for r in initial if r.edge == opening}  # the same A_0: reused
        decisions: dict[str, str] = {}
        progressive = []

        def choose(edge: str) -> tuple[str, dict[str, float]]:
            scores = first.pop(edge, None) or ctx.scorer.score_edge(ctx, decisions, edge)
            progressive.append(ctx.record(decisions, edge, len(progressive), scores))
            decisions[edge] = argmax_valid(scores, ctx.rng)
            return decisions[edge], scores

        def node_edges(node: str) -> list[str]:
            group = list(rule.groups[node])
            return group if sem.schedule else [e for e in group if decisions.get(e, rule.none_op) != rule.none_op]

        bar = ctx.progress(len(plan), "darts-pt steps")
        for step in plan:
            proj.run_step(step, choose, node_edges, rule.keep if rule else 2, sem.topology)
            for entry in step.log:
                for e in rule.groups[entry["node"]] if "node" in entry else []:
                    if e not in entry["kept"]:
                        decisions[e] = rule.none_op
            bar.update(1)
        bar.close()
        restore_mask(proj.net)
        info = {
            "edge_order": edge_order,
            "node_order": node_order,
            "steps": [{"tune": s.tune, "log": _jsonable(s.log)} for s in plan],
            "training": proj.trainer.history[-3:],
        }
        return SearchOutcome(ctx.space.complete(decisions), initial=initial, progressive=progressive, info=info)

    def _v1(self, ctx, trainer) -> SearchOutcome:
        """nasbench-v1's search (see module doc)."""
        net = trainer.net
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
        topology = self._v1_topology(ctx, trainer, decisions, tune)
        restore_mask(net)
        decisions = topology.pop("decisions")
        info = {
            "edge_order": order,
            "supernet_accuracy_after_edge": accuracy,
            "training": trainer.history[-3:],
            **topology,
        }
        return SearchOutcome(ctx.space.complete(decisions), initial=initial, progressive=progressive, info=info)

    def _v1_topology(self, ctx, trainer, decisions: dict[str, str], tune: int) -> dict:
        """nasbench-v1's topology selection: nodes in random order, strengths measured once."""
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


def _jsonable(log: list[dict]) -> list[dict]:
    """Step logs with tuples as lists (measurement values are (accuracy, loss))."""
    out = []
    for entry in log:
        item = dict(entry)
        if "rounds" in item:
            item["rounds"] = [{e: list(v) for e, v in r.items()} for r in item["rounds"]]
        out.append(item)
    return out


@hookimpl
def nasbench_register_strategies(register) -> None:
    register(DartsPTSearch())
