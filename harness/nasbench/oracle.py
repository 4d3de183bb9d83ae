"""The oracle policies of Zero-Cost-PT (Eq. 1-2), computed from a tabular benchmark.

For edges already decided and a candidate op ``o`` on edge ``e``, the archs that agree with the
decisions and use ``o`` on ``e`` form a set; ``best-acc`` scores ``o`` by the best accuracy in
that set, ``avg-acc`` by the mean. Vectorised over the whole table, so a call is microseconds.
"""

from __future__ import annotations

import math

import numpy as np

POLICIES = ("best-acc", "avg-acc")


def oracle_scores(
    codes: np.ndarray,
    accuracy: np.ndarray,
    decided: dict[int, int],
    edge: int,
    ops: int,
) -> dict[str, list[float]]:
    """Per policy, one score per op index of ``edge`` (NaN where no arch is compatible)."""
    keep = np.ones(len(accuracy), dtype=bool)
    for e, op in decided.items():
        if e != edge:
            keep &= codes[:, e] == op
    column = codes[keep, edge]
    acc = accuracy[keep]
    best, mean = [], []
    for op in range(ops):
        sel = acc[column == op]
        best.append(float(sel.max()) if sel.size else math.nan)
        mean.append(float(sel.mean()) if sel.size else math.nan)
    return {"best-acc": best, "avg-acc": mean}
