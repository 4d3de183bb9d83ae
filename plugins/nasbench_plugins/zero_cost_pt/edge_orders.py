"""Edge discretization orders for the progressive strategy (Zero-Cost-PT Sec. 4.2, Table 5).

An order is asked, at each step, which undecided edge to discretize next. ``fixed`` goes from
the input towards the output (the space's edge order); ``random`` draws a fresh permutation per
proposal from the trial's generator. The four *global* orders score ops themselves with the
run's scorer (so their extra perturbations are counted by the scorer like any other):

``global-op-iter``    every step: score all ops of all undecided edges; next = the edge holding
                      the single best op. Its scores are reused for that edge's decision.
``global-edge-iter``  the same, choosing the edge with the best mean op score.
``global-op-once``    score all ops of all edges once, on A_0; the order is fixed from that
                      (edges by their best op); only the first edge's scores are reused.
``global-edge-once``  the same with mean op scores.

Perturbations per proposal (Table 5): |O||E| for fixed/random, |O||E|(|E|+1)/2 for the *-iter
orders, 2|O||E| - |O| for the *-once orders.

Interface: ``start(ctx, edges)`` once per proposal, ``next_edge(ctx, decisions, undecided)``
per step, and optionally ``reuse(edge)``: scores the order already computed for ``edge`` in the
current supernet state (or ``None``); ``edge_scores`` wraps this for strategies.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np


class FixedOrder:
    name = "fixed"

    def start(self, ctx, edges: tuple[str, ...]) -> None:
        self.edges = edges

    def next_edge(self, ctx, decisions: dict[str, str], undecided: list[str]) -> str:
        return undecided[0]


class RandomOrder:
    name = "random"

    def start(self, ctx, edges: tuple[str, ...]) -> None:
        self.order = [edges[i] for i in ctx.rng.permutation(len(edges))]

    def next_edge(self, ctx, decisions: dict[str, str], undecided: list[str]) -> str:
        return next(e for e in self.order if e in undecided)


def _best(scores: dict[str, float]) -> float:
    finite = [v for v in scores.values() if not math.isnan(v)]
    return max(finite) if finite else -math.inf


def _mean(scores: dict[str, float]) -> float:
    finite = [v for v in scores.values() if not math.isnan(v)]
    return float(np.mean(finite)) if finite else -math.inf


class GlobalOrder:
    """Edges ranked by their ops' scores: re-scored every step (iter) or once on A_0 (once)."""

    def __init__(self, name: str, edge_value: Callable[[dict[str, float]], float], iterative: bool) -> None:
        self.name, self.edge_value, self.iterative = name, edge_value, iterative

    def start(self, ctx, edges: tuple[str, ...]) -> None:
        self.order: list[str] | None = None
        self.cached: dict[str, dict[str, float]] = {}

    def _score_all(self, ctx, decisions: dict[str, str], undecided: list[str]) -> dict[str, dict[str, float]]:
        return {e: ctx.scorer.score_edge(ctx, decisions, e) for e in undecided}

    def next_edge(self, ctx, decisions: dict[str, str], undecided: list[str]) -> str:
        if self.iterative:
            self.cached = self._score_all(ctx, decisions, undecided)
            return max(undecided, key=lambda e: self.edge_value(self.cached[e]))  # ties: earlier edge
        if self.order is None:
            scores = self._score_all(ctx, decisions, undecided)
            self.order = sorted(undecided, key=lambda e: -self.edge_value(scores[e]))
            self.cached = {self.order[0]: scores[self.order[0]]}  # only valid before any decision
        else:
            self.cached = {}
        return next(e for e in self.order if e in undecided)

    def reuse(self, edge: str) -> dict[str, float] | None:
        return self.cached.pop(edge, None)


class InterleavedOrder:
    """The official DARTS-space order: each step decides one edge of every cell kind in turn
    (normal, then reduction; ``sota/cnn/init_projection.py:207-220``), at random among that kind's
    undecided edges (``random``, lines 38-41) or the first of them (``fixed``: the code's ``order``)."""

    def __init__(self, name: str, kinds: tuple[str, ...]) -> None:
        self.name, self.kinds = name, kinds

    def start(self, ctx, edges: tuple[str, ...]) -> None:
        self.decided = 0

    def next_edge(self, ctx, decisions: dict[str, str], undecided: list[str]) -> str:
        kind = self.kinds[self.decided % len(self.kinds)]
        self.decided += 1
        pool = [e for e in undecided if e.split(":")[0] == kind] or list(undecided)
        return pool[int(ctx.rng.integers(len(pool)))] if self.name == "random" else pool[0]


def edge_scores(order, ctx, decisions: dict[str, str], edge: str) -> dict[str, float]:
    """Scores of ``edge`` for its decision: the order's own, when it computed them, else the scorer's."""
    reuse = getattr(order, "reuse", None)
    scores = reuse(edge) if reuse is not None else None
    return scores if scores is not None else ctx.scorer.score_edge(ctx, decisions, edge)


#: order name -> factory; the progressive strategy declares these names as its choices
EDGE_ORDERS: dict[str, Callable[[], object]] = {
    "fixed": FixedOrder,
    "random": RandomOrder,
    "global-op-iter": lambda: GlobalOrder("global-op-iter", _best, iterative=True),
    "global-op-once": lambda: GlobalOrder("global-op-once", _best, iterative=False),
    "global-edge-iter": lambda: GlobalOrder("global-edge-iter", _mean, iterative=True),
    "global-edge-once": lambda: GlobalOrder("global-edge-once", _mean, iterative=False),
}
