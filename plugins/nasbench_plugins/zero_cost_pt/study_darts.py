"""The DARTS-cell and Macro tables of docs/zc-pt.md, printed from the store (``nasbench zc-pt-study``).

``darts``   Zero-Cost-PT Table 3's cells on ``s5``: one row per seed and a mean per semantics and
            (N, V); a V=100 trial also gives the V=1 and V=10 rows (``validation_prefix_choices``:
            each candidate's first V' batches are what a V' run draws, the proposals do not depend
            on V), marked as such. Accuracy is the NB301 stand-in's (YAHPO surrogate, validation
            accuracy after 98 epochs), rank among its 10,000-arch sample; params of the genotype's
            DARTS evaluation network (C=36, 20 cells, no auxiliary head); the paper's trained
            test errors beside them.
``spaces``  the same for S1-S4 (DARTS-PT's reduced spaces).
``macro``   NAS-Bench-Macro: arch, test accuracy, rank among 6,561, beside the table's best/average.
"""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np

from nasbench.api import torch_generator

#: Zero-Cost-PT paper, Table 3 (nwot, random order, 4 seeds, trained test error %): (N, V) -> avg, best
PAPER_TABLE3 = {(1, 0): ("2.81 ± 0.29", "2.43"), (10, 1): ("2.93 ± 0.14", "2.65"),
                (10, 10): ("2.88 ± 0.14", "2.65"), (10, 100): ("2.64 ± 0.16", "2.43")}  # fmt: skip


def _label(settings: dict) -> str:
    name = settings.get("zcpt_semantics", "official")
    ablate = settings.get("zcpt_ablate", "")
    return f"{name} without {ablate}" if ablate else name


def _mean_std(values: list[float]) -> str:
    vals = [v for v in values if v is not None and not math.isnan(v)]
    if len(vals) < 2:
        return f"{vals[0]:.2f}" if vals else "-"
    return f"{np.mean(vals):.2f} ± {np.std(vals, ddof=0):.2f}"


def _groups(rows: list[dict], space: str) -> OrderedDict:
    """(semantics, N, V, order, batch) -> trials, V=100 trials also standing for their V' prefixes."""
    groups: OrderedDict = OrderedDict()
    for row in rows:
        if (row["scorer"], row["space"], row["strategy"], row["status"]) != ("zc-pt", space, "progressive", "ok"):
            continue
        s = row["settings"]
        key = (_label(s), int(s["proposals"]), int(s["validation"]), s["edge_order"], int(s["batch_size"]))
        groups.setdefault(key, []).append((row, row["arch"], None))
        for v, arch in (row["extra"].get("info", {}).get("validation_prefix_choices") or {}).items():
            groups.setdefault(key[:2] + (int(v),) + key[3:] + ("prefix",), []).append((row, arch, int(v)))
    for key, trials in list(groups.items()):  # a prefix row only where no trial ran that V itself
        if len(key) == 6 and key[:5] in groups:
            del groups[key]
        trials.sort(key=lambda t: t[0]["seed"])
    return OrderedDict(sorted(groups.items(), key=lambda kv: (kv[0][0] != "official", kv[0][1:3])))


class _Lookup:
    """Stand-in accuracy, rank and DARTS evaluation-network params of an arch string."""

    def __init__(self, registry, space: str, benchmark: str) -> None:
        self.space = registry.get("space", space)
        self.bench = registry.get("benchmark", benchmark)
        self.eval_space = self.space.with_settings({"darts_eval_channels": 36, "darts_eval_cells": 20})

    def __call__(self, row: dict, arch: str) -> tuple[float, int, float]:
        if arch == row["arch"]:
            acc, rank = row["test_accuracy"], int(row["rank"])
        else:
            parsed = self.space.parse(arch)
            acc, rank = self.bench.accuracy(parsed, row["dataset"]), self.bench.rank(parsed, row["dataset"])[0]
        net = self.eval_space.build_network(self.space.parse(arch), 10, torch_generator(0))
        return acc, rank, sum(p.numel() for p in net.parameters()) / 1e6


