"""Fig. 3, 6a and 6b of PertNAS, read from the store (``nasbench run`` rows) and the NB301 stand-in.

- ``fig3``: the edge x op Delta V matrix of ``pertnas`` runs on O1 (mean over the stored seeds of
  ``extra.info.stage1``), beside the benchmark's average- and best-accuracy valuations over all
  65,536 O1 archs; per-edge and overall Spearman rho of -Delta V against each.
- ``fig6a``: archs chosen on O1 by ``pertnas``, ``darts`` and ``darts-pt``: NB301 accuracy and
  rank among all 65,536 O1 archs.
- ``fig6b``: archs chosen on O2: accuracy, rank among the 180 topologies, cell depth.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from nasbench.api import BadInput, rank_of, spearman
from nasbench_plugins.pertnas.groundtruth import benchmark_valuation, depth, o1_table, o2_topologies

FIG6A_STRATEGIES = ("pertnas", "darts", "darts-pt")


def _ok(rows: list[dict], space: str, strategies: tuple[str, ...]) -> list[dict]:
    return [r for r in rows if r["space"] == space and r["strategy"] in strategies and r["status"] == "ok"]


def _label(row: dict) -> str:
    if row["strategy"] == "pertnas":
        return f"pertnas ({row['settings'].get('pertnas_variant')})"
    return row["strategy"]


def fig3(rows: list[dict], bench: Any) -> dict[str, Any]:
    """Mean Delta V per (edge, op) over the O1 pertnas rows, per variant, and its rank correlation
    with the benchmark's valuations."""
    codes, acc = o1_table(bench)
    truth = benchmark_valuation(bench, codes, acc)
    out: dict[str, Any] = {"benchmark": truth, "variants": {}}
    edges = list(truth["avg-acc"])
    ops = list(truth["avg-acc"][edges[0]])
    pairs = [spearman([truth["avg-acc"][e][o] for o in ops], [truth["best-acc"][e][o] for o in ops]) for e in edges]
    flat_avg = [truth["avg-acc"][e][o] for e in edges for o in ops]
    flat_best = [truth["best-acc"][e][o] for e in edges for o in ops]
    # the paper's own Fig. 3 observation: the two benchmark rankings are "fairly similar"
    out["rho_avg_vs_best"] = {"per_edge_mean": float(np.nanmean(pairs)), "all": spearman(flat_avg, flat_best)}
    by_variant: dict[str, list[dict]] = defaultdict(list)
    for r in _ok(rows, "o1", ("pertnas",)):
        by_variant[r["settings"].get("pertnas_variant", "?")].append(r)
    for variant, group in sorted(by_variant.items()):
        edges = list(truth["avg-acc"])
        mean = {
            e: {op: float(np.mean([g["extra"]["info"]["stage1"][e][op] for g in group])) for op in truth["avg-acc"][e]}
            for e in edges
        }
        result: dict[str, Any] = {"seeds": sorted(g["seed"] for g in group), "delta_v": mean}
        for policy in ("avg-acc", "best-acc"):
            ops = list(truth[policy][edges[0]])
            per_edge = [spearman([-mean[e][o] for o in ops], [truth[policy][e][o] for o in ops]) for e in edges]
            flat_v = [-mean[e][o] for e in edges for o in ops]
            flat_t = [truth[policy][e][o] for e in edges for o in ops]
            result[f"rho_{policy}"] = {"per_edge_mean": float(np.nanmean(per_edge)), "all": spearman(flat_v, flat_t)}
        out["variants"][variant] = result
    return out


def fig6a(rows: list[dict], space: Any, bench: Any) -> list[dict[str, Any]]:
    """One line per O1 row of pertnas / darts / darts-pt: arch, NB301 accuracy, rank of 65,536."""
    _codes, acc = o1_table(bench)
    out = []
    for r in _ok(rows, "o1", FIG6A_STRATEGIES):
        arch = space.parse(r["arch"])
        a = bench.accuracy(arch, "cifar10")
        line = {"method": _label(r), "seed": r["seed"], "accuracy": a, "rank": rank_of(a, acc), "of": len(acc)}
        line |= {"seconds": r["search_seconds"], "peak_memory_bytes": r["peak_memory_bytes"], "arch": r["arch"]}
        out.append(line)
    return sorted(out, key=lambda x: (x["method"], x["seed"]))


def fig6b(rows: list[dict], space: Any, bench: Any) -> tuple[list[dict[str, Any]], np.ndarray, list[int]]:
    """Rows on O2 (any strategy) ranked among the 180 topologies; also every topology's accuracy and depth."""
    spec = space.spec
    topologies = o2_topologies(spec)
    acc = bench.surrogate.predict([spec.genotype(a) for a in topologies])
    depths = [depth(a, spec) for a in topologies]
    out = []
    for r in [r for r in rows if r["space"] == "o2" and r["status"] == "ok"]:
        try:
            arch = space.parse(r["arch"])
        except BadInput:  # a row of an older o2 (the sep_conv_3x3 placeholder): not this space
            continue
        a = bench.accuracy(arch, "cifar10")
        out.append({"method": _label(r), "seed": r["seed"], "accuracy": a, "rank": rank_of(a, acc), "of": len(acc),
                    "depth": depth(arch, spec), "arch": r["arch"]})  # fmt: skip
    return sorted(out, key=lambda x: (x["method"], x["seed"])), acc, depths
