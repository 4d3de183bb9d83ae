"""PertNAS Fig. 5: stage-1 peak memory, evolutionary / supernet, per |O| (darts-ops4..8).

Each case measures (``nasbench.measure``: CPU peak-RSS increase, CUDA max allocated) the
memory-bound part of stage 1 for both variants on ``darts-ops{n}`` (``pertnas.memory``: build,
2 weight steps, value one edge; the evolutionary variant expands one edge of a random discrete
model) at C=4, 3 cells, batch 16, 32x32 random images, after one unmeasured warm-up, and records
``extra_info.ratio`` = evolutionary / supernet (paper: about 0.2 at |O| = 8). The timed part is
one evolutionary workload. ``nasbench pertnas fig5`` is the larger study (C=8, 5 cells, batch 32).
The only assertion: the ratio falls as |O| grows (the supernet grows with |O|, the compact model
does not), checked on the |O| = 8 case against |O| = 4.
"""

from __future__ import annotations

import pytest
import torch

from nasbench.images import ImageSet
from nasbench.registry import make_registry
from nasbench.torchutil import torch_generator
from nasbench_plugins.pertnas.memory import peak_memory, stage1_workload, study_ctx

SETTINGS = {"darts_channels": 4, "darts_cells": 3, "train_batch_size": 16, "pertnas_eval_batches": 1}
_RATIOS: dict[int, float] = {}


@pytest.fixture(scope="module")
def setup():
    gen = torch_generator(0)
    images = ImageSet(
        "random", torch.randn(64, 3, 32, 32, generator=gen), torch.randint(0, 10, (64,), generator=gen), 10, "random"
    )
    registry = make_registry()
    peak_memory(registry, 4, "supernet", images, SETTINGS, torch.device("cpu"), 2, 1)  # warm-up
    return registry, images


@pytest.mark.parametrize("n", [4, 5, 6, 7, 8])
def test_pertnas_stage1_memory_ratio(benchmark, setup, n):
    registry, images = setup
    cpu = torch.device("cpu")
    sup = peak_memory(registry, n, "supernet", images, SETTINGS, cpu, 2, 1)["median_bytes"]
    evo = peak_memory(registry, n, "evolutionary", images, SETTINGS, cpu, 2, 1)["median_bytes"]
    _RATIOS[n] = evo / sup
    benchmark.extra_info.update(ops=n, supernet_bytes=sup, evolutionary_bytes=evo, ratio=evo / sup)
    ctx = study_ctx(registry, n, images, SETTINGS, cpu)
    benchmark.pedantic(lambda: stage1_workload(ctx, "evolutionary", 2), rounds=1, iterations=1)
    if n == 8 and 4 in _RATIOS:
        assert _RATIOS[8] < _RATIOS[4]
