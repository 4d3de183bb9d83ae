"""Tiny real TE-NAS contexts: NB201 or a DARTS-cell space, random uint8 images (8x8), CPU."""

from __future__ import annotations

import numpy as np
import torch

from nasbench.context import SearchContext
from nasbench.images import ImageSet
from nasbench.settings import resolve_settings
from nasbench.testing import NoTableBenchmark
from nasbench_plugins.baselines.no_scorer import NoScorer
from nasbench_plugins.darts_space.reduced_spaces import SPECS
from nasbench_plugins.darts_space.space import make_space
from nasbench_plugins.nb201.space import NB201Space
from nasbench_plugins.tenas.strategy import TenasSearch

#: the official protocol shrunk: NTK batch 2, 20 crops per region batch, 1 repeat
TINY = {"batch_size": 2, "tenas_lr_samples": 20, "tenas_repeats": 1}


def uint8_images(n: int = 64, size: int = 8, seed: int = 0) -> ImageSet:
    """Random images in the CIFAR form (uint8 kept beside the floats), as ``load_cifar10`` gives them."""
    rng = np.random.default_rng(seed)
    raw = rng.integers(0, 256, size=(n, 3, size, size), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n)
    return ImageSet.from_uint8("random", raw, labels, 10, f"{n} random uint8 {size}x{size} images")


def tenas_ctx(space: str = "nb201", settings: dict | None = None, seed: int = 0, images: int = 64) -> SearchContext:
    space_c = NB201Space(channels=4, cells_per_stage=1) if space == "nb201" else make_space(SPECS_BY_NAME[space])
    strategy, scorer, bench = TenasSearch(), NoScorer(), NoTableBenchmark(space)
    resolved = resolve_settings([space_c, bench, scorer, strategy], {**TINY, **(settings or {})})
    if space != "nb201":
        space_c = space_c.with_settings(resolved)
    imgs = uint8_images(images, seed=seed)
    return SearchContext(
        space=space_c,
        benchmark=bench,
        dataset="cifar10",
        scorer=scorer,
        proxy=None,
        settings=resolved,
        seed=seed,
        device=torch.device("cpu"),
        images_loader=lambda: imgs,
    )


SPECS_BY_NAME = {s.name: s for s in SPECS}
