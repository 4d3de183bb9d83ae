"""Peak-memory measurement: every trial of a long-lived process sees its own peak."""

import sys

import pytest
import torch
from torch import nn

from nasbench.measure import measure


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="peak RSS via /proc is Linux-only")
def test_a_repeated_trial_reports_the_same_cpu_peak_as_the_first():
    """Without handing freed heap back to the OS, the second trial reused pages and reported ~0."""
    gen = torch.Generator().manual_seed(0)
    net = nn.Sequential(*[m for _ in range(6) for m in (nn.Conv2d(32, 32, 3, padding=1), nn.ReLU())])
    x = torch.randn(32, 32, 32, 32, generator=gen)
    peaks = []
    for _ in range(3):
        with measure(torch.device("cpu")) as m:
            net(x).sum().backward()
        peaks.append(m.peak_memory_bytes)
    assert peaks[0] > 8 * 2**20  # 6 layers x 2 saved activations of 4 MiB each
    assert min(peaks[1:]) > 0.5 * peaks[0]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="peak RSS via /proc is Linux-only")
def test_with_freed_memory_kept_a_repeated_trial_still_reports_its_peak():
    """``keep_freed_memory`` (what the runner sets: no page faults for fresh activations) keeps
    freed blocks in the process; measure trims them first, so every trial still sees its peak."""
    from nasbench.heap import keep_freed_memory

    keep_freed_memory()
    assert keep_freed_memory()  # once per process, then a no-op
    gen = torch.Generator().manual_seed(0)
    net = nn.Sequential(*[m for _ in range(6) for m in (nn.Conv2d(32, 32, 3, padding=1), nn.ReLU())])
    x = torch.randn(32, 32, 32, 32, generator=gen)
    peaks = []
    for _ in range(3):
        with measure(torch.device("cpu")) as m:
            net(x).sum().backward()
        peaks.append(m.peak_memory_bytes)
    assert peaks[0] > 8 * 2**20
    assert min(peaks[1:]) > 0.5 * peaks[0]
