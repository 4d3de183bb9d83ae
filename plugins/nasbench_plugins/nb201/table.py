"""Reads the NAS-Bench-201 tables (see ../shared/data/MANIFEST.md) into arrays, once per file.

Row i of every table is NB201 index i (the official NAS-Bench-201 / NATS-Bench topology index);
the arch-string column is checked against the pattern and, across files, against each other.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from nasbench.api import DataError
from nasbench_plugins.nb201.ops import OPS

ARCH_RE = re.compile(
    r"^\|(?P<e0>[a-z0-9_]+)~0\|\+\|(?P<e1>[a-z0-9_]+)~0\|(?P<e2>[a-z0-9_]+)~1\|\+"
    r"\|(?P<e3>[a-z0-9_]+)~0\|(?P<e4>[a-z0-9_]+)~1\|(?P<e5>[a-z0-9_]+)~2\|$"
)
NUM_ARCHS = 15_625

TEST_COLUMNS = {
    "cifar10": "CIFAR10TestAccuracy200Epochs",
    "cifar100": "CIFAR100TestAccuracy200Epochs",
    "ImageNet16-120": "ImageNetTestAccuracy200Epochs",
}


def codes_of(arch_string: str) -> tuple[int, ...] | None:
    m = ARCH_RE.match(arch_string)
    if m is None:
        return None
    try:
        return tuple(OPS.index(m.group(f"e{i}")) for i in range(6))
    except ValueError:
        return None


@dataclass(frozen=True)
class NB201Table:
    arch_strings: tuple[str, ...]
    codes: np.ndarray  # int8 [15625, 6], op index per edge
    accuracy: dict[str, np.ndarray]  # dataset -> float64 [15625], percent


def _read_rows(path: Path, required: list[str]) -> list[dict[str, str]]:
    try:
        with open(path, newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise DataError(f"{path} is not an NB201 table: column {missing[0]!r} missing")
            rows = list(reader)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"{path} is not a readable CSV table ({exc})") from exc
    if len(rows) != NUM_ARCHS:
        raise DataError(f"{path} has {len(rows)} rows, expected {NUM_ARCHS} (one per NB201 arch)")
    return rows


def _floats(path: Path, rows: list[dict[str, str]], column: str) -> np.ndarray:
    try:
        return np.array([float(r[column]) for r in rows], dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{path}: column {column!r} holds a non-number ({exc})") from exc


@lru_cache(maxsize=4)
def load_test_table(path: Path) -> NB201Table:
    """The seed-averaged 200-epoch test accuracies (cifar10, cifar100, ImageNet16-120)."""
    rows = _read_rows(path, [*TEST_COLUMNS.values(), "ArchitectureString"])
    strings = tuple(r["ArchitectureString"] for r in rows)
    codes = [codes_of(s) for s in strings]
    bad = next((s for s, c in zip(strings, codes) if c is None), None)
    if bad is not None:
        raise DataError(f"{path}: malformed NB201 arch string {bad!r}")
    code_array = np.array(codes, dtype=np.int8)
    if len({tuple(c) for c in codes}) != NUM_ARCHS:
        raise DataError(f"{path}: arch strings are not the 15,625 distinct NB201 archs")
    accuracy = {d: _floats(path, rows, col) for d, col in TEST_COLUMNS.items()}
    return NB201Table(strings, code_array, accuracy)


@lru_cache(maxsize=4)
def load_valid_accuracy(path: Path, arch_strings: tuple[str, ...]) -> np.ndarray:
    """cifar10-valid validation accuracy (3-seed mean), aligned to ``arch_strings`` row by row."""
    rows = _read_rows(path, ["arch_str", "valid-accuracy"])
    if tuple(r["arch_str"] for r in rows) != arch_strings:
        raise DataError(f"{path}: arch strings do not match the NB201 test table row by row")
    return _floats(path, rows, "valid-accuracy")
