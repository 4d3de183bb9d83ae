"""Edge orders: every order finishes a proposal, and perturbation counts match Table 5."""

from __future__ import annotations

import pytest
from policy_helpers import make_ctx

from nasbench_plugins.proxies.nwot import NWOT
from nasbench_plugins.zero_cost_pt.edge_orders import EDGE_ORDERS
from nasbench_plugins.zero_cost_pt.progressive import Progressive
from nasbench_plugins.zero_cost_pt.scorer import ZeroCostPT

N_E, N_O = 3, 4  # the toy space: 3 edges, 4 ops
TABLE5 = {
    "fixed": N_O * N_E,
    "random": N_O * N_E,
    "global-op-iter": N_O * N_E * (N_E + 1) // 2,
    "global-edge-iter": N_O * N_E * (N_E + 1) // 2,
    "global-op-once": 2 * N_O * N_E - N_O,
    "global-edge-once": 2 * N_O * N_E - N_O,
}


def _search(order: str, proposals: int = 2):
    ctx = make_ctx(
        ZeroCostPT(),
        strategy=Progressive(),
        proxy=NWOT(),
        settings={"proposals": proposals, "validation": 0, "edge_order": order, "batch_size": 8},
    )
    return ctx, Progressive().search(ctx)


def test_every_table5_order_is_registered():
    assert set(TABLE5) == set(EDGE_ORDERS)


@pytest.mark.parametrize("order", sorted(TABLE5))
def test_perturbations_per_proposal_match_table5(order):
    ctx, outcome = _search(order)
    assert outcome.info["perturbations_per_proposal"] == [TABLE5[order]] * 2
    # the initial scoring of A_0 (|O||E|) plus the proposals: everything the scorer did is counted
    assert ctx.counters.perturbations == N_O * N_E + 2 * TABLE5[order]


@pytest.mark.parametrize("order", ["global-op-iter", "global-edge-once"])
def test_global_orders_decide_every_edge_once(order):
    _ctx, outcome = _search(order, proposals=1)
    assert sorted(r.edge for r in outcome.progressive) == sorted(("0->1", "0->2", "1->2"))
    assert [r.step for r in outcome.progressive] == [0, 1, 2]


def test_global_op_iter_takes_edge_with_best_op_first():
    _ctx, outcome = _search("global-op-iter", proposals=1)
    # a fresh context replays the same stream: batch 1 scores A_0, batch 2 is the proposal's
    ctx = make_ctx(
        ZeroCostPT(),
        strategy=Progressive(),
        proxy=NWOT(),
        settings={"proposals": 1, "validation": 0, "edge_order": "global-op-iter", "batch_size": 8},
    )
    _ = ctx.batch
    ctx.new_batch()
    all_scores = {e: ZeroCostPT().score_edge(ctx, {}, e) for e in ctx.space.edges}
    best_edge = max(all_scores, key=lambda e: max(all_scores[e].values()))
    assert outcome.progressive[0].edge == best_edge
    assert outcome.progressive[0].scores == all_scores[best_edge]
