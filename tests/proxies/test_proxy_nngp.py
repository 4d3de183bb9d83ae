"""nngp: Frobenius norm of the sample-by-sample correlation of the logits, checked against numpy."""

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
    assert NNGP().score(MLP(), x, y, gen()) == pytest.approx(np.linalg.norm(np.corrcoef(z), "fro"), rel=1e-5)


def test_nngp_is_nan_when_the_output_does_not_depend_on_the_input():
    # a zeroed first layer (like an NB201 cell without a path) leaves only the bias: K would be all ones
    net = nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 3))
    with torch.no_grad():
        net[0].weight.zero_()
        net[0].bias.zero_()
    x, y = batch()
    assert np.isnan(NNGP().score(net, x, y, gen()))


def test_nngp_slices_large_batches_in_128s():
    # with BN in train mode the slices matter: each slice of 128 is normalised with its own stats
    net = nn.Sequential(nn.Linear(5, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 3))
    x = torch.randn(300, 5, generator=gen(3))
    parts = [x[:100], x[100:200], x[200:]]  # torch.tensor_split into 3 (ceil(300 / 128))
    with torch.no_grad():
        z = torch.cat([net.train()(p) for p in parts]).double().numpy()
    expected = np.linalg.norm(np.corrcoef(z), "fro")
    assert NNGP().score(net.eval(), x, torch.zeros(300), gen()) == pytest.approx(expected, rel=1e-6)


def test_nngp_restores_mode_and_running_stats():
    net = nn.Sequential(nn.Linear(5, 4), nn.BatchNorm1d(4), nn.Linear(4, 2)).eval()
    x, y = batch()
    before = net[1].running_mean.clone()
    NNGP().score(net, x, y, gen())
    assert not net.training and torch.equal(before, net[1].running_mean)
