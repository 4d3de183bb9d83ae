"""The evolutionary variant's memory: one compact model plus one expanded edge, whatever |O| is."""

from __future__ import annotations

import pytest
import torch

from nasbench.api import make_registry
from nasbench.testing import random_images
from nasbench_plugins.pertnas.memory import peak_memory, study_ctx
from nasbench_plugins.pertnas.models import build_model

pytestmark = pytest.mark.usefixtures("single_thread")
SETTINGS = {"darts_channels": 4, "darts_cells": 3, "train_batch_size": 16, "pertnas_eval_batches": 1}


def _params(net) -> int:
    return sum(p.numel() for p in net.parameters())


def test_an_expanded_model_holds_all_ops_on_one_edge_only():
    registry = make_registry()
    images = random_images(n=16, size=8)
    sizes = {}
    for n in (5, 8):
        ctx = study_ctx(registry, n, images, SETTINGS, torch.device("cpu"))
        compact = {e: ("sep_conv_3x3",) for e in ctx.space.edges}  # the same discrete model in both spaces
        edge = ctx.space.edges[0]
        expanded = build_model(ctx, {**compact, edge: ctx.space.candidate_ops(edge)}, 30)
        supernet = build_model(ctx, {}, 30)
        sizes[n] = (_params(build_model(ctx, compact, 30)), _params(expanded), _params(supernet))
        counts = [len(ops) for ops in expanded.edge_ops]
        assert counts[0] == n and set(counts[1:]) == {1}
    assert sizes[5][0] == sizes[8][0]  # the compact model does not depend on |O|
    # one expanded edge adds less than 10 % to the compact model; the supernet grows by far more
    assert sizes[8][1] - sizes[5][1] < 0.1 * sizes[5][0]
    assert sizes[8][2] - sizes[5][2] > 5 * (sizes[8][1] - sizes[5][1])


@pytest.mark.slow
def test_measured_evolutionary_peak_memory_does_not_grow_with_the_op_set_like_the_supernets():
    registry = make_registry()
    images = random_images(n=64, size=32)
    cpu = torch.device("cpu")
    peak_memory(registry, 5, "supernet", images, SETTINGS, cpu, 1, 1)  # warm-up
    peak = {
        (n, v): peak_memory(registry, n, v, images, SETTINGS, cpu, 1, 1)["median_bytes"]
        for n in (5, 8)
        for v in ("supernet", "evolutionary")
    }
    supernet_growth = peak[8, "supernet"] - peak[5, "supernet"]
    assert supernet_growth > 0
    assert peak[8, "evolutionary"] - peak[5, "evolutionary"] < 0.5 * supernet_growth
    assert peak[8, "evolutionary"] < 0.6 * peak[8, "supernet"]
