"""One TE-NAS search with the official semantics (items switchable, see ``semantics``).

Op rounds run through the shared pruning engine (``pruning.engine.prune``, one ``importance``
call per round); the edge phase of DARTS-cell spaces follows. Every round's measurements go to
``info["log"]`` (per candidate: edge, op, mean NTK change, mean region change, score). Each round
and each node step is a progress phase (``ctx.progress``), one unit per measured candidate: an
official-protocol NB201 search runs over half an hour on a CPU core.
"""

from __future__ import annotations

from typing import Any

from nasbench.api import SearchOutcome
from nasbench_plugins.pruning.engine import prune
from nasbench_plugins.tenas.networks import Kit
from nasbench_plugins.tenas.official import Candidate, Measurer, importance, mask_holder
from nasbench_plugins.tenas.semantics import ITEMS, Semantics


def single_op(holder: Any, edge: str) -> str | None:
    """The one op left on ``edge``, or ``None`` while several are on."""
    e = holder.edges.index(edge)
    ops = [op for k, op in enumerate(holder.edge_ops[e]) if bool(holder.op_mask[e, k])]
    return ops[0] if len(ops) == 1 else None


def _log(measured: list[Candidate], scores: dict[tuple[str, str], float]) -> list[list]:
    return [[c.edge, c.op, c.ntk_change(), c.region_change(), scores[c.key]] for c in measured]


def _measure_all(ctx: Any, phase: str, m: Measurer, net: Any, masks: tuple, jobs: list[tuple]) -> list[Candidate]:
    """``m.measure`` of each (edge, op) removal against ``masks`` (before, now), as one progress phase."""
    out = []
    with ctx.progress(len(jobs), phase) as bar:
        for edge, op in jobs:
            out.append(m.measure(net, *masks, edge, op))
            bar.update(1, edge=edge, op=op)
    return out


def search(ctx: Any, sem: Semantics, kit: Kit) -> SearchOutcome:
    m = Measurer(ctx, sem, kit)
    holder = mask_holder(ctx.space, sem)
    log: list[list[list]] = []
    initial, progressive = [], []
    per_edge = (int(ctx.settings.get("tenas_prune_number", 0)) or kit.prune_number) if sem.schedule else 1

    def op_round(_ctx: Any, _holder: Any, _cands: list) -> dict[tuple[str, str], float]:
        mask = holder.op_mask.clone()
        decided = {e: op for e in holder.edges if (op := single_op(holder, e)) is not None}
        net = m.ntk_network()
        jobs = list(kit.candidates(mask))
        measured = _measure_all(ctx, f"tenas round {len(log) + 1}", m, net, (mask, mask), jobs)
        scores = importance(sem, measured)
        by_edge: dict[str, dict[str, float]] = {}
        for (edge, op), s in scores.items():
            by_edge.setdefault(edge, {})[op] = s
        for edge in holder.edges:
            if edge in by_edge:
                rec = ctx.record(decided, edge, len(log), by_edge[edge])
                (initial if not log else progressive).append(rec)
        log.append(_log(measured, scores))
        return scores

    result = prune(ctx, holder, op_round, None, "round", per_edge=per_edge)
    edge_log = edge_phase(ctx, sem, m, holder)
    decisions = {e: single_op(holder, e) or "none" for e in holder.edges}
    info = {
        "semantics": "official",
        "ablated": [item for item in ITEMS if not getattr(sem, item)],
        "prune_number": per_edge,
        "rounds": result.rounds,
        "pruned": [[s["round"], s["edge"], s["op"]] for s in result.steps],
        "edge_pruned": [row for rows in edge_log for row in rows if row[-1] == "pruned"],
        "log": log,
        "edge_log": edge_log,
    }
    return SearchOutcome(ctx.space.complete(decisions), initial=initial, progressive=progressive, info=info)


def edge_phase(ctx: Any, sem: Semantics, m: Measurer, holder: Any) -> list[list[list]]:
    """DARTS-cell spaces: each node keeps ``keep`` incoming edges; rows [edge, op, ..., kept/pruned]."""
    rule = getattr(ctx.space, "topology", None)
    if rule is None:
        return []
    live = {
        node: [e for e in edges if (single_op(holder, e) or rule.none_op) != rule.none_op]
        for node, edges in rule.groups.items()
    }
    if sem.schedule:
        return _grouped(ctx, sem, m, holder, rule, live)
    return _iterative(ctx, sem, m, holder, rule, live)


def _drop(holder: Any, edge: str) -> None:
    holder.op_mask[holder.edges.index(edge)].zero_()


def _grouped(ctx: Any, sem: Semantics, m: Measurer, holder: Any, rule: Any, live: dict) -> list[list[list]]:
    """Official: node by node, one ranking per node, keep its top ``keep``; the NTK network and its
    'before' mask are those of the phase's start (``prune_tenas.py:191-199``)."""
    start = holder.op_mask.clone()
    net = m.ntk_network()
    out = []
    for edges in live.values():
        if len(edges) <= rule.keep:
            continue
        current = holder.op_mask.clone()
        jobs = [(e, single_op(holder, e)) for e in edges]
        measured = _measure_all(ctx, f"tenas node {len(out) + 1}", m, net, (start, current), jobs)
        scores = importance(sem, measured)
        order = sorted(scores, key=lambda c: scores[c])
        drop = set(order[: len(order) - rule.keep])
        for edge, _op in drop:
            _drop(holder, edge)
        out.append([row + ["pruned" if c.key in drop else "kept"] for row, c in zip(_log(measured, scores), measured)])
    return out


def _iterative(ctx: Any, sem: Semantics, m: Measurer, holder: Any, rule: Any, live: dict) -> list[list[list]]:
    """nasbench-v1's order: every open node loses its weakest edge per round, all ranked together."""
    out = []
    while True:
        open_nodes = {node: edges for node, edges in live.items() if len(edges) > rule.keep}
        if not open_nodes:
            return out
        mask = holder.op_mask.clone()
        net = m.ntk_network()
        jobs = [(e, single_op(holder, e)) for edges in open_nodes.values() for e in edges]
        measured = _measure_all(ctx, f"tenas nodes round {len(out) + 1}", m, net, (mask, mask), jobs)
        scores = importance(sem, measured)
        pruned = set()
        for node, edges in open_nodes.items():
            weakest = min(edges, key=lambda e: scores[(e, single_op(holder, e))])
            pruned.add(weakest)
            live[node] = [e for e in edges if e != weakest]
        for edge in pruned:
            _drop(holder, edge)
        out.append(
            [row + ["pruned" if c.edge in pruned else "kept"] for row, c in zip(_log(measured, scores), measured)]
        )
