"""TE-NAS' rank combination, as ``prune_tenas.py:103-184`` computes it (file:line at 9df78ff).

Per candidate (an op switched off): the relative change of the NTK condition number
``(k_0 - k) / k_0`` and of the region count ``(r_0 - r) / r_0``, each rounded to ``precision``
(3) decimals per repeat and averaged over the repeats (``:113``, ``:137-139``). Candidates are
sorted by the NTK change, largest first, and by the region change, smallest first, both on the
value rounded to 3 significant figures (``round_to``, ``:53-64``; the sorts are stable, so equal
keys keep the candidates' enumeration order), and get dense ranks that step only where two
neighbours' unrounded means differ (``:150-169``). Rank 0 = most prunable. The two ranks are
summed; candidates are ordered by the sum, ties in the NTK order (``:172``), and each edge loses
its first ``prune_number`` candidates in that order (``:173-184``).

The roundings reproduce the official arithmetic to the bit because ties are decided by exact
equality: the NTK change is a numpy float64 (``np.nan_to_num`` returns one), rounded by numpy
(ties to even); the region change is a Python float, rounded by Python (correctly rounded
decimal); ``round_to`` works on the numpy mean, so it rounds by numpy too.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

PRECISION = 3


def ntk_change(origin: float, candidate: float, precision: int = PRECISION) -> float:
    """``round((k_0 - k) / k_0, 3)`` with numpy float64 arithmetic and numpy's rounding."""
    k0 = np.float64(origin)
    return float(np.round((k0 - np.float64(candidate)) / k0, precision))


def region_change(origin: float, candidate: float, precision: int = PRECISION) -> float:
    """``round((r_0 - r) / r_0, 3)`` with Python floats and Python's rounding."""
    return round((float(origin) - float(candidate)) / float(origin), precision)


def mean(values: Sequence[float]) -> float:
    """``np.mean`` of the per-repeat changes (the value the ranks compare)."""
    return float(np.mean(np.asarray(values, dtype=np.float64)))


def round_sig(value: float, precision: int = PRECISION, eps: float = 1e-8) -> float:
    """``round_to`` of ``prune_tenas.py:53-64``: ``value`` to ``precision`` significant figures."""
    x = np.float64(value)
    if x == 0:
        return float(x)
    sign = x / abs(x)
    x = abs(x) + eps
    power = math.floor(math.log(x, 10)) + 1
    return float(sign * np.round(x * 10 ** (-power), precision) * 10**power)


def dense_ranks(values: dict[Hashable, float], descending: bool) -> tuple[list[Hashable], dict[Hashable, int]]:
    """(candidates sorted as the official code sorts them, their dense ranks)."""
    order = sorted(values, key=lambda c: round_sig(values[c]), reverse=descending)
    ranks: dict[Hashable, int] = {}
    for i, cand in enumerate(order):
        if i == 0:
            ranks[cand] = 0
        else:
            prev = order[i - 1]
            ranks[cand] = ranks[prev] if values[cand] == values[prev] else ranks[prev] + 1
    return order, ranks


@dataclass(frozen=True)
class Ranked:
    """One candidate's place in the official ranking."""

    candidate: Hashable
    ntk_rank: int
    region_rank: int

    @property
    def total(self) -> int:
        return self.ntk_rank + self.region_rank


def rank_sum_order(ntk: dict[Hashable, float], regions: dict[Hashable, float]) -> list[Ranked]:
    """``rankings_sum``: candidates by ascending rank sum, ties in the NTK order.

    ``ntk`` and ``regions`` map each candidate to its mean change, in enumeration order.
    """
    ntk_order, ntk_rank = dense_ranks(ntk, descending=True)
    _, region_rank = dense_ranks(regions, descending=False)
    ranked = [Ranked(c, ntk_rank[c], region_rank[c]) for c in ntk_order]
    return sorted(ranked, key=lambda r: r.total)


def pruned(ranking: list[Ranked], edge_of, prune_number: int) -> list[Hashable]:
    """Each edge's first ``prune_number`` candidates in ranking order (``edge_of(candidate)`` names the edge)."""
    taken: dict[Hashable, int] = {}
    out = []
    for r in ranking:
        edge = edge_of(r.candidate)
        if taken.get(edge, 0) < prune_number:
            taken[edge] = taken.get(edge, 0) + 1
            out.append(r.candidate)
    return out
