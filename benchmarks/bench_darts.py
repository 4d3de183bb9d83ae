"""DARTS-space supernet speed on CPU (tiny: C=4, 3 cells, batch 8, 32x32 random inputs).

Forward and forward+backward of the full 8-op supernet, the same with PC-DARTS partial channels
(K=4), and one perturbation (an op masked off) against a plain forward: masking must not cost
more than the forward it skips work in.
"""

import pytest
import torch

from nasbench.supernet import removed
from nasbench.torchutil import torch_generator
from nasbench_plugins.darts_space.reduced_spaces import SPECS
from nasbench_plugins.darts_space.space import make_space

DARTS = make_space(SPECS[0])


pytestmark = pytest.mark.usefixtures("single_thread")  # see nasbench.testing


def _supernet(partial: int = 1):
    space = DARTS.with_settings({"darts_channels": 4, "darts_cells": 3, "darts_partial_channels": partial})
    return space.build_supernet(10, torch_generator(0))


def _batch():
    gen = torch_generator(1)
    return torch.randn(8, 3, 32, 32, generator=gen), torch.randint(0, 10, (8,), generator=gen)


@pytest.mark.parametrize("partial", [1, 4])
def test_darts_supernet_forward(benchmark, partial):
    net, (x, _y) = _supernet(partial), _batch()

    def forward():
        with torch.inference_mode():
            return net(x)

    assert benchmark(forward).shape == (8, 10)


@pytest.mark.parametrize("partial", [1, 4])
def test_darts_supernet_forward_backward(benchmark, partial):
    net, (x, y) = _supernet(partial), _batch()

    def step():
        net.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(net(x), y)
        loss.backward()
        return float(loss)

    assert benchmark(step) > 0


def test_darts_supernet_perturbed_forward(benchmark):
    net, (x, _y) = _supernet(), _batch()

    def perturbed():
        with removed(net, "normal:0->2", "sep_conv_5x5"), torch.inference_mode():
            return net(x)

    assert benchmark(perturbed).shape == (8, 10)
