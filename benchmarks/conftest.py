"""Benchmark setup: real data from NASBENCH_DATA (../shared/data by default), CPU unless asked."""

import os
from pathlib import Path

import pytest

_default = Path(__file__).resolve().parents[2] / "shared" / "data"
if not os.environ.get("NASBENCH_DATA") and _default.is_dir():
    os.environ["NASBENCH_DATA"] = str(_default)
os.environ["NASBENCH_OFFLINE"] = "1"


@pytest.fixture(scope="session")
def cifar_batch():
    """A fixed batch of 64 real CIFAR-10 images (the subset in the data dir)."""
    from benchutil import cifar_minibatch

    return cifar_minibatch(64)


@pytest.fixture
def record_peak_memory(benchmark):
    """Run a callable once under ``nasbench.measure`` and keep its peak memory in the benchmark
    JSON (``extra_info.peak_memory_bytes``: CPU peak-RSS increase, or CUDA max allocated), so
    ``benchmarks/compare.py`` checks memory against the baseline as well as time."""
    import torch

    from nasbench.measure import measure

    def run(fn, device: str = "cpu"):
        with measure(torch.device(device)) as m:
            fn()
        benchmark.extra_info["peak_memory_bytes"] = int(m.peak_memory_bytes)
        benchmark.extra_info["memory_device"] = m.memory_device
        return m.peak_memory_bytes

    return run
