"""NAS-Bench-201 tabular benchmark: 200-epoch accuracies of all 15,625 archs.

Datasets: ``cifar10``, ``cifar100``, ``ImageNet16-120`` (test accuracy, seed-averaged,
NATS-Bench ``hp=200``) and ``cifar10-valid`` (validation accuracy of the cifar10-valid split,
3-seed mean). Oracle policies on ``cifar10`` optimise ``cifar10-valid`` validation accuracy, as
in Zero-Cost-PT Eq. 1-2 (V* = validation accuracy); the other datasets have no validation
table here, so their oracles use test accuracy.
"""

from __future__ import annotations

import numpy as np

from nasbench import data
from nasbench.components import Arch
from nasbench.errors import BadInput
from nasbench.hookspecs import hookimpl
from nasbench.metrics import rank_of
from nasbench_plugins.benchmarks.nb201_table import load_test_table, load_valid_accuracy
from nasbench_plugins.spaces.nb201_ops import OPS


class NB201Benchmark:
    """NAS-Bench-201 table (NATS-Bench tss values, 200 epochs, seed-averaged)."""

    name = "nb201"
    space = "nb201"
    datasets = ("cifar10", "cifar100", "ImageNet16-120", "cifar10-valid")
    oracle_dataset = {"cifar10": "cifar10-valid", "cifar10-valid": "cifar10-valid",
                      "cifar100": "cifar100", "ImageNet16-120": "ImageNet16-120"}
    settings: dict = {}

    def __init__(self, data_dir: str | None = None) -> None:
        self.data_dir = data_dir
        self._index: dict[tuple[int, ...], int] | None = None

    def _table(self):
        return load_test_table(data.resolve("nb201_test_acc", self.data_dir))

    def accuracies(self, dataset: str) -> np.ndarray:
        """Accuracy (%) of every arch on ``dataset``, indexed by NB201 index."""
        table = self._table()
        if dataset == "cifar10-valid":
            return load_valid_accuracy(data.resolve("nb201_cifar10_valid_avg", self.data_dir), table.arch_strings)
        if dataset not in table.accuracy:
            raise BadInput(f"unknown dataset {dataset!r}; choose one of: {', '.join(self.datasets)}")
        return table.accuracy[dataset]

    def index(self, arch: Arch) -> int:
        """The official NB201 index of ``arch``."""
        if self._index is None:
            self._index = {tuple(int(c) for c in row): i for i, row in enumerate(self._table().codes)}
        try:
            return self._index[tuple(OPS.index(o) for o in arch.ops)]
        except (ValueError, KeyError) as exc:
            raise BadInput(f"{arch.ops} is not an NB201 arch") from exc

    def arch_at(self, index: int) -> Arch:
        codes = self._table().codes[index]
        return Arch("nb201", tuple(OPS[int(c)] for c in codes))

    def accuracy(self, arch: Arch, dataset: str) -> float:
        return float(self.accuracies(dataset)[self.index(arch)])

    def rank(self, arch: Arch, dataset: str) -> tuple[int, int]:
        acc = self.accuracies(dataset)
        return rank_of(acc[self.index(arch)], acc), len(acc)

    def table(self, dataset: str) -> tuple[np.ndarray, np.ndarray]:
        return self._table().codes, self.accuracies(dataset)


@hookimpl
def nasbench_register_benchmarks(register) -> None:
    register(NB201Benchmark())
