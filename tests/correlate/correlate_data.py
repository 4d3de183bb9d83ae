"""Writes tiny image files in the official formats for the correlate tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_cifar10(root: Path, n: int = 48, seed: int = 0) -> Path:
    """``n`` random records (1 label byte + 3,072 pixel bytes) as cifar-10-batches-bin/data_batch_1.bin."""
    rng = np.random.default_rng(seed)
    folder = root / "cifar-10-batches-bin"
    folder.mkdir(parents=True, exist_ok=True)
    records = np.concatenate([rng.integers(0, 10, (n, 1)), rng.integers(0, 256, (n, 3072))], axis=1)
    records.astype(np.uint8).tofile(folder / "data_batch_1.bin")
    return root
