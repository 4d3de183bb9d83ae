#!/usr/bin/env python
"""Which NB201 archs the authors' own Zero-Cost-PT tenas runs picked, read on nasbench's NB201 table.

    python scripts/official_tenas_picks.py OFFICIAL_DIR

OFFICIAL_DIR: a checkout of visionbasicagent/zerocost_operation_score @55fc52b (nothing of it is
copied). Its ``experiments/corr_time/tenas_{0..3}.txt`` are the logs of ``networks_proposal.py
--proj_crit tenas`` (the ``tenas_project`` route): the first line holds the run's arguments, then
each decision logs the rank sums of every remaining (edge, op) removal and the ``best eid`` /
``best opid`` it kept. Per seed this prints two readings, each with its CIFAR-10 test error and rank:

- ``progressive``: the arch the run ended with (its six logged decisions);
- ``independent``: each edge's op taken from the first decision's 30 rank sums alone (the lowest on
  the edge, the rule ``tenas_project`` applies to the first remaining edge), as Table 1's
  strategy reads A_0.

and the per-edge Spearman rho of those first rank sums (negated: low is kept) against the oracle's
best-acc and avg-acc, averaged over the six edges: the measure of the paper's Figure 2 and of a
trial's ``edge_spearman_initial``.

docs/paper-tables.md records the output beside the paper's Table 1 value.
"""

from __future__ import annotations

import argparse
import ast
import re
from pathlib import Path

import numpy as np

from nasbench.api import EdgeScores, edge_spearman, oracle_scores, registry_of
from nasbench_plugins.nb201.ops import OPS as OFFICIAL_OPS  # the official order, which ``opid`` indexes


def read_log(path: Path) -> dict:
    """The arguments, the decisions (eid, opid) and the first decision's rank sums of one log."""
    text = path.read_text()
    args = dict(re.findall(r"(\w+)=('[^']*'|[\w.]+)", text.splitlines()[0]))
    eids = [int(m) for m in re.findall(r"best eid (\d+)", text)]
    opids = [int(m) for m in re.findall(r"best opid (\d+)", text)]
    first = re.search(r"^\S+ \S+ (\[[-0-9., e]*\])$", text, re.MULTILINE)
    if first is None or len(eids) != len(opids):
        raise SystemExit(f"{path}: not a tenas_project log")
    return {"args": args, "decisions": list(zip(eids, opids)), "first": ast.literal_eval(first.group(1))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("official", type=Path)
    ap.add_argument("--dataset", default="cifar10")
    args = ap.parse_args()
    registry = registry_of()
    space = registry.get("space", "nb201")
    bench = registry.get("benchmark", "nb201")
    edges = space.edges  # the official edge order: 0->1, 0->2, 1->2, 0->3, 1->3, 2->3
    codes, accuracy = bench.table(bench.oracle_dataset.get(args.dataset, args.dataset))
    # A_0's oracle (nothing decided yet): the same for every log
    oracle = [
        {
            policy: dict(zip(OFFICIAL_OPS, values))
            for policy, values in oracle_scores(codes, accuracy, {}, e, len(OFFICIAL_OPS)).items()
        }
        for e in range(len(edges))
    ]

    def describe(ops: dict[str, str]) -> str:
        arch = space.complete(ops)
        rank, total = bench.rank(arch, args.dataset)
        return f"{space.format(arch)} error {100 - bench.accuracy(arch, args.dataset):.2f} rank {rank:,}/{total:,}"

    for log in sorted((args.official / "experiments" / "corr_time").glob("tenas_*.txt")):
        run = read_log(log)
        a = run["args"]
        print(f"{log.name}: seed={a.get('seed')} batch_size={a.get('batch_size')} pool_size={a.get('pool_size')}")
        progressive = {edges[e]: OFFICIAL_OPS[o] for e, o in run["decisions"]}
        print(f"  progressive  {describe(progressive)}")
        sums = np.asarray(run["first"], dtype=float).reshape(len(edges), len(OFFICIAL_OPS))
        independent = {edge: OFFICIAL_OPS[int(np.nanargmin(row))] for edge, row in zip(edges, sums)}
        print(f"  independent  {describe(independent)}")
        records = [
            EdgeScores(edge=edge, step=0, scores=dict(zip(OFFICIAL_OPS, -row)), oracle=oracle[e])
            for e, (edge, row) in enumerate(zip(edges, sums))
        ]
        rho = {p: edge_spearman(records, p) for p in ("best-acc", "avg-acc")}
        print("  rho (first decision)  " + "  ".join(f"{p} {v:+.3f}" for p, v in rho.items()))


if __name__ == "__main__":
    main()