def darts_table(rows: list[dict], registry, space: str = "s5", benchmark: str = "nb301-s5") -> str:
    lookup = _Lookup(registry, space, benchmark)
    head = "| semantics (N, V, order, batch) | seed | stand-in acc % | stand-in error % | rank / 10,000 | params M |"
    lines = [head + " search min |", "|---" * 7 + "|"]
    for key, trials in _groups(rows, space).items():
        label = f"{key[0]} (N={key[1]}, V={key[2]}, {key[3]}, batch {key[4]})"
        if len(key) == 6:
            label += f" (from the V={int(trials[0][0]['settings']['validation'])} trials' first {key[2]} batches)"
        accs, ranks, params = [], [], []
        for row, arch, prefix in trials:
            acc, rank, p = lookup(row, arch)
            accs.append(acc), ranks.append(rank), params.append(p)
            minutes = "-" if prefix else f"{row['search_seconds'] / 60:.1f}"
            lines.append(f"| {label} | {row['seed']} | {acc:.2f} | {100 - acc:.2f} | {rank:,} | {p:.2f} | {minutes} |")
        lines.append(
            f"| **{label}** | {len(trials)} seeds | **{_mean_std(accs)}** | {_mean_std([100 - a for a in accs])} | "
            f"{np.mean(ranks):,.0f} | {np.mean(params):.2f} | |"
        )
    if space == "s5":
        for (n, v), (avg, best) in PAPER_TABLE3.items():
            lines.append(
                f"| paper, Table 3 (N={n}, V={v}; trained test error, best {best}) | 4 seeds | | {avg} | | | |"
            )
    return "\n".join(lines)


def spaces_table(rows: list[dict], registry) -> str:
    parts = []
    for space in ("s1", "s2", "s3", "s4"):
        if any(r["space"] == space and r["scorer"] == "zc-pt" for r in rows):
            parts.append(f"**{space}**\n\n" + darts_table(rows, registry, space, f"nb301-{space}"))
    return "\n\n".join(parts) or "(no S1-S4 runs in the store)"


def macro_table(rows: list[dict], registry) -> str:
    _codes, acc = registry.get("benchmark", "macro").table("cifar10")
    lines = [
        "| semantics (N, V, order, batch) | seed | arch | test acc % | rank / 6,561 | search min |",
        "|---" * 6 + "|",
    ]
    for key, trials in _groups(rows, "macro").items():
        if len(key) == 6:
            continue  # the Macro table is run at the protocol's V only
        label = f"{key[0]} (N={key[1]}, V={key[2]}, {key[3]}, batch {key[4]})"
        for row, arch, _ in trials:
            lines.append(
                f"| {label} | {row['seed']} | {arch} | {row['test_accuracy']:.2f} | {int(row['rank']):,} | "
                f"{row['search_seconds'] / 60:.1f} |"
            )
        accs = [row["test_accuracy"] for row, _a, _p in trials]
        ranks = [row["rank"] for row, _a, _p in trials]
        lines.append(f"| **{label}** | {len(trials)} seeds | | **{_mean_std(accs)}** | {np.mean(ranks):,.0f} | |")
    best = [int(i) for i in np.flatnonzero(acc == acc.max())]
    keys = ", ".join(_macro_key(registry, i) for i in best)
    lines.append(f"| NAS-Bench-Macro table: best arch (tied) | | {keys} | {acc[best[0]]:.2f} | 1 | |")
    lines.append(f"| NAS-Bench-Macro table: average of all archs | | | {np.mean(acc):.2f} | | |")
    return "\n".join(lines)


def _macro_key(registry, index: int) -> str:
    codes, _acc = registry.get("benchmark", "macro").table("cifar10")
    return "".join(str(int(c)) for c in codes[index])
