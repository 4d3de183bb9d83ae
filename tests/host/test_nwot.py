"""nwot = log|K_H|, K_H[i, j] = number of ReLU units where samples i and j have the same sign code."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from nasbench.torchutil import torch_generator
from nasbench_plugins.nb201.space import NB201Space
from nasbench_plugins.proxies.nwot import NWOT, NWOTEval, nwot_kernel


def _hand_kernel(pre_activations: np.ndarray) -> np.ndarray:
    codes = pre_activations > 0
    n = len(codes)
    return np.array([[np.sum(codes[i] == codes[j]) for j in range(n)] for i in range(n)], dtype=float)


class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 4)
        with torch.no_grad():
            self.fc.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, -1.0]]))
            self.fc.bias.zero_()
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.fc(x))


def test_kernel_counts_agreeing_units_by_hand():
    x = torch.tensor([[1.0, 2.0], [-1.0, 0.5], [0.5, -2.0]])
    pre = x @ torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, -1.0]]).T
    # codes: [1,1,1,0], [0,1,0,0], [1,0,0,1] -> agreements worked out by hand
    assert _hand_kernel(pre.numpy()).tolist() == [[4, 2, 1], [2, 4, 1], [1, 1, 4]]
    assert nwot_kernel(TwoLayer(), x).tolist() == [[4, 2, 1], [2, 4, 1], [1, 1, 4]]
    score = NWOT().score(TwoLayer(), x, torch.zeros(3, dtype=torch.long), torch_generator(0))
    assert score == pytest.approx(math.log(np.linalg.det([[4, 2, 1], [2, 4, 1], [1, 1, 4]])))


class SharedInput(nn.Module):
    """Two ReLU modules read the same tensor: each is counted (the dedup must not change that)."""

    def __init__(self):
        super().__init__()
        self.a, self.b = nn.ReLU(), nn.ReLU()

    def forward(self, x):
        return self.a(x) + self.b(x)


def test_a_tensor_read_by_two_relus_counts_twice():
    x = torch.randn(5, 7, generator=torch_generator(1))
    single = _hand_kernel(x.numpy())
    assert np.array_equal(nwot_kernel(SharedInput(), x).numpy(), 2 * single)


def test_nwot_on_nb201_is_deterministic_and_restores_eval_mode():
    space = NB201Space(channels=4, cells_per_stage=1)
    net = space.build_supernet(10, torch_generator(0)).eval()
    x = torch.randn(8, 3, 32, 32, generator=torch_generator(2))
    a = NWOT().score(net, x, None, torch_generator(0))
    b = NWOT().score(net, x, None, torch_generator(0))
    assert a == b and math.isfinite(a)
    assert not net.training


def test_identical_inputs_give_a_singular_kernel_and_minus_infinity():
    x = torch.ones(4, 2)
    assert NWOT().score(TwoLayer(), x, None, torch_generator(0)) == -math.inf


def test_nwot_eval_scores_the_network_in_eval_mode_and_leaves_its_mode_alone():
    """Official Zero-Cost-PT scores perturbations with model.eval(): BN uses running stats."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 3))
    net.train()
    with torch.no_grad():
        net[1].running_mean.fill_(5.0)  # eval mode: every pre-ReLU value becomes negative
    x = torch.randn(6, 3, 8, 8)
    kernel_eval = nwot_kernel(net, x, train=False)
    assert torch.all(kernel_eval == 4 * 6 * 6)  # all codes 0: every pair agrees on every unit
    assert not torch.all(nwot_kernel(net, x) == 4 * 6 * 6)  # batch statistics: mixed codes
    assert net.training
    gen = torch_generator(0)
    assert NWOTEval().score(net, x, None, gen) == NWOT(train=False).score(net, x, None, gen)
