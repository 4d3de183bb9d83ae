"""Minibatches as the official Zero-Cost-PT NB201 code draws them.

``nasbench201/networks_proposal.py:163-166`` builds a shuffled ``DataLoader`` with the training
transform of ``nasbench201/utils.py:118-136``: random crop 32 with 4 pixels of zero padding,
random horizontal flip, ``ToTensor`` (/255) and normalisation with CIFAR_MEAN / CIFAR_STD below.
``init_projection.py:337`` takes ``next(iter(proj_queue))`` for every edge decision: a fresh
shuffle each time, i.e. ``batch_size`` distinct random images. Validation
(``zerocostnas/post_validate.py:185-214``) passes over V batches per network, each network with
its own shuffle and augmentation.

The padding is done on the uint8 images (zeros = black, as torchvision pads a PIL image) before
normalising, so a padded pixel becomes (0 - mean) / std exactly as in the official pipeline.
"""

from __future__ import annotations

import numpy as np
import torch

from nasbench.api import DataError, ImageSet

#: ``nasbench201/utils.py:118-119``
CIFAR_MEAN = (0.49139968, 0.48215827, 0.44653124)
CIFAR_STD = (0.24703233, 0.24348505, 0.26158768)


def normalise(images: np.ndarray, mean=CIFAR_MEAN, std=CIFAR_STD) -> torch.Tensor:
    """uint8 [n, 3, H, W] -> float32 (x / 255 - mean) / std, as ``ToTensor`` + ``Normalize``."""
    x = torch.from_numpy(np.ascontiguousarray(images)).float().div_(255.0)
    return (x - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)


def crop_flip(images: np.ndarray, generator: torch.Generator, pad: int = 4) -> np.ndarray:
    """Per image: a random ``pad``-padded crop of the original size, then a flip with p = 1/2."""
    n, c, h, w = images.shape
    padded = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=images.dtype)
    padded[:, :, pad : pad + h, pad : pad + w] = images
    offsets = torch.randint(0, 2 * pad + 1, (n, 2), generator=generator).numpy()
    flips = torch.rand(n, generator=generator).numpy() < 0.5
    out = np.empty_like(images)
    for i, ((dy, dx), flip) in enumerate(zip(offsets, flips)):
        crop = padded[i, :, dy : dy + h, dx : dx + w]
        out[i] = crop[:, :, ::-1] if flip else crop
    return out


class OfficialBatches:
    """Endless official-style minibatches of an image set: each batch ``batch_size`` distinct random
    images (a fresh shuffle, as ``next(iter(loader))``), augmented unless ``augment`` is False."""

    def __init__(self, images: ImageSet, batch_size: int, generator: torch.Generator, augment: bool = True) -> None:
        if images.raw is None:
            raise DataError(f"{images.source}: the official Zero-Cost-PT batches need the uint8 images")
        if batch_size > len(images):
            raise DataError(f"batch size {batch_size} is larger than the {len(images)} images of {images.source}")
        self.images, self.batch_size, self.generator, self.augment = images, batch_size, generator, augment

    def next(self) -> tuple[torch.Tensor, torch.Tensor]:
        idx = torch.randperm(len(self.images), generator=self.generator)[: self.batch_size].numpy()
        raw = self.images.raw[idx]
        if self.augment:
            raw = crop_flip(raw, self.generator)
        return normalise(raw), self.images.labels[torch.from_numpy(idx)]


class PassBatches(OfficialBatches):
    """Consecutive minibatches of one shuffle, as iterating a shuffled ``DataLoader`` gives them
    (the DARTS code's ``for step, (input, target) in enumerate(proj_queue)`` per proposal,
    ``sota/cnn/init_projection.py:202``): distinct images until the set is used up, then a new
    shuffle. ``restart`` begins a new pass (a new iterator: a new shuffle)."""

    def __init__(self, images: ImageSet, batch_size: int, generator: torch.Generator, augment: bool = True) -> None:
        super().__init__(images, batch_size, generator, augment)
        self._order: np.ndarray | None = None
        self._at = 0

    def restart(self) -> None:
        self._order = None

    def next(self) -> tuple[torch.Tensor, torch.Tensor]:
        if self._order is None or self._at + self.batch_size > len(self._order):
            self._order, self._at = torch.randperm(len(self.images), generator=self.generator).numpy(), 0
        idx = self._order[self._at : self._at + self.batch_size]
        self._at += self.batch_size
        raw = self.images.raw[idx]
        if self.augment:
            raw = crop_flip(raw, self.generator)
        return normalise(raw), self.images.labels[torch.from_numpy(idx)]
