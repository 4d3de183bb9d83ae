"""Rank statistics: Spearman, Kendall, benchmark rank and percentile, per-edge averages.

Rank follows one rule everywhere: rank = 1 + number of archs strictly better (1 = best), so
ties share the better rank. Percentile = 100 * rank / number of archs (small = good).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

from nasbench.components import EdgeScores


def _finite_pairs(a: Sequence[float], b: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    keep = ~np.isnan(x) & ~np.isnan(y)  # +-inf rank fine (e.g. log det of a singular kernel)
    return x[keep], y[keep]


def spearman(a: Sequence[float], b: Sequence[float]) -> float:
    """Spearman rho over the pairs where neither value is NaN; NaN when undefined."""
    x, y = _finite_pairs(a, b)
    if len(x) < 2 or np.all(x == x[0]) or np.all(y == y[0]):
        return math.nan
    return float(stats.spearmanr(x, y).statistic)


def kendall(a: Sequence[float], b: Sequence[float]) -> float:
    """Kendall tau-b over the pairs where neither value is NaN; NaN when undefined."""
    x, y = _finite_pairs(a, b)
    if len(x) < 2 or np.all(x == x[0]) or np.all(y == y[0]):
        return math.nan
    return float(stats.kendalltau(x, y).statistic)


def rank_of(value: float, population: np.ndarray) -> int:
    """1 + how many of ``population`` are strictly greater than ``value``."""
    return 1 + int(np.count_nonzero(population > value))


def percentile(rank: int, total: int) -> float:
    return 100.0 * rank / total


def edge_spearman(records: list[EdgeScores], oracle: str) -> float:
    """Mean over edge decisions of Spearman(scorer op scores, oracle op scores); NaN-safe."""
    values = []
    for rec in records:
        if oracle not in rec.oracle:
            continue
        ops = sorted(rec.scores)
        rho = spearman([rec.scores[o] for o in ops], [rec.oracle[oracle].get(o, math.nan) for o in ops])
        if math.isfinite(rho):
            values.append(rho)
    return float(np.mean(values)) if values else math.nan


def top_k_precision(scores: Sequence[float], truth: Sequence[float], k: int) -> float:
    """Share of the true top-k archs among the top-k by score (NaN pairs dropped).

    NaN unless more than k archs are left: with k or fewer, both top-k sets are every arch and the
    precision would be 1 whatever the scores (a 6-arch study printed top-10 = 1.00 before).
    """
    x, y = _finite_pairs(scores, truth)
    if k < 1 or len(x) <= k:
        return math.nan
    top_score = set(np.argsort(-x, kind="stable")[:k].tolist())
    top_truth = set(np.argsort(-y, kind="stable")[:k].tolist())
    return len(top_score & top_truth) / k


def argmax_valid(scores: dict[str, float], rng: np.random.Generator | None = None) -> str:
    """The key with the highest score; NaN (an invalid score) counts as worst, +-inf ranks.

    If every score is NaN the choice is uniform from ``rng`` (or the first key), so a broken
    proxy cannot silently bias the search toward one op.
    """
    finite = {k: v for k, v in scores.items() if v is not None and not math.isnan(v)}
    if finite:
        return max(finite, key=lambda k: finite[k])
    keys = list(scores)
    return keys[int(rng.integers(len(keys)))] if rng is not None else keys[0]
