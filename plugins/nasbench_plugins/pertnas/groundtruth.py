"""Ground truth for the PertNAS studies from the NB301 stand-in (``nb301-o1`` / ``nb301-o2``).

- ``o1_table``: all 4^8 = 65,536 O1 archs and their surrogate accuracies (cached in the user
  cache, keyed by the surrogate's source), the population Fig. 6a ranks against;
- ``benchmark_valuation``: the benchmark's own op valuation per edge (Fig. 3a/c): the average and
  the best accuracy of all O1 archs with op o on edge e (``nasbench.api.oracle_scores``);
- ``derive_o2_ops``: O2's one op per edge, "the best ops for each edge in O1" (Table I);
- ``o2_topologies``: the 180 topologies of O2 (2 of the j < k inputs per node: 1*3*6*10).
"""

from __future__ import annotations

import itertools
import os
from typing import Any

import numpy as np

from nasbench.api import Arch, cache_dir, oracle_scores
from nasbench_plugins.darts_space.spec import FULL_PAIRS, NODES

O1_SIZE = 4**8


def o1_table(bench: Any) -> tuple[np.ndarray, np.ndarray]:
    """(op index matrix [65536, 8], accuracy [65536]) of every O1 arch on ``bench`` (nb301-o1)."""
    spec = bench.spec
    n_ops = len(spec.edge_ops[0])
    codes = np.array(list(itertools.product(range(n_ops), repeat=len(spec.edges))), dtype=np.int8)
    path = cache_dir() / "pertnas" / f"o1_table_{bench.surrogate.source}.npy"
    acc = None
    if path.is_file():
        acc = np.load(path, allow_pickle=False)
        if acc.shape != (len(codes),) or not np.all(np.isfinite(acc)):
            acc = None
    if acc is None:
        archs = (Arch(spec.name, tuple(spec.edge_ops[e][k] for e, k in enumerate(row))) for row in codes)
        acc = bench.surrogate.predict([spec.genotype(a) for a in archs])
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
        np.save(tmp, acc, allow_pickle=False)
        os.replace(tmp, path)
    return codes, acc


def benchmark_valuation(bench: Any, codes: np.ndarray, acc: np.ndarray) -> dict[str, dict[str, dict[str, float]]]:
    """{policy ("avg-acc" / "best-acc"): {edge: {op: accuracy}}}: Fig. 3's benchmark valuations."""
    spec = bench.spec
    out: dict[str, dict[str, dict[str, float]]] = {"avg-acc": {}, "best-acc": {}}
    for e, edge in enumerate(spec.edges):
        ops = spec.edge_ops[e]
        raw = oracle_scores(codes, acc, {}, e, len(ops))
        for policy in out:
            out[policy][edge] = {op: float(v) for op, v in zip(ops, raw[policy])}
    return out


def derive_o2_ops(avg: dict[str, dict[str, float]]) -> tuple[str, ...]:
    """O2's op per DARTS edge (FULL_PAIRS order) from O1's average-accuracy valuation ``avg``.

    Edge j->k with j in {0, 1} exists in O1: its best op by average accuracy. O1 has no edge
    from an intermediate node (j >= 2); those take the op whose average accuracy, averaged over
    all O1 edges, is best (the paper says only "best ops for each edge in O1"; this is our rule).
    """
    ops = list(next(iter(avg.values())))
    overall = max(ops, key=lambda op: np.mean([v[op] for v in avg.values()]))
    out = []
    for j, k in FULL_PAIRS:
        edge = f"cell:{j}->{k}"
        out.append(max(avg[edge], key=avg[edge].get) if edge in avg else overall)
    return tuple(out)


def o2_topologies(spec: Any) -> list[Arch]:
    """Every O2 arch: each intermediate node keeps 2 of its inputs (180 for 4 nodes)."""
    per_node = [list(itertools.combinations(range(k), 2)) for k in NODES]
    archs = []
    for choice in itertools.product(*per_node):
        ops = ["none"] * len(spec.edges)
        for k, inputs in zip(NODES, choice):
            for j in inputs:
                e = spec.edge_index("cell", j, k)
                ops[e] = spec.edge_ops[e][0]
        archs.append(Arch(spec.name, tuple(ops)))
    return archs


def depth(arch: Arch, spec: Any) -> int:
    """Cell depth: the longest path (in edges) from a cell input to an intermediate node."""
    level = {0: 0, 1: 0}
    for k in NODES:
        level[k] = 1 + max(
            level[j] for j, t in spec.pairs if t == k and arch.ops[spec.edge_index("cell", j, t)] != "none"
        )
    return max(level[k] for k in NODES)
