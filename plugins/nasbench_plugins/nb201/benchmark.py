"""NAS-Bench-201 tabular benchmark: 200-epoch accuracies of all 15,625 archs.

Datasets: ``cifar10``, ``cifar100``, ``ImageNet16-120`` (test accuracy, seed-averaged,
NATS-Bench ``hp=200``) and ``cifar10-valid`` (validation accuracy of the cifar10-valid split,
3-seed mean). Oracle policies on ``cifar10`` optimise ``cifar10-valid`` validation accuracy, as
in Zero-Cost-PT Eq. 1-2 (V* = validation accuracy); the other datasets have no validation
table here, so their oracles use test accuracy.

After ``nasbench data import nb201 FILE`` / ``nats FILE`` (see ``nb201_full`` and docs/data.md) the
benchmark also answers per-seed, per-epoch queries (``accuracy_at``, ``curve``, ``train_time``,
``seeds``) and offers the datasets ``cifar100-valid`` and ``ImageNet16-120-valid`` (200-epoch
validation accuracy, seed mean). The four datasets above keep their tables either way.
"""

from __future__ import annotations

import numpy as np

from nasbench import api
from nasbench.api import Arch, BadInput, DataError, hookimpl, rank_of
from nasbench_plugins.nb201 import full as nb201_full
from nasbench_plugins.nb201.data_files import NB201_CIFAR10_VALID_AVG, NB201_TEST_ACC
from nasbench_plugins.nb201.ops import OPS
from nasbench_plugins.nb201.table import load_test_table, load_valid_accuracy


class NB201Benchmark:
    """NAS-Bench-201 table (NATS-Bench tss values, 200 epochs, seed-averaged)."""

    name = "nb201"
    space = "nb201"
    base_datasets = ("cifar10", "cifar100", "ImageNet16-120", "cifar10-valid")
    #: datasets that exist only with imported curves: validation accuracy of the named dataset
    valid_variants = {"cifar100-valid": "cifar100", "ImageNet16-120-valid": "ImageNet16-120"}
    oracle_dataset = {
        "cifar10": "cifar10-valid",
        "cifar10-valid": "cifar10-valid",
        "cifar100": "cifar100",
        "ImageNet16-120": "ImageNet16-120",
    }
    settings: dict = {}

    def __init__(self, data_dir: str | None = None) -> None:
        self.data_dir = data_dir
        self._index: dict[tuple[int, ...], int] | None = None

    @property
    def datasets(self) -> tuple[str, ...]:
        """The table datasets, plus ``*-valid`` variants once training curves were imported."""
        if nb201_full.load() is None:
            return self.base_datasets
        return self.base_datasets + tuple(self.valid_variants)

    def _table(self):
        return load_test_table(api.resolve_data(NB201_TEST_ACC, self.data_dir))

    def full(self) -> nb201_full.NB201Full | None:
        """The imported per-seed, per-epoch curves, or ``None`` when none were imported."""
        curves = nb201_full.load()
        if curves is not None and curves.arch_strings != self._table().arch_strings:
            raise DataError(f"{curves.path} does not follow the NB201 table's arch order: import the file again")
        return curves

    def _curves(self) -> nb201_full.NB201Full:
        curves = self.full()
        if curves is None:
            raise DataError(nb201_full.no_import_message())
        return curves

    def curve(self, arch: Arch, dataset: str, split: str = "test", seed: int | None = None) -> np.ndarray:
        """Accuracy (%) of ``arch`` after each epoch (entry e = after e + 1 epochs) on ``split``.

        ``split``: train, valid or test (cifar10 has no valid split: use cifar10-valid); ``seed``:
        an official seed (see ``seeds``), or ``None`` for the mean over the arch's seeds. NaN marks
        an epoch the official file did not evaluate. Needs imported curves.
        """
        if split not in nb201_full.SPLITS:
            raise BadInput(f"unknown split {split!r}; choose one of: {', '.join(nb201_full.SPLITS)}")
        return self._curves().values(dataset, f"{split}_acc", seed)[self.index(arch)]

    def accuracy_at(
        self, arch: Arch, dataset: str, epochs: int | None = None, seed: int | None = None, split: str = "test"
    ) -> float:
        """Accuracy (%) after ``epochs`` epochs (default: all) of the 200-epoch schedule; see ``curve``."""
        curve = self.curve(arch, dataset, split, seed)
        return float(curve[self._epoch_column(epochs, len(curve))])

    def train_time(self, arch: Arch, dataset: str, epochs: int | None = None, seed: int | None = None) -> float:
        """Seconds spent training ``arch`` for the first ``epochs`` epochs (default: all), official timings."""
        per_epoch = self._curves().values(dataset, "train_time", seed)[self.index(arch)]
        return float(per_epoch[: self._epoch_column(epochs, len(per_epoch)) + 1].sum())

    def seeds(self, arch: Arch, dataset: str) -> list[int]:
        """Official seeds ``arch`` was trained with on ``dataset``."""
        curves = self._curves()
        final = curves.array(dataset, "test_acc")[self.index(arch), :, -1]
        return [s for s, v in zip(curves.seeds(dataset), final) if not np.isnan(v)]

    @staticmethod
    def _epoch_column(epochs: int | None, total: int) -> int:
        if epochs is None:
            return total - 1
        if not 1 <= epochs <= total:
            raise BadInput(f"epochs={epochs} is out of range: 1..{total}")
        return epochs - 1

    def accuracies(self, dataset: str) -> np.ndarray:
        """Accuracy (%) of every arch on ``dataset``, indexed by NB201 index."""
        if dataset in self.valid_variants:
            return self._curves().values(self.valid_variants[dataset], "valid_acc", None)[:, -1]
        table = self._table()
        if dataset == "cifar10-valid":
            return load_valid_accuracy(api.resolve_data(NB201_CIFAR10_VALID_AVG, self.data_dir), table.arch_strings)
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
