"""The two image streams of TE-NAS, drawn from an explicit generator.

NTK batches (``prune_tenas.py:350`` -> ``get_nas_search_loaders``: a shuffled ``DataLoader`` of
the CIFAR training set with its training transform, ``get_dataset_with_transform.py:108``):
``get_ntk_n`` starts a new iteration for every call (``ntk.py:33``), so each NTK measurement gets
``batch`` distinct random images, each flipped horizontally with p = 1/2 and then cropped to
32x32 from the image padded by 4 zero pixels.

Region-count inputs (``Linear_Region_Collector``, ``linear_region_counter.py:186-206``): one
loader for the whole search, shuffled epochs of ``samples`` images (the last partial batch
dropped), each a random 3x3 crop of one random channel, normalised with that channel's mean
and std; every measurement takes the next 3 batches (``sample_batch=3``, ``prune_tenas.py:396``).

Normalisation is ToTensor + Normalize in float32 (x / 255 - mean) / std with the CIFAR-10
mean/std of ``get_dataset_with_transform.py:93-94`` (NAS-Bench-201's, ``nasbench.api``'s too).
``ntk_images`` / ``crop_images`` rebuild a batch from its recorded description (reference folders).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from nasbench_plugins.proxies.tenas import TENAS_MEAN, TENAS_STD, CropSampler, crop_rows

PAD = 4
CROP = 3


def _normalise(x: np.ndarray) -> torch.Tensor:
    t = torch.from_numpy(np.ascontiguousarray(x)).float().div(255)
    mean, std = torch.tensor(TENAS_MEAN), torch.tensor(TENAS_STD)
    return t.sub(mean[:, None, None]).div(std[:, None, None])


@dataclass
class NTKDraw:
    """One NTK batch as drawn: image indices, flips, (top, left) crop offsets into the padded image."""

    index: np.ndarray
    flip: np.ndarray
    offset: np.ndarray


@dataclass
class CropDraw:
    """One region-count batch: image indices, (top, left) of each 3x3 crop, its channel."""

    index: np.ndarray
    pos: np.ndarray
    channel: np.ndarray


def ntk_images(raw: np.ndarray, draw: NTKDraw) -> torch.Tensor:
    """The float batch of ``draw``: flip first, then the padded crop (torchvision's order)."""
    x = raw[draw.index]
    x = np.where(draw.flip.astype(bool)[:, None, None, None], x[:, :, :, ::-1], x)
    padded = np.pad(x, ((0, 0), (0, 0), (PAD, PAD), (PAD, PAD)))
    h, w = x.shape[2:]
    crops = [p[:, int(t) : int(t) + h, int(s) : int(s) + w] for p, (t, s) in zip(padded, draw.offset)]
    return _normalise(np.stack(crops))


def crop_images(raw: np.ndarray, draw: CropDraw) -> torch.Tensor:
    """The float [n, 1, 3, 3] batch of ``draw`` (crops of the unpadded image)."""
    return crop_rows(raw, np.column_stack([draw.index, draw.pos, draw.channel]), pad=0, size=CROP)


class NTKBatches:
    """Each ``next()`` a fresh random augmented batch of ``batch`` distinct images."""

    def __init__(self, raw: np.ndarray, batch: int, generator: torch.Generator) -> None:
        self.raw, self.batch, self.generator = raw, batch, generator

    def next(self) -> torch.Tensor:
        n, _, h, w = self.raw.shape
        draw = NTKDraw(
            torch.randperm(n, generator=self.generator)[: self.batch].numpy(),
            (torch.rand(self.batch, generator=self.generator) < 0.5).numpy(),
            torch.randint(0, 2 * PAD + 1, (self.batch, 2), generator=self.generator).numpy(),
        )
        return ntk_images(self.raw, draw)


class CropStream:
    """The region counter's endless loader: shuffled epochs of ``samples`` 1-channel 3x3 crops of
    the unpadded images (``proxies.tenas.CropSampler`` draws them), one loader a search."""

    def __init__(self, raw: np.ndarray, samples: int, generator: torch.Generator) -> None:
        self.raw = raw
        self.sampler = CropSampler(raw.shape, samples, generator, pad=0, size=CROP)

    def next(self) -> torch.Tensor:
        return crop_rows(self.raw, self.sampler.rows(), pad=0, size=CROP)
