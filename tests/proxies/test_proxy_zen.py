"""Zen-NAS score against an independent re-computation with plain tensor ops (no nn modules)."""

from __future__ import annotations

import math

import pytest
import torch
from proxy_testnets import gen
from torch import nn

from nasbench.errors import BadInput
from nasbench_plugins.proxies.zen import Zen, ZenPaper


def _net() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, 2, 1, bias=False),
        nn.BatchNorm2d(2),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(2, 3),
    )


def _by_hand(shape: tuple[int, ...], seed: int, bn: str = "running") -> float:
    """Zen of ``_net`` with plain tensor ops; ``bn``: "running" (Zen-NAS' code: the BN running
    variance after the two forwards, momentum 0.1 from 1, unbiased batch variances) or "batch"
    (the paper: the biased batch variance of the forward of x)."""
    g = gen(seed)
    w = torch.randn(2, 3, 1, 1, generator=g, dtype=torch.float32)  # conv: N(0, 1)
    torch.randn(3, 2, generator=g)  # linear weight (not on the feature path)
    x = torch.randn(shape, generator=g)
    e = torch.randn(shape, generator=g)

    def features(inp: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        h = torch.einsum("oc,nchw->nohw", w[:, :, 0, 0], inp).double()
        mean = h.mean(dim=(0, 2, 3), keepdim=True)
        var = h.var(dim=(0, 2, 3), unbiased=False, keepdim=True)
        unbiased = h.var(dim=(0, 2, 3), unbiased=True)
        return torch.relu((h - mean) / torch.sqrt(var + 1e-5)), var, unbiased

    f1, var, u1 = features(x)
    f2, _, u2 = features(x + 1e-2 * e)
    delta = (f1 - f2).abs().sum(dim=(1, 2, 3)).mean()
    running = 0.9 * (0.9 * 1.0 + 0.1 * u1) + 0.1 * u2
    sigma2 = float(running.mean()) if bn == "running" else float(var.mean())
    return math.log(float(delta)) + 0.5 * math.log(sigma2)


def test_zen_value_matches_hand_computation():
    x = torch.zeros(6, 3, 5, 5)
    assert Zen().score(_net(), x, torch.zeros(6), gen(7)) == pytest.approx(_by_hand(x.shape, 7), rel=1e-4)


def test_zen_paper_takes_the_batch_variance_of_the_first_forward():
    x = torch.zeros(6, 3, 5, 5)
    want = _by_hand(x.shape, 7, bn="batch")
    assert ZenPaper().score(_net(), x, torch.zeros(6), gen(7)) == pytest.approx(want, rel=1e-4)
    assert abs(want - _by_hand(x.shape, 7)) > 1e-3  # the two definitions differ on this net


def test_zen_leaves_weights_alone():
    net = _net()
    before = [p.clone() for p in net.parameters()]
    Zen().score(net, torch.zeros(4, 3, 5, 5), torch.zeros(4), gen())
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters()))


def test_zen_without_global_pool_is_a_user_error():
    with pytest.raises(BadInput):
        Zen().score(nn.Sequential(nn.Flatten(), nn.Linear(3, 2)), torch.zeros(2, 3), torch.zeros(2), gen())


class _DeadBranch(nn.Module):
    """``_net`` beside a BN fed only zeros (no conv: the generator draws stay those of _by_hand)."""

    def __init__(self) -> None:
        super().__init__()
        self.live = _net()
        self.dead = nn.BatchNorm2d(3)

    def forward(self, x):
        self.dead(torch.zeros_like(x))
        return self.live(x)


def test_zen_counts_a_batchnorm_fed_only_zeros_by_its_running_variance():
    # two updates from 1 towards 0: 0.81, so log sqrt(0.81) = log 0.9 joins the score
    x = torch.zeros(6, 3, 5, 5)
    got = Zen().score(_DeadBranch(), x, torch.zeros(6), gen(7))
    assert got == pytest.approx(_by_hand(x.shape, 7) + math.log(0.9), rel=1e-4)


def test_zen_paper_skips_batchnorm_fed_only_zeros():
    x = torch.zeros(6, 3, 5, 5)
    got = ZenPaper().score(_DeadBranch(), x, torch.zeros(6), gen(7))
    assert got == pytest.approx(_by_hand(x.shape, 7, bn="batch"), rel=1e-4)
