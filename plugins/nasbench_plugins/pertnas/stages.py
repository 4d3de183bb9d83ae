"""The three stages of PertNAS' search (Sec. II-A, Fig. 2) and the two ways to run stage 1.

1. coarse-grained op search: a valuation matrix V (edge x op, Delta V) from which the top-2 ops
   per edge are kept, either from a trained supernet (``coarse_supernet``) or averaged over n
   evolving discrete models (``coarse_evolutionary``, Sec. III-D);
2. fine-grained op search (``fine_grained``): train the top-2 model, value the ops of a random
   edge, discretise it, retrain, until every edge has one op;
3. topology search (``topology``): the same over nodes, keeping the 2 incoming edges of each
   intermediate node whose removal costs most.

Every stage takes its randomness from the trial (``ctx.rng``, ``ctx.torch_generator``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from torch import nn

from nasbench.api import active_ops, discretize, reset
from nasbench_plugins.oneshot.training import trained_supernet
from nasbench_plugins.pertnas.models import build_model, cell_spec, new_trainer, transfer_weights
from nasbench_plugins.pertnas.settings import population
from nasbench_plugins.pertnas.valuation import ranked, train_steps, value_edge

#: stream offsets of the trial seed (``SearchContext.torch_generator``; the engine uses 20-21)
_MODEL, _TRAIN, _FINETUNE = 30, 31, 32
KEEP = 2


@dataclass
class Valuation:
    """A valuation matrix: ``values[edge][op]`` = Delta V, ``v_star[edge]`` = V* it was taken at."""

    values: dict[str, dict[str, float]] = field(default_factory=dict)
    v_star: dict[str, float] = field(default_factory=dict)

    def top(self, k: int = KEEP) -> dict[str, tuple[str, ...]]:
        """The k most valuable real ops per edge (``none`` is topology's business, never kept)."""
        return {e: tuple(ranked(v, exclude=("none",))[:k]) for e, v in self.values.items()}


def _seed(ctx: Any, stream: int, step: int) -> int:
    return ctx.seed * 1_000_003 + stream + 7919 * (step + 1)


def _order(ctx: Any, items: list[str]) -> list[str]:
    return [items[i] for i in ctx.rng.permutation(len(items))]


def _real_ops(spec: Any, edge: str) -> tuple[str, ...]:
    return tuple(op for op in spec.edge_ops[spec.edges.index(edge)] if op != "none")


# -- stage 1 ---------------------------------------------------------------------------------
def coarse_supernet(ctx: Any) -> Valuation:
    """Train the supernet (the shared one-shot engine, checkpointed) and value every op on every edge."""
    trainer = trained_supernet(ctx)
    reset(trainer.net)
    out = Valuation()
    for step, edge in enumerate(ctx.space.edges):
        out.v_star[edge], out.values[edge] = value_edge(
            trainer, edge, ctx.settings, _seed(ctx, _FINETUNE, step), ctx.counters
        )
    return out


def expand_and_value(ctx: Any, holder: list[nn.Module], ops: dict[str, tuple[str, ...]], edge: str, step: int):
    """Expand ``edge`` of the discrete model in ``holder`` (every candidate op on it, theta
    shared), fine-tune, value its ops, and leave in ``holder`` the discrete model with ``edge``
    set to its best op. Returns (V*, {op: Delta V}, ops). The caller hands the model over in
    ``holder`` so that the compact model is freed once its weights are in the expanded one."""
    spec = cell_spec(ctx)
    expanded_ops = {**ops, edge: spec.edge_ops[spec.edges.index(edge)]}
    expanded = build_model(ctx, expanded_ops, _MODEL + 100 * step)
    transfer_weights(holder.pop(), expanded)
    trainer = new_trainer(ctx, expanded, _MODEL)
    expand = int(ctx.settings["pertnas_expand_steps"])
    train_steps(trainer, expand, ctx.torch_generator(_TRAIN + 100 * step), ctx.counters)
    v_star, values = value_edge(trainer, edge, ctx.settings, _seed(ctx, _FINETUNE, step), ctx.counters)
    best = ranked(values, exclude=("none",))[0]
    ops = {**ops, edge: (best,)}
    compact = build_model(ctx, ops, _MODEL + 100 * step + 1)
    transfer_weights(expanded, compact)
    holder.append(compact)
    return v_star, values, ops


def coarse_evolutionary(ctx: Any) -> tuple[Valuation, dict[str, Any]]:
    """Sec. III-D: n random discrete models, each trained, then evolved edge by edge (expand,
    fine-tune, perturb-value, discretise to the best op); the n matrices are averaged."""
    spec = cell_spec(ctx)
    n = population(ctx.settings, spec.name)
    edges = list(spec.edges)
    total: dict[str, dict[str, float]] = {e: dict.fromkeys(spec.edge_ops[spec.edges.index(e)], 0.0) for e in edges}
    v_star_total = dict.fromkeys(edges, 0.0)
    models = []
    step = 0
    for i in range(n):
        ops = {e: (str(ctx.rng.choice(_real_ops(spec, e))),) for e in edges}
        start = {e: o[0] for e, o in ops.items()}
        holder = [build_model(ctx, ops, _MODEL + i)]
        trainer = new_trainer(ctx, holder[0], _MODEL)
        train_steps(trainer, int(ctx.settings["pertnas_model_steps"]), ctx.torch_generator(_TRAIN + i), ctx.counters)
        del trainer
        for edge in _order(ctx, edges):
            v_star, values, ops = expand_and_value(ctx, holder, ops, edge, step)
            step += 1
            v_star_total[edge] += v_star / n
            for op, v in values.items():
                total[edge][op] += v / n
        models.append({"start": start, "evolved": {e: o[0] for e, o in ops.items()}})
        holder.clear()
    return Valuation(total, v_star_total), {"population": n, "models": models}


# -- stage 2 ---------------------------------------------------------------------------------
def fine_grained(ctx: Any, top: dict[str, tuple[str, ...]]):
    """Train the top-2 model; value a random edge, discretise it (mask), retrain; until every
    edge has one op. Returns (trainer, decisions, [(edge, V*, {op: Delta V})] in order)."""
    net = build_model(ctx, top, _MODEL + 1000)
    trainer = new_trainer(ctx, net, _MODEL)
    train_steps(trainer, int(ctx.settings["pertnas_model_steps"]), ctx.torch_generator(_TRAIN + 1000), ctx.counters)
    decisions: dict[str, str] = {}
    steps = []
    retrain = int(ctx.settings["pertnas_retrain_steps"])
    for step, edge in enumerate(_order(ctx, list(ctx.space.edges))):
        active = active_ops(net, edge)
        if len(active) == 1:
            decisions[edge] = active[0]
            continue
        v_star, values = value_edge(trainer, edge, ctx.settings, _seed(ctx, _FINETUNE, 1000 + step), ctx.counters)
        decisions[edge] = ranked(values)[0]
        discretize(net, edge, decisions[edge])
        steps.append((edge, v_star, values))
        if retrain:
            train_steps(trainer, retrain, ctx.torch_generator(_TRAIN + 2000 + step), ctx.counters)
    return trainer, decisions, steps


# -- stage 3 ---------------------------------------------------------------------------------
def drop_edge(net: nn.Module, edge: str) -> None:
    """Remove ``edge`` from the model for good (every op masked: the edge contributes nothing)."""
    net.op_mask[net.edges.index(edge)].zero_()


def topology(ctx: Any, trainer: Any, decisions: dict[str, str]):
    """Per intermediate node (random order): value each incoming edge by masking its op, keep
    the 2 whose removal costs most, drop the others, retrain. Returns (decisions with dropped
    edges set to ``none``, [(node, V*, {edge: Delta V})])."""
    rule = cell_spec(ctx).topology
    if rule is None:
        return dict(decisions), []
    net = trainer.net
    decisions = dict(decisions)
    steps = []
    retrain = int(ctx.settings["pertnas_retrain_steps"])
    for step, node in enumerate(_order(ctx, list(rule.groups))):
        incoming = rule.groups[node]
        values = {}
        v_star = None
        for edge in incoming:
            v, ev = value_edge(
                trainer, edge, ctx.settings, _seed(ctx, _FINETUNE, 3000 + step), ctx.counters, (decisions[edge],)
            )
            v_star = v
            values[edge] = ev[decisions[edge]]
        keep = ranked(values)[: rule.keep]
        for edge in incoming:
            if edge not in keep:
                drop_edge(net, edge)
                decisions[edge] = "none"
        steps.append((node, v_star, values))
        if retrain:
            train_steps(trainer, retrain, ctx.torch_generator(_TRAIN + 4000 + step), ctx.counters)
    return decisions, steps
