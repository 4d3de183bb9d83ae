"""Edge discretization orders for the progressive strategy (Zero-Cost-PT Sec. 4.2, Table 5).

An order is asked, at each step, which undecided edge to discretize next. ``fixed`` goes from
the input towards the output (the space's edge order); ``random`` draws a fresh permutation per
proposal from the trial's generator.
"""

from __future__ import annotations

from collections.abc import Callable


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


#: order name -> factory; the progressive strategy declares these names as its choices
EDGE_ORDERS: dict[str, Callable[[], object]] = {"fixed": FixedOrder, "random": RandomOrder}
