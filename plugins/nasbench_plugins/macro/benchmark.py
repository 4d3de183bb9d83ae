"""NAS-Bench-Macro table: CIFAR-10 test accuracy (mean of 3 trainings) of all 6,561 archs.

The table has no validation split, so the oracle policies use the same test accuracy.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from nasbench import api
from nasbench.api import Arch, BadInput, DataError, hookimpl, rank_of
from nasbench_plugins.macro.data_files import NAS_BENCH_MACRO_CIFAR10
from nasbench_plugins.macro.network import MACRO_OPS
from nasbench_plugins.macro.space import ARCH_RE

NUM_ARCHS = 3**8


@lru_cache(maxsize=4)
def load_table(path: Path) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """(keys sorted, op-index codes [6561, 8], mean_acc [6561]) from the official JSON."""
    try:
        raw = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{path} is not the NAS-Bench-Macro JSON ({exc})") from exc
    if not isinstance(raw, dict) or len(raw) != NUM_ARCHS or not all(ARCH_RE.match(k) for k in raw):
        raise DataError(f"{path}: expected {NUM_ARCHS} keys of 8 digits 0-2 (NAS-Bench-Macro)")
    keys = tuple(sorted(raw))
    try:
        acc = np.array([float(raw[k]["mean_acc"]) for k in keys], dtype=np.float64)
    except (KeyError, TypeError, ValueError) as exc:
        raise DataError(f"{path}: an entry lacks a numeric mean_acc ({exc})") from exc
    codes = np.array([[int(c) for c in k] for k in keys], dtype=np.int8)
    return keys, codes, acc


class MacroBenchmark:
    """NAS-Bench-Macro table (CIFAR-10 test accuracy, mean of 3 runs, all 6,561 archs)."""

    name = "macro"
    space = "macro"
    datasets = ("cifar10",)
    oracle_dataset = {"cifar10": "cifar10"}
    settings: dict = {}

    def __init__(self, data_dir: str | None = None) -> None:
        self.data_dir = data_dir

    def _table(self) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
        return load_table(api.resolve_data(NAS_BENCH_MACRO_CIFAR10, self.data_dir))

    def _check(self, dataset: str) -> None:
        if dataset not in self.datasets:
            raise BadInput(f"unknown dataset {dataset!r} for macro; choose one of: {', '.join(self.datasets)}")

    def index(self, arch: Arch) -> int:
        try:
            key = "".join(str(MACRO_OPS.index(op)) for op in arch.ops)
        except ValueError as exc:
            raise BadInput(f"{arch.ops} is not a NAS-Bench-Macro arch") from exc
        keys = self._table()[0]
        i = int(np.searchsorted(keys, key))
        if i >= len(keys) or keys[i] != key:
            raise BadInput(f"{key!r} is not a NAS-Bench-Macro arch")
        return i

    def accuracy(self, arch: Arch, dataset: str) -> float:
        self._check(dataset)
        return float(self._table()[2][self.index(arch)])

    def rank(self, arch: Arch, dataset: str) -> tuple[int, int]:
        self._check(dataset)
        acc = self._table()[2]
        return rank_of(acc[self.index(arch)], acc), len(acc)

    def table(self, dataset: str) -> tuple[np.ndarray, np.ndarray]:
        self._check(dataset)
        _keys, codes, acc = self._table()
        return codes, acc


@hookimpl
def nasbench_register_benchmarks(register) -> None:
    register(MacroBenchmark())
