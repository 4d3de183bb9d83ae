"""Tiny real PertNAS contexts: a DARTS cell space at C=4, 3 cells, random 8x8 images, CPU."""

from __future__ import annotations

import torch

from nasbench.context import SearchContext
from nasbench.registry import make_registry
from nasbench.settings import resolve_settings
from nasbench.testing import NoTableBenchmark, random_images
from nasbench_plugins.baselines.no_scorer import NoScorer
from nasbench_plugins.pertnas.strategy import PertNASSearch

#: the sizes every PertNAS test uses (also the CLI's `TINY` below)
TINY = {
    "darts_channels": 4,
    "darts_cells": 3,
    "darts_eval_channels": 4,
    "darts_eval_cells": 3,
    "train_epochs": 1,
    "train_steps": 2,
    "train_batch_size": 8,
    "pertnas_eval_batches": 1,
    "pertnas_finetune_steps": 1,
    "pertnas_model_steps": 2,
    "pertnas_expand_steps": 1,
    "pertnas_retrain_steps": 1,
    "pertnas_population": 1,
}


def make_ctx(space: str = "o1", seed: int = 0, images: int = 48, **settings) -> SearchContext:
    """A context for ``pertnas`` on a registered cell space, every default filled in, as the runner does."""
    space_c = make_registry().get("space", space)
    strategy = PertNASSearch()
    resolved = resolve_settings([space_c, strategy], {**TINY, **settings})
    imgs = random_images(n=images, size=8, seed=seed)
    return SearchContext(
        space=space_c.with_settings(resolved),
        benchmark=NoTableBenchmark(space),
        dataset="cifar10",
        scorer=NoScorer(),
        proxy=None,
        settings=resolved,
        seed=seed,
        device=torch.device("cpu"),
        images_loader=lambda: imgs,
    )
