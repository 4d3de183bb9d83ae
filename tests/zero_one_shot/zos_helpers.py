"""Tiny real contexts on the DARTS-cell spaces: C=4, 3 cells, random 8x8 images, CPU."""

from __future__ import annotations

import torch

from nasbench.context import SearchContext
from nasbench.settings import resolve_settings
from nasbench.testing import NoTableBenchmark, random_images
from nasbench_plugins.baselines.no_scorer import NoScorer
from nasbench_plugins.darts_space.reduced_spaces import SPECS
from nasbench_plugins.darts_space.space import make_space

SPACES = {s.name: s for s in SPECS}
TINY_NET = {"darts_channels": 4, "darts_cells": 3, "darts_eval_channels": 4, "darts_eval_cells": 3}
TINY_TRAIN = {"train_epochs": 1, "train_batch_size": 8, "train_steps": 2, "eval_batches": 1}
TINY_CLI = [f"--set={k}={v}" for k, v in {**TINY_NET, "batch_size": 8}.items()] + ["--device", "cpu"]


def darts_ctx(strategy, *, space="darts", settings=None, seed=0, images=32):
    """A SearchContext like the runner builds one, on a tiny cell space with random images."""
    space_c = make_space(SPACES[space])
    bench, scorer = NoTableBenchmark(space), NoScorer()
    given = {**TINY_NET, **({"batch_size": 8} if "batch_size" in strategy.settings else {}), **(settings or {})}
    resolved = resolve_settings([space_c, bench, scorer, strategy], given)
    imgs = random_images(n=images, size=8, seed=seed)
    return SearchContext(
        space=space_c.with_settings(resolved),
        benchmark=bench,
        dataset="cifar10",
        scorer=scorer,
        proxy=None,
        settings=resolved,
        seed=seed,
        device=torch.device("cpu"),
        images_loader=lambda: imgs,
    )
