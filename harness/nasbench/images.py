"""Images for proxies and supernet training, read from the official CIFAR binary format.

A CIFAR-10 record is 1 label byte + 3,072 pixel bytes (1,024 R, 1,024 G, 1,024 B, each 32x32
row-major); CIFAR-100 records carry 2 label bytes (coarse, fine). Minibatches are drawn from an
explicit ``torch.Generator`` by reshuffling the set each epoch, so small subsets still yield as
many minibatches as a protocol asks for (the output says how many images there were).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from nasbench.errors import DataError

PIXELS = 3 * 32 * 32
#: per-channel mean/std on 0-1 pixels, as the NAS-Bench-201 training pipeline uses
CIFAR10_MEAN = (125.3 / 255, 123.0 / 255, 113.9 / 255)
CIFAR10_STD = (63.0 / 255, 62.1 / 255, 66.7 / 255)


def read_cifar_binary(path: Path, label_bytes: int = 1, label_index: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 [n, 3, 32, 32], labels int64 [n]) from one official binary batch file."""
    record = label_bytes + PIXELS
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size == 0 or raw.size % record:
        raise DataError(
            f"{path} is not a CIFAR binary batch: {raw.size} bytes is not a whole number of {record}-byte records"
        )
    rows = raw.reshape(-1, record)
    labels = rows[:, label_index].astype(np.int64)
    images = rows[:, label_bytes:].reshape(-1, 3, 32, 32)
    return images, labels


@dataclass
class ImageSet:
    """A labelled image set held in memory as normalised float tensors."""

    name: str
    images: torch.Tensor  # float32 [n, 3, 32, 32], normalised
    labels: torch.Tensor  # int64 [n]
    num_classes: int
    source: str
    #: the uint8 images [n, 3, 32, 32] the floats were made from, for plugins that normalise or
    #: augment as another code base does (``None`` when the set was built from floats)
    raw: np.ndarray | None = None

    @classmethod
    def from_uint8(
        cls,
        name: str,
        images: np.ndarray,
        labels: np.ndarray,
        num_classes: int,
        source: str,
        mean: tuple[float, ...] = CIFAR10_MEAN,
        std: tuple[float, ...] = CIFAR10_STD,
    ) -> ImageSet:
        x = torch.from_numpy(np.ascontiguousarray(images)).float().div_(255.0)
        x = (x - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)
        if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
            raise DataError(f"{source}: labels outside 0..{num_classes - 1}; not a {name} file?")
        return cls(name, x.contiguous(), torch.from_numpy(labels), num_classes, source, images)

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def minibatches(self, batch_size: int, generator: torch.Generator) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """Endless minibatches: a fresh permutation each epoch; a batch never repeats an image."""
        n = len(self)
        if batch_size > n:
            raise DataError(f"batch size {batch_size} is larger than the {n} images of {self.name} ({self.source})")
        while True:
            order = torch.randperm(n, generator=generator)
            for start in range(0, n - batch_size + 1, batch_size):
                idx = order[start : start + batch_size]
                yield self.images[idx], self.labels[idx]


def load_cifar10(split: str = "train", data_dir: str | None = None) -> ImageSet:
    """CIFAR-10 ``train`` (every ``data_batch_*.bin`` present) or ``test`` from the data dir."""
    from nasbench import data

    first = data.resolve("cifar10_train" if split == "train" else "cifar10_test", data_dir)
    files = sorted(first.parent.glob("data_batch_*.bin")) if split == "train" else [first]
    parts = [read_cifar_binary(f) for f in files]
    images = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    kind = "full set" if len(labels) in (50_000, 10_000) else "subset"
    source = f"CIFAR-10 {split}, {len(labels):,} images ({kind}) from {first.parent}"
    return ImageSet.from_uint8("cifar10", images, labels, 10, source)
