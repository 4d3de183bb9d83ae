"""Throughput of ``nasbench correlate`` with 1 vs 2 workers (nwot, 12 NB201 archs, batch 16, CPU).

Each round starts from an empty score cache, so it measures scoring, not look-ups. With 2 workers
the pool pays process start-up (spawn + torch import) once per run; on tiny studies that can
exceed the gain, which is what this benchmark is there to show honestly.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nasbench import correlate
from nasbench.executors import make_executor
from nasbench.plugins import get_plugin_manager
from nasbench.registry import Registry
from nasbench.scorecache import ScoreCache

DATA = Path(os.environ.get("NASBENCH_DATA", ""))
pytestmark = pytest.mark.skipif(not (DATA / "nb201_test_acc.csv").is_file(), reason="needs NASBENCH_DATA")
SAMPLE = 12


@pytest.mark.parametrize("workers", [1, 2])
def test_correlate_throughput(benchmark, tmp_path, workers):
    registry = Registry(get_plugin_manager())
    study = correlate.plan(
        registry,
        space="nb201",
        proxies="nwot",
        dataset="cifar10",
        sample=str(SAMPLE),
        seed=0,
        batch_size=16,
        device="cpu",
        data_dir=str(DATA),
    )
    stores = iter(range(1000))

    def run() -> correlate.StudyResult:
        with ScoreCache(tmp_path / f"s{next(stores)}.sqlite") as cache:
            return correlate.run_study(study, cache, make_executor(None, workers))

    result = benchmark.pedantic(run, rounds=3, iterations=1)
    assert result.computed == SAMPLE and result.summaries[0]["n"] == SAMPLE
    if benchmark.stats is not None:  # None under --benchmark-disable (a smoke run)
        benchmark.extra_info["archs_per_second"] = SAMPLE / benchmark.stats.stats.median
