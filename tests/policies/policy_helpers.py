"""Tiny real contexts for policy tests: the toy space / tiny NB201, random images, CPU."""

from __future__ import annotations

import itertools

import numpy as np
import torch

from nasbench.components import Arch
from nasbench.context import SearchContext
from nasbench.hostsettings import HOST
from nasbench.metrics import rank_of
from nasbench.settings import resolve_settings
from nasbench.testing import ToyBenchmark, ToySpace, random_images
from nasbench_plugins.nb201.ops import OPS
from nasbench_plugins.nb201.space import NB201Space


class TinyNB201Table:
    """A tabular benchmark over all 15,625 NB201 archs with seeded random accuracies."""

    name = "tiny-nb201"
    space = "nb201"
    datasets = ("cifar10",)
    oracle_dataset = {"cifar10": "cifar10"}
    settings: dict = {}

    def __init__(self, seed: int = 0) -> None:
        self.codes = np.array(list(itertools.product(range(len(OPS)), repeat=6)), dtype=np.int8)
        self.acc = np.random.default_rng(seed).uniform(10, 94, len(self.codes))

    def _i(self, arch: Arch) -> int:
        return int(np.dot([OPS.index(o) for o in arch.ops], [5**k for k in range(5, -1, -1)]))

    def accuracy(self, arch: Arch, dataset: str) -> float:
        return float(self.acc[self._i(arch)])

    def rank(self, arch: Arch, dataset: str) -> tuple[int, int]:
        return rank_of(self.acc[self._i(arch)], self.acc), len(self.acc)

    def table(self, dataset: str):
        return self.codes, self.acc


def make_ctx(scorer, *, strategy=None, proxy=None, settings=None, space="toy", seed=0, images=32, size=8):
    """A SearchContext with every declared default filled in, like the runner builds one."""
    if space == "toy":
        space_c, bench = ToySpace(), ToyBenchmark()
        dataset = "toy"
    else:
        space_c, bench = NB201Space(channels=4, cells_per_stage=1), TinyNB201Table()
        dataset = "cifar10"
    comps = [c for c in (HOST, space_c, bench, scorer, strategy, proxy) if c is not None]
    resolved = resolve_settings(comps, dict(settings or {}))
    imgs = random_images(n=images, size=size, seed=seed)
    return SearchContext(
        space=space_c,
        benchmark=bench,
        dataset=dataset,
        scorer=scorer,
        proxy=proxy,
        settings=resolved,
        seed=seed,
        device=torch.device("cpu"),
        images_loader=lambda: imgs,
    )


TINY_TRAIN = {"train_epochs": 1, "train_batch_size": 8, "train_steps": 2, "eval_batches": 1}
