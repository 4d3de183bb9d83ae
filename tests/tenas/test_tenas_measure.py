"""TE-NAS' measurements and image streams as the official code has them."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from nasbench_plugins.tenas.data import CropDraw, CropStream, NTKDraw, crop_images, ntk_images
from nasbench_plugins.tenas.measure import NAN_KAPPA, count_regions, kappa, region_count
from nasbench_plugins.tenas.networks import masked, uniform_weights


def test_regions_count_distinct_sign_patterns_over_all_batches():
    net = nn.Sequential(nn.Conv2d(1, 2, 1), nn.ReLU())
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([[[[1.0]]], [[[-1.0]]]]))
        net[0].bias.zero_()
    # per 1x1 pixel: x > 0 -> (1, 0), x < 0 -> (0, 1), x = 0 -> (0, 0): 3 regions over two batches
    a = torch.tensor([1.0, 2.0, -1.0]).view(3, 1, 1, 1)
    b = torch.tensor([0.0, 5.0]).view(2, 1, 1, 1)
    assert region_count(net, [a, b]) == pytest.approx(3.0)


def test_identical_pattern_counts_are_float16_as_in_the_official_counter():
    # 3,001 samples of one pattern: float16 holds 3,000 or 3,002, not 3,001, so the count is not 1
    codes = torch.ones(3001, 4)
    assert count_regions(codes) == pytest.approx(3001 / float(np.float16(3001)))
    assert count_regions(codes) != 1.0


def test_grouping_identical_patterns_counts_what_the_official_code_product_counts():
    # calc_LR: two samples share a region when c_i (1 - c_j) + (1 - c_i) c_j is 0 on every unit
    g = torch.Generator().manual_seed(0)
    codes = (torch.rand(300, 40, generator=g) > 0.9).float()
    codes[100:150] = codes[7]
    differ = codes @ (1 - codes).T
    same = ((differ + differ.T) == 0).sum(dim=1)
    assert count_regions(codes) == float((1.0 / same.to(torch.float16).float()).sum())
    assert count_regions(torch.zeros(5, 0)) == pytest.approx(1.0)  # no unit: one region


def test_a_nan_condition_number_is_1e5_as_np_nan_to_num_makes_it():
    net = nn.Sequential(nn.Flatten(), nn.Linear(4, 3))
    assert kappa(net, torch.full((3, 1, 2, 2), math.nan)) == NAN_KAPPA


def test_ntk_images_flip_first_then_crop_the_padded_image():
    raw = np.arange(2 * 3 * 4 * 4, dtype=np.uint8).reshape(2, 3, 4, 4)
    draw = NTKDraw(np.array([1]), np.array([1]), np.array([[4, 5]]))  # flipped, then 1 column right
    x = ntk_images(raw, draw)
    flipped = raw[1, :, :, ::-1]
    expected = np.zeros((3, 4, 4), dtype=np.float32)
    expected[:, :, :3] = flipped[:, :, 1:]  # the last column comes from the zero padding
    mean, std = torch.tensor([125.3, 123.0, 113.9]) / 255, torch.tensor([63.0, 62.1, 66.7]) / 255
    want = (torch.from_numpy(expected).div(255) - mean[:, None, None]) / std[:, None, None]
    assert torch.allclose(x[0], want, rtol=0, atol=1e-6)


def test_crops_take_one_channel_normalised_with_its_own_mean_and_std():
    raw = np.full((1, 3, 8, 8), 200, dtype=np.uint8)
    x = crop_images(raw, CropDraw(np.array([0, 0]), np.array([[0, 0], [5, 5]]), np.array([0, 2])))
    assert x.shape == (2, 1, 3, 3)
    assert float(x[0, 0, 0, 0]) == pytest.approx((200 / 255 - 125.3 / 255) / (63.0 / 255), rel=1e-6)
    assert float(x[1, 0, 0, 0]) == pytest.approx((200 / 255 - 113.9 / 255) / (66.7 / 255), rel=1e-6)


def _image_of(value: float) -> int:
    """Which image (filled with 20 * index) a normalised crop value came from, whatever its channel."""
    means, stds = (125.3, 123.0, 113.9), (63.0, 62.1, 66.7)
    pixels = [(value * s / 255 + m / 255) * 255 for m, s in zip(means, stds)]
    return next(round(p) // 20 for p in pixels if abs(p - round(p)) < 1e-3 and round(p) % 20 == 0)


def test_the_crop_stream_runs_through_shuffled_epochs_and_drops_the_last_partial_batch():
    raw = (np.arange(10, dtype=np.uint8) * 20).repeat(3 * 8 * 8).reshape(10, 3, 8, 8)
    stream = CropStream(raw, 4, torch.Generator().manual_seed(0))
    batches = [[_image_of(float(v)) for v in stream.next()[:, 0, 0, 0]] for _ in range(4)]
    epoch1, epoch2 = batches[0] + batches[1], batches[2] + batches[3]
    assert len(set(epoch1)) == 8 and len(set(epoch2)) == 8  # 2 full batches per epoch of 10, no repeats


def test_uniform_weights_are_one_over_the_active_ops_and_masked_restores_the_net():
    mask = torch.tensor([[True, False, True, True], [False, True, False, False]])
    assert torch.equal(uniform_weights(mask), torch.tensor([[1 / 3, 0, 1 / 3, 1 / 3], [0, 1.0, 0, 0]]))
    net = nn.Linear(1, 1)
    net.op_mask, net.op_weights = torch.ones(2, 4, dtype=torch.bool), None
    with masked(net, mask, uniform=True):
        assert torch.equal(net.op_mask, mask) and net.op_weights is not None
    assert bool(net.op_mask.all()) and net.op_weights is None
