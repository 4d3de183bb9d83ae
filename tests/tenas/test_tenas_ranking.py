"""TE-NAS' rank combination on hand-made values: roundings, dense ranks, ties, pruned ops."""

from __future__ import annotations

import pytest

from nasbench_plugins.tenas.ranking import (
    Ranked,
    dense_ranks,
    ntk_change,
    pruned,
    rank_sum_order,
    region_change,
    round_sig,
)


def test_the_ntk_change_rounds_like_numpy_and_the_region_change_like_python():
    # (1 - 0.9405) / 1 is the float just below 0.0595: Python rounds that down, numpy computes
    # 0.0595 * 1000 = 59.5 in floats and rounds it to the even 60
    assert ntk_change(1.0, 0.9405) == 0.06
    assert region_change(1.0, 0.9405) == 0.059


def test_round_sig_keeps_three_significant_figures():
    assert round_sig(12.3333) == pytest.approx(12.3)
    assert round_sig(-0.0123456) == pytest.approx(-0.0123)
    assert round_sig(0.0) == 0.0


def test_dense_ranks_step_only_where_neighbours_differ():
    order, ranks = dense_ranks({"a": 0.1, "b": 0.3, "c": 0.3, "d": 0.2}, descending=True)
    assert order == ["b", "c", "d", "a"]
    assert ranks == {"b": 0, "c": 0, "d": 1, "a": 2}


def test_equal_sort_keys_keep_their_enumeration_order_but_still_get_their_own_ranks():
    # 12.3330 and 12.3333 round to the same 3 significant figures but are not equal
    order, ranks = dense_ranks({"x": 12.333, "y": 12.3333333}, descending=True)
    assert order == ["x", "y"] and ranks == {"x": 0, "y": 1}


def test_rank_sum_ties_follow_the_ntk_order():
    ntk = {"a": 0.1, "b": 0.2, "c": 0.3}  # NTK order (descending): c, b, a
    regions = {"a": -0.1, "b": 0.0, "c": 0.1}  # regions order (ascending): a, b, c
    ranking = rank_sum_order(ntk, regions)
    assert [r.candidate for r in ranking] == ["c", "b", "a"]  # every sum is 2
    assert ranking[0] == Ranked("c", 0, 2)


def test_each_edge_loses_its_first_candidates_in_ranking_order():
    ranking = [Ranked(c, 0, s) for s, c in enumerate([("e1", "x"), ("e2", "x"), ("e1", "y"), ("e1", "z")])]
    assert pruned(ranking, lambda c: c[0], 2) == [("e1", "x"), ("e2", "x"), ("e1", "y")]
