"""Zen-NAS score against an independent re-computation with plain tensor ops (no nn modules)."""

from __future__ import annotations

import math

import pytest
import torch
from proxy_testnets import gen
from torch import nn

from nasbench.errors import BadInput
from nasbench_plugins.proxies.zen import Zen


def _net() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, 2, 1, bias=False),
        nn.BatchNorm2d(2),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(2, 3),
    )


def _by_hand(shape: tuple[int, ...], seed: int) -> float:
    g = gen(seed)
    w = torch.randn(2, 3, 1, 1, generator=g, dtype=torch.float32)  # conv: N(0, 1)
    torch.randn(3, 2, generator=g)  # linear weight (not on the feature path)
    x = torch.randn(shape, generator=g)
    e = torch.randn(shape, generator=g)

    def features(inp: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = torch.einsum("oc,nchw->nohw", w[:, :, 0, 0], inp).double()
        mean = h.mean(dim=(0, 2, 3), keepdim=True)
        var = h.var(dim=(0, 2, 3), unbiased=False, keepdim=True)
        return torch.relu((h - mean) / torch.sqrt(var + 1e-5)), var

    f1, var = features(x)
    f2, _ = features(x + 1e-2 * e)
    delta = (f1 - f2).abs().sum(dim=(1, 2, 3)).mean()
    return math.log(float(delta)) + 0.5 * math.log(float(var.mean()))


def test_zen_value_matches_hand_computation():
    x = torch.zeros(6, 3, 5, 5)
    assert Zen().score(_net(), x, torch.zeros(6), gen(7)) == pytest.approx(_by_hand(x.shape, 7), rel=1e-4)


def test_zen_leaves_weights_alone():
    net = _net()
    before = [p.clone() for p in net.parameters()]
    Zen().score(net, torch.zeros(4, 3, 5, 5), torch.zeros(4), gen())
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters()))


def test_zen_without_global_pool_is_a_user_error():
    with pytest.raises(BadInput):
        Zen().score(nn.Sequential(nn.Flatten(), nn.Linear(3, 2)), torch.zeros(2, 3), torch.zeros(2), gen())


def test_zen_skips_batchnorm_fed_only_zeros():
    class DeadBranch(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.live = _net()
            self.dead = nn.BatchNorm2d(3)  # no conv: the generator draws stay those of _by_hand

        def forward(self, x):
            self.dead(torch.zeros_like(x))
            return self.live(x)

    x = torch.zeros(6, 3, 5, 5)
    assert Zen().score(DeadBranch(), x, torch.zeros(6), gen(7)) == pytest.approx(_by_hand(x.shape, 7), rel=1e-4)
