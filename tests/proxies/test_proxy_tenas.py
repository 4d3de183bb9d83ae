"""TE-NAS parts: NTK condition number against hand-derived per-sample gradients; region counting."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from proxy_testnets import MLP, W1, W2, X, batch, gen, image_batch, tiny_nb201
from torch import nn

from nasbench_plugins.proxies import tenas
from nasbench_plugins.proxies.runtime import sharing_scope, untouched
from nasbench_plugins.proxies.tenas import Tenas, TenasNTK, linear_regions, random_crops


def _ntk_condition_by_hand() -> float:
    # d(sum_c z_ic)/dW2 = 1 a_i^T ; d(sum_c z_ic)/dW1 = (W2^T 1 * 1[h_i > 0]) x_i^T
    h = X @ W1.T
    a = np.maximum(h, 0)
    rows = []
    for i in range(len(X)):
        g1 = np.outer(W2.sum(0) * (h[i] > 0), X[i])
        g2 = np.outer(np.ones(3), a[i])
        rows.append(np.concatenate([g1.ravel(), g2.ravel()]))
    g = np.array(rows)
    v = np.linalg.eigvalsh(g @ g.T)
    return v[-1] / v[0]


def test_tenas_ntk_is_minus_condition_number():
    x, y = batch()
    assert TenasNTK().score(MLP(), x, y, gen()) == pytest.approx(-_ntk_condition_by_hand(), rel=1e-3)


def test_linear_regions_counts_distinct_relu_patterns():
    # units relu(x) and relu(x - 1): regions x<0, 0<x<1, x>1
    net = nn.Sequential(nn.Linear(1, 2), nn.ReLU())
    with torch.no_grad():
        net[0].weight.fill_(1.0)
        net[0].bias.copy_(torch.tensor([0.0, -1.0]))
    x = torch.tensor([[-2.0], [-1.0], [0.5], [0.7], [2.0], [3.0], [4.0]])
    assert linear_regions(net, x) == pytest.approx(3.0)


def test_random_crops_are_slices_of_the_images():
    images = torch.arange(2 * 3 * 6 * 6, dtype=torch.float32).reshape(2, 3, 6, 6)
    crops = random_crops(images, 20, 3, gen(1))
    assert crops.shape == (20, 3, 3, 3)
    for c in crops:
        hits = [
            (b, i, j)
            for b in range(2)
            for i in range(4)
            for j in range(4)
            if torch.equal(images[b, :, i : i + 3, j : j + 3], c)
        ]
        assert len(hits) == 1


def _conv_mlp() -> nn.Module:
    """The MLP as 1x1 convs on 4x4 images, so TE-NAS' 3x3 crops apply."""
    net = nn.Sequential(
        nn.Conv2d(5, 4, 1, bias=False), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3, bias=False)
    )
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor(W1, dtype=torch.float32)[:, :, None, None])
        net[4].weight.copy_(torch.tensor(W2, dtype=torch.float32))
    return net


def _image_batch() -> tuple[torch.Tensor, torch.Tensor]:
    x, y = batch()
    return x[:, :, None, None].expand(-1, -1, 4, 4).contiguous(), y  # constant 5x4x4 images


def test_tenas_combines_log_regions_and_log_condition():
    x, y = _image_batch()
    net = _conv_mlp()
    kappa = _ntk_condition_by_hand()  # constant images: same gradients as the MLP
    regions = linear_regions(net, random_crops(x, 1000, 3, gen(5)))
    assert Tenas().score(net, x, y, gen(5)) == pytest.approx(math.log(regions) - math.log(kappa), rel=1e-3)


def test_tenas_and_tenas_ntk_compute_the_ntk_once_in_a_sharing_scope(monkeypatch):
    x, y = _image_batch()
    alone = (TenasNTK().score(_conv_mlp(), x, y, gen(5)), Tenas().score(_conv_mlp(), x, y, gen(5)))
    computed = []
    original = tenas._ntk_condition
    monkeypatch.setattr(tenas, "_ntk_condition", lambda net, inputs: computed.append(1) or original(net, inputs))
    with sharing_scope():
        shared = (TenasNTK().score(_conv_mlp(), x, y, gen(5)), Tenas().score(_conv_mlp(), x, y, gen(5)))
    assert len(computed) == 1
    assert shared == alone


def test_a_different_network_does_not_reuse_the_ntk(monkeypatch):
    x, y = _image_batch()
    computed = []
    original = tenas._ntk_condition
    monkeypatch.setattr(tenas, "_ntk_condition", lambda net, inputs: computed.append(1) or original(net, inputs))
    other = _conv_mlp()
    with torch.no_grad():
        other[4].weight.mul_(2.0)
    with sharing_scope():
        TenasNTK().score(_conv_mlp(), x, y, gen(5))
        TenasNTK().score(other, x, y, gen(5))
    assert len(computed) == 2


def test_the_batched_ntk_has_the_loops_values_in_float64():
    # one vectorised backward of all one-hot cotangents instead of a backward per sample
    net = tiny_nb201()[0].double()
    x = image_batch(6)[0].double()
    with untouched(net):
        loop = tenas.ntk_grads(net, x, 1, mode="loop")
        batched = tenas.ntk_grads(net, x, 1, mode="batched")
    k_loop, k_batched = (torch.linalg.eigvalsh(g @ g.T) for g in (loop, batched))
    assert (batched - loop).abs().max() <= 1e-12 * loop.abs().max()
    assert float(k_batched[-1] / k_batched[0]) == pytest.approx(float(k_loop[-1] / k_loop[0]), rel=1e-6)
