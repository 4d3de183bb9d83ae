"""Topology selection for spaces that search which edges to keep, not only which op (DARTS).

A space declares its rule as data: ``space.topology = TopologyRule(groups={node: edges}, keep=2)``
(every intermediate node keeps ``keep`` of its incoming edges; dropped edges carry ``none``).
Spaces without the attribute (NB201) have nothing to select. Any strategy can call
``apply_topology(ctx, decisions)`` before ``space.complete``: it measures each edge's strength by
perturbation (DARTS-PT / Zero-Cost-PT style: the drop of the proxy score when the whole edge is
removed from the supernet discretized to ``decisions``) and keeps the strongest edges per node.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nasbench.errors import BadInput


@dataclass(frozen=True)
class TopologyRule:
    """``groups``: node name -> the edges into it; each node keeps ``keep`` of them."""

    groups: Mapping[str, tuple[str, ...]]
    keep: int = 2
    none_op: str = "none"


def rule_of(space: Any) -> TopologyRule | None:
    """The space's topology rule, or ``None`` when its topology is fixed."""
    return getattr(space, "topology", None)


def select_topology(space: Any, decisions: dict[str, str], edge_strength: Mapping[str, float]) -> dict[str, str]:
    """Keep the ``keep`` strongest edges into each node; the others get the ``none`` op.

    Edges whose decided op is already ``none`` are only kept when a node has too few others
    (``space.complete`` then gives them a real op). NaN strength counts as weakest; ties go to
    the edge listed first. Spaces without a rule get ``decisions`` back unchanged.
    """
    rule = rule_of(space)
    if rule is None:
        return dict(decisions)
    out = dict(decisions)
    for node, edges in rule.groups.items():
        if len(edges) < rule.keep:
            raise BadInput(f"node {node!r} has {len(edges)} incoming edges, fewer than keep={rule.keep}")

        def key(edge: str, edges: tuple[str, ...] = edges) -> tuple[int, float, int]:
            strength = float(edge_strength.get(edge, -math.inf))
            strength = -math.inf if math.isnan(strength) else strength
            real = int(decisions.get(edge, rule.none_op) != rule.none_op)
            return (real, strength, -edges.index(edge))

        kept = set(sorted(edges, key=key, reverse=True)[: rule.keep])
        for edge in edges:
            if edge not in kept:
                out[edge] = rule.none_op
    return out


def perturbation_strengths(ctx: Any, decisions: dict[str, str], edges: list[str] | None = None) -> dict[str, float]:
    """Edge strength = S(A) - S(A - e): proxy drop when edge ``e`` is removed entirely.

    ``A`` is the trial's supernet discretized to ``decisions`` (undecided edges keep all their
    ops). The mask is restored afterwards, so the caller's supernet state is unchanged.
    """
    from nasbench.supernet import discretize

    net = ctx.supernet
    before = net.op_mask.clone()
    try:
        for edge, op in decisions.items():
            discretize(net, edge, op)
        base = ctx.proxy_score(net)
        out: dict[str, float] = {}
        for edge in edges if edges is not None else list(net.edges):
            e = net.edges.index(edge)
            row = net.op_mask[e].clone()
            net.op_mask[e].zero_()
            try:
                out[edge] = base - ctx.proxy_score(net)
            finally:
                net.op_mask[e].copy_(row)
            ctx.counters.perturbations += 1
        return out
    finally:
        net.op_mask.copy_(before)


def apply_topology(ctx: Any, decisions: dict[str, str], edge_strength: Mapping[str, float] | None = None) -> dict:
    """The step a strategy calls before ``space.complete``; a no-op for fixed-topology spaces.

    Without ``edge_strength`` the strengths are measured by perturbation when the run has a
    proxy; otherwise ``space.complete``'s own rule decides.
    """
    rule = rule_of(ctx.space)
    if rule is None:
        return dict(decisions)
    if edge_strength is None:
        if ctx.proxy is None:
            return dict(decisions)
        candidates = [
            e for edges in rule.groups.values() for e in edges if decisions.get(e, rule.none_op) != rule.none_op
        ]
        edge_strength = perturbation_strengths(ctx, decisions, candidates)
    return select_topology(ctx.space, decisions, edge_strength)
