"""Tiny NAS-Bench-201 / NATS-Bench files in the official structure: all 15,625 archs, 2 epochs.

The structure follows nas_201_api / nats_bench (``ArchResults.state_dict`` holding
``ResultsCount.state_dict`` per (dataset, seed)): NB201 is one ``torch.save``d dict with
``meta_archs``, ``arch2infos`` (index -> {'less', 'full'}), ``evaluated_indexes``, ``total_archs``;
NATS-Bench topology is the same dict with hp keys '12' / '200', bz2-compressed pickle, or a
directory with ``meta.pickle.pbz2`` and one ``{index:06d}.pickle.pbz2`` per arch.
Every value is ``value(...)``, so tests can check exactly what the import stored.
"""

from __future__ import annotations

import bz2
import itertools
import pickle
from functools import cache
from pathlib import Path
from typing import Any

import torch

from nasbench_plugins.nb201.ops import OPS

N = 15_625
EPOCHS = 2
SEEDS = {"cifar10-valid": (777, 888), "cifar10": (777,), "cifar100": (777,), "ImageNet16-120": (777,)}
THIRD_SEED_ARCHS = range(5)  # these archs also have seed 999 on cifar10-valid
EVAL_SETS = {
    "cifar10-valid": ("x-valid", "ori-test"),
    "cifar10": ("ori-test",),
    "cifar100": ("ori-test", "x-valid", "x-test"),
    "ImageNet16-120": ("ori-test", "x-valid", "x-test"),
}
_DATASET = {"cifar10-valid": 0.0, "cifar10": 1.0, "cifar100": 2.0, "ImageNet16-120": 3.0}
_SET = {"train": 0.5, "x-valid": 0.25, "ori-test": 0.75, "x-test": 0.125}


SHARED = 89 * 7  # value() and train_time() depend on index % 89 and index % 7 only


def value(index: int, dataset: str, seed: int, name: str, epoch: int) -> float:
    """Accuracy (%) of a run: name is train, x-valid, ori-test or x-test; exact in float32."""
    return (index % 89) + _DATASET[dataset] + _SET[name] + 4.0 * epoch + (seed - 777) / 111 * 0.0625


def train_time(index: int, dataset: str, seed: int, epoch: int) -> float:
    return 1.0 + index % 7 + 0.5 * epoch + _DATASET[dataset] + (seed - 777) / 111 * 0.25


def generated_arch_strings() -> list[str]:
    """All NB201 archs in a fixed order (not the official one: use the table's when it is there)."""
    return ["|{}~0|+|{}~0|{}~1|+|{}~0|{}~1|{}~2|".format(*ops) for ops in itertools.product(OPS, repeat=6)]


@cache
def _run(index: int, dataset: str, seed: int, epochs: int) -> dict[str, Any]:
    """One run's ``ResultsCount.state_dict()``; values depend on index % 623 only, so runs are shared
    between archs (pickle stores a shared dict once: the 15,625-arch files stay small and fast)."""
    evals = {f"{n}@{e}": value(index, dataset, seed, n, e) for n in EVAL_SETS[dataset] for e in range(epochs)}
    return {
        "name": dataset, "net_state_dict": None,
        "train_acc1es": {e: value(index, dataset, seed, "train", e) for e in range(epochs)},
        "train_acc5es": {e: 99.0 for e in range(epochs)},
        "train_losses": {e: 1.0 for e in range(epochs)},
        "train_times": {e: train_time(index, dataset, seed, e) for e in range(epochs)},
        "arch_config": {"channel": 16, "num_cells": 5, "arch_str": f"arch with index % 623 = {index}", "class_num": 10},
        "params": 0.1, "flop": 10.0, "seed": seed, "epochs": epochs, "latency": [0.01],
        "eval_names": list(EVAL_SETS[dataset]), "eval_acc1es": evals,
        "eval_times": {k: 0.5 for k in evals}, "eval_losses": {k: 1.0 for k in evals},
    }  # fmt: skip


def arch_results(index: int, arch: str, epochs: int = EPOCHS) -> dict[str, Any]:
    """``ArchResults.state_dict()`` of one arch."""
    seeds = {
        d: list(s) + ([999] if d == "cifar10-valid" and index in THIRD_SEED_ARCHS else []) for d, s in SEEDS.items()
    }
    return {
        "arch_index": index, "arch_str": arch, "clear_net_done": True, "dataset_seed": seeds,
        "all_results": {(d, s): _run(index % SHARED, d, s, epochs) for d, ss in seeds.items() for s in ss},
    }  # fmt: skip


def _less(arch: str) -> dict[str, Any]:
    """A 12-epoch record that must not be imported (values that would fail the checks)."""
    return {"arch_index": -1, "arch_str": arch, "clear_net_done": True, "dataset_seed": {}, "all_results": {}}


def official_dict(archs: list[str], kind: str, records: dict[int, dict] | None = None) -> dict[str, Any]:
    hp_less, hp_full = ("less", "full") if kind == "nb201" else ("12", "200")
    records = records or {}
    infos = {i: {hp_less: _less(a), hp_full: records.get(i) or arch_results(i, a)} for i, a in enumerate(archs)}
    return {
        "meta_archs": list(archs),
        "arch2infos": infos,
        "evaluated_indexes": set(range(len(archs))),
        "total_archs": len(archs),
    }


def write_nb201(path: Path, obj: dict[str, Any]) -> Path:
    torch.save(obj, path)
    return path


def write_pbz2(path: Path, obj: Any) -> Path:
    path.write_bytes(bz2.compress(pickle.dumps(obj, protocol=4), compresslevel=1))
    return path


def write_nats_dir(root: Path, archs: list[str]) -> Path:
    """The ``NATS-tss-v1_0-3ffb9-simple`` layout: meta file plus one file per arch."""
    root.mkdir(parents=True)
    write_pbz2(root / "meta.pickle.pbz2", {"meta_archs": list(archs), "total_archs": len(archs)})
    for i, arch in enumerate(archs):
        write_pbz2(root / f"{i:06d}.pickle.pbz2", {"12": _less(arch), "200": arch_results(i, arch)})
    return root
