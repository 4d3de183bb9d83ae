"""params and flops: hand counts, and only the modules that actually run are counted."""

from __future__ import annotations

import pytest
import torch
from proxy_testnets import gen, image_batch, tiny_nb201
from torch import nn

from nasbench.supernet import removed
from nasbench_plugins.proxies.cost import Flops, Params


class Branchy(nn.Module):
    """A conv net with a branch that never runs (like a masked supernet op)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.pool = nn.AvgPool2d(3, stride=1, padding=1)
        self.unused = nn.Conv2d(4, 4, 3, padding=1)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(self.gap(self.pool(self.conv(x))).flatten(1))


def test_params_counts_executed_modules_only():
    x = torch.zeros(5, 3, 8, 8)
    expected = (3 * 3 * 3 * 4 + 4) + (4 * 2 + 2)
    assert Params().score(Branchy(), x, torch.zeros(5), gen()) == pytest.approx(expected / 1e6)


def test_flops_by_hand():
    x = torch.zeros(5, 3, 8, 8)
    conv = 3 * 3 * 3 * 4 * 64 + 4 * 64
    pool = 9 * 4 * 64
    fc = 4 * 2 + 2
    assert Flops().score(Branchy(), x, torch.zeros(5), gen()) == pytest.approx((conv + pool + fc) / 1e6)


def test_masking_a_conv_op_lowers_both_counts():
    _, supernet = tiny_nb201()
    x, y = image_batch(2)
    for proxy in (Params(), Flops()):
        full = proxy.score(supernet, x, y, gen())
        with removed(supernet, "0->1", "nor_conv_3x3"):
            less = proxy.score(supernet, x, y, gen())
        assert less < full
