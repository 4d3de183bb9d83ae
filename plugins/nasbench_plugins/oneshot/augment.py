"""Minibatches as the DARTS-PT / Zero-Cost-PT code draws them (``nasbench201/utils.py:118-136``,
``nasbench201/train_search.py:191-198`` of ruocwang/darts-pt @4ec3149).

A batch is described by data, ``BatchSpec`` (image indices, per-image crop offsets and flips), and
only then turned into tensors (``materialise``), so that a batch drawn at random here and a batch
recorded from the official code go through the same pipeline. The pipeline is torchvision's training
transform: ``RandomCrop(32, padding=4)`` (zero padding of the uint8 image), ``RandomHorizontalFlip``,
``ToTensor`` (/255) and ``Normalize`` with the code's CIFAR mean/std below. Sets built from floats
(no uint8 images, e.g. test images) are cropped and flipped as floats, padded with zeros; an
un-augmented batch is the set's own tensors (nasbench's normalisation, what nasbench-v1 uses).

Draws: ``iid`` is ``next(iter(loader))`` of a ``SubsetRandomSampler`` loader (the first batch of a
fresh shuffle: ``batch_size`` distinct images); ``epoch`` is one pass of such a loader (a shuffle cut
into batches, the last one partial, ``drop_last=False``); ``fixed`` is nasbench-v1's measurement
data (the first batches in set order, no augmentation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from nasbench.api import ImageSet

#: ``nasbench201/utils.py:118-119`` (also sota/cnn's pipeline)
CIFAR_MEAN = (0.49139968, 0.48215827, 0.44653124)
CIFAR_STD = (0.24703233, 0.24348505, 0.26158768)
PAD = 4


@dataclass(frozen=True)
class BatchSpec:
    """One minibatch: indices into an image set; crop offsets (dy, dx) in 0..8 and flips, or None."""

    indices: torch.Tensor  # int64 [n]
    offsets: torch.Tensor | None = None  # int64 [n, 2]
    flips: torch.Tensor | None = None  # bool [n]

    def __len__(self) -> int:
        return int(self.indices.shape[0])


def normalise(raw: np.ndarray, mean=CIFAR_MEAN, std=CIFAR_STD) -> torch.Tensor:
    """uint8 [n, 3, H, W] -> float32 (x / 255 - mean) / std, as ``ToTensor`` + ``Normalize``."""
    x = torch.from_numpy(np.ascontiguousarray(raw)).float().div_(255.0)
    return (x - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)


def crop_flip(images, offsets: torch.Tensor, flips: torch.Tensor):
    """Per image: the ``PAD``-zero-padded image cropped at (dy, dx) to its size, then flipped if asked.
    Works on uint8 arrays and float tensors alike."""
    n, c, h, w = images.shape
    is_np = isinstance(images, np.ndarray)
    padded = (np.zeros if is_np else torch.zeros)((n, c, h + 2 * PAD, w + 2 * PAD), dtype=images.dtype)
    padded[:, :, PAD : PAD + h, PAD : PAD + w] = images
    out = []
    for i in range(n):
        dy, dx = int(offsets[i, 0]), int(offsets[i, 1])
        crop = padded[i, :, dy : dy + h, dx : dx + w]
        if bool(flips[i]):
            crop = crop[:, :, ::-1] if is_np else crop.flip(-1)
        out.append(crop)
    return np.stack(out) if is_np else torch.stack(out)


def materialise(images: ImageSet, spec: BatchSpec) -> tuple[torch.Tensor, torch.Tensor]:
    """The (x, y) tensors of ``spec``. Augmented specs of a set with uint8 images go through the
    official pipeline (crop, flip, the code's mean/std); un-augmented specs are the set's own tensors
    (nasbench's normalisation), as nasbench-v1 trains and measures."""
    idx = spec.indices
    labels = images.labels[idx]
    if spec.offsets is None:
        return images.images[idx], labels
    if images.raw is not None:
        return normalise(crop_flip(images.raw[idx.numpy()], spec.offsets, spec.flips)), labels
    return crop_flip(images.images[idx], spec.offsets, spec.flips), labels


def _augmented(idx: torch.Tensor, augment: bool, generator: torch.Generator) -> BatchSpec:
    if not augment:
        return BatchSpec(idx)
    offsets = torch.randint(0, 2 * PAD + 1, (len(idx), 2), generator=generator)
    flips = torch.rand(len(idx), generator=generator) < 0.5
    return BatchSpec(idx, offsets, flips)


def iid(n: int, batch_size: int, generator: torch.Generator, augment: bool = True) -> BatchSpec:
    """``next(iter(loader))``: the first ``batch_size`` images of a fresh shuffle of ``n``."""
    return _augmented(torch.randperm(n, generator=generator)[: min(batch_size, n)], augment, generator)


def epoch(n: int, batch_size: int, generator: torch.Generator, augment: bool = True) -> list[BatchSpec]:
    """One pass of the loader: a shuffle of ``n`` in batches, the last one partial."""
    order = torch.randperm(n, generator=generator)
    return [_augmented(order[s : s + batch_size], augment, generator) for s in range(0, n, batch_size)]


def fixed(n: int, batch_size: int, batches: int) -> list[BatchSpec]:
    """nasbench-v1's measurement data: the first ``batches`` full batches in set order, as they are."""
    bs = min(batch_size, n)
    count = min(batches, n // bs)
    return [BatchSpec(torch.arange(b * bs, (b + 1) * bs)) for b in range(count)]
