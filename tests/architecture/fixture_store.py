"""A small results store written through the Store API, no data files needed: runs of several
strategies/scorers/settings with ok and failed trials. test_same_results compares what the CLI
prints from it with the golden files written by the code before the house redesign (ab2aeb8)."""

from __future__ import annotations

from pathlib import Path

from nasbench.components import TrialResult
from nasbench.store import Store

RUNS = [
    (
        "nb201",
        "zc-pt",
        "nwot",
        "progressive",
        {
            "batch_size": 256,
            "edge_order": "random",
            "proposals": 10,
            "validation": 100,
            "zcpt_ablate": "",
            "zcpt_semantics": "official",
        },
    ),
    (
        "nb201",
        "zc-pt",
        "nwot",
        "progressive",
        {
            "batch_size": 64,
            "edge_order": "fixed",
            "proposals": 2,
            "validation": 4,
            "zcpt_ablate": "bn",
            "zcpt_semantics": "official",
        },
    ),
    ("nb201", "best-acc", "", "independent", {"batch_size": 256}),
    ("nb201", "zc-pt", "", "random", {}),
    ("darts", "darts-pt", "", "darts-pt", {"train_epochs": 2, "fix_alpha": False}),
    ("darts", "darts-pt", "", "darts-pt", {"train_epochs": 2, "fix_alpha": True}),
]


def _metrics(i: int, seed: int) -> dict:
    return {
        "arch": f"arch-{i}-{seed}",
        "test_accuracy": 94.0 - i * 0.5 - seed * 0.25,
        "test_error": 6.0 + i * 0.5 + seed * 0.25,
        "rank": 10 * (i + 1) + seed,
        "num_archs": 15625,
        "percentile": 0.1 * (i + 1),
        "edge_spearman_initial": 0.5 + 0.05 * i if i < 3 else None,
        "edge_spearman_initial_avg_acc": 0.4,
        "edge_spearman_progressive": 0.3 + 0.1 * seed if i < 2 else None,
        "edge_spearman_progressive_avg_acc": 0.2,
        "search_seconds": 12.5 * (i + 1) + seed,
        "peak_memory_bytes": (100 + 10 * i) * 2**20,
        "memory_device": "cpu",
        "forward_passes": 100 * i,
        "extra": {"info": {"note": i}},
    }


def write_fixture_store(path: Path) -> Path:
    with Store(path) as store:
        for i, (space, scorer, proxy, strategy, settings) in enumerate(RUNS):
            spec = {
                "space": space,
                "benchmark": "nb201" if space == "nb201" else "nb301",
                "dataset": "cifar10",
                "scorer": scorer,
                "proxy": proxy,
                "strategy": strategy,
                "device_type": "cpu",
                "settings": settings,
            }
            for seed in range(3):
                if i == 3 and seed == 2:
                    result = TrialResult(spec, seed, "failed", {"extra": {}}, failure="RuntimeError: boom")
                else:
                    result = TrialResult(spec, seed, "ok", _metrics(i, seed))
                store.write(f"run{i}", result, {"fixture": True})
    return path
