"""nngp: Frobenius norm of the output Gram matrix, checked against numpy."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from proxy_testnets import MLP, W1, W2, X, batch, gen, mlp_forward
from torch import nn

from nasbench_plugins.proxies.nngp import NNGP


def test_nngp_value():
    _, _, z = mlp_forward(W1, W2, X)
    x, y = batch()
    assert NNGP().score(MLP(), x, y, gen()) == pytest.approx(np.linalg.norm(z @ z.T, "fro"), rel=1e-5)


def test_nngp_slices_large_batches_without_changing_the_value():
    g = gen(3)
    x = torch.randn(300, 5, generator=g)  # 3 slices of <= 128
    net = MLP()
    z = net(x).detach().double()
    assert NNGP().score(net, x, torch.zeros(300), gen()) == pytest.approx(float(torch.linalg.norm(z @ z.T)), rel=1e-6)


def test_nngp_runs_in_eval_mode_and_restores_train_mode():
    net = nn.Sequential(nn.Linear(5, 4), nn.BatchNorm1d(4), nn.Linear(4, 2)).train()
    x, y = batch()
    before = net[1].running_mean.clone()
    NNGP().score(net, x, y, gen())
    assert net.training and torch.equal(before, net[1].running_mean)
