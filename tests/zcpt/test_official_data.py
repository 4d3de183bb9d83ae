"""Minibatches drawn as the official Zero-Cost-PT code draws them (augmentation, mean/std)."""

from __future__ import annotations

import numpy as np
import torch

from nasbench.images import ImageSet
from nasbench.torchutil import torch_generator
from nasbench_plugins.zero_cost_pt.official_data import CIFAR_MEAN, CIFAR_STD, OfficialBatches, crop_flip, normalise


def _raw(n: int = 12) -> np.ndarray:
    return np.random.default_rng(0).integers(1, 256, size=(n, 3, 32, 32), dtype=np.uint8)


def test_normalise_is_to_tensor_then_normalize():
    raw = _raw(2)
    expected = (torch.from_numpy(raw).float() / 255 - torch.tensor(CIFAR_MEAN).view(1, 3, 1, 1)) / torch.tensor(
        CIFAR_STD
    ).view(1, 3, 1, 1)
    assert torch.equal(normalise(raw), expected)


def test_crop_flip_keeps_the_size_and_pads_with_black():
    raw = _raw(64)  # pixels 1..255: a 0 can only come from the padding
    out = crop_flip(raw, torch_generator(0))
    assert out.shape == raw.shape
    assert (out == 0).any(), "some of 64 random crops must reach into the 4-pixel zero padding"
    shifted = [not np.array_equal(o, r) for o, r in zip(out, raw)]
    assert any(shifted)


def test_a_crop_at_offset_4_without_flip_is_the_image_itself():
    raw = _raw(200)
    out = crop_flip(raw, torch_generator(3))
    gen = torch_generator(3)  # the same draws, in crop_flip's order: offsets, then flips
    offsets = torch.randint(0, 9, (200, 2), generator=gen).numpy()
    flips = torch.rand(200, generator=gen).numpy() < 0.5
    centred = [i for i in range(200) if tuple(offsets[i]) == (4, 4) and not flips[i]]
    assert centred, "200 draws include a centred, unflipped crop"
    assert all(np.array_equal(out[i], raw[i]) for i in centred)
    flipped = [i for i in range(200) if tuple(offsets[i]) == (4, 4) and flips[i]]
    assert all(np.array_equal(out[i], raw[i][:, :, ::-1]) for i in flipped)


def test_batches_hold_distinct_images_and_their_labels():
    raw = _raw(40)
    labels = np.arange(40) % 10
    images = ImageSet.from_uint8("cifar10", raw, labels, 10, "test")
    x, y = OfficialBatches(images, 16, torch_generator(0), augment=False).next()
    assert x.shape == (16, 3, 32, 32)
    rows = {tuple(normalise(raw[i : i + 1]).flatten()[:8].tolist()): labels[i] for i in range(40)}
    keys = [tuple(img.flatten()[:8].tolist()) for img in x]
    assert len(set(keys)) == 16 and [rows[k] for k in keys] == y.tolist()
