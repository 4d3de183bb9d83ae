"""Rank statistics on small cases worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nasbench.components import EdgeScores
from nasbench.metrics import edge_spearman, kendall, percentile, rank_of, spearman, top_k_precision


def test_spearman_of_a_hand_ranked_case():
    # ranks x: 1 2 3 4 5, y: 2 1 4 3 5 -> d^2 = 1+1+1+1+0 = 4, rho = 1 - 6*4 / (5*24) = 0.8
    assert spearman([1, 2, 3, 4, 5], [20, 10, 40, 30, 50]) == pytest.approx(0.8)


def test_kendall_of_a_hand_counted_case():
    # pairs of x = 1..4 against y = 1 3 2 4: 5 concordant, 1 discordant -> tau = 4 / 6
    assert kendall([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(4 / 6)


def test_nan_pairs_are_dropped_and_infinities_rank():
    assert spearman([1, math.nan, 3, -math.inf], [2, 9, 3, 1]) == pytest.approx(1.0)


def test_constant_or_too_short_inputs_give_nan():
    assert math.isnan(spearman([1, 1, 1], [1, 2, 3]))
    assert math.isnan(kendall([1], [2]))


def test_rank_counts_strictly_better_archs_so_ties_share_the_better_rank():
    population = np.array([0.9, 0.8, 0.8, 0.7])
    assert (rank_of(0.9, population), rank_of(0.8, population), rank_of(0.7, population)) == (1, 2, 4)
    assert percentile(2, 4) == 50.0


def test_top_k_precision_counts_the_shared_members_of_both_top_k():
    truth = [10, 9, 8, 7, 6, 5]
    scores = [6, 5, 1, 4, 3, 2]  # top-3 by score: archs 0, 1, 3; true top-3: 0, 1, 2
    assert top_k_precision(scores, truth, 3) == pytest.approx(2 / 3)


def test_top_k_precision_is_undefined_when_k_covers_every_arch():
    assert math.isnan(top_k_precision([3, 1, 2], [1, 2, 3], 3))
    assert math.isnan(top_k_precision([3, 1, 2, math.nan], [1, 2, 3, 4], 10))


def test_edge_spearman_averages_edges_and_skips_undefined_ones():
    agree = EdgeScores("e0", 0, {"a": 1.0, "b": 2.0, "c": 3.0}, {"best-acc": {"a": 1.0, "b": 2.0, "c": 3.0}})
    reverse = EdgeScores("e1", 0, {"a": 1.0, "b": 2.0, "c": 3.0}, {"best-acc": {"a": 3.0, "b": 2.0, "c": 1.0}})
    flat = EdgeScores("e2", 0, {"a": 1.0, "b": 1.0, "c": 1.0}, {"best-acc": {"a": 3.0, "b": 2.0, "c": 1.0}})
    assert edge_spearman([agree, agree, reverse, flat], "best-acc") == pytest.approx(1 / 3)
    assert math.isnan(edge_spearman([agree], "avg-acc"))
