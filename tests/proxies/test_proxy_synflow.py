"""SynFlow against its closed form on a 2-layer |W| network, and the no-BN, no-mutation rules."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from proxy_testnets import MLP, W1, W2, batch, gen
from torch import nn

from nasbench_plugins.proxies.synflow import SynFlow


def _closed_form() -> float:
    # R = 1^T |W2| relu(|W1| 1): dR/dW2_ij = a_j, dR/dW1_jk = sum_i |W2|_ij
    a = np.abs(W1).sum(1)
    c = np.abs(W2).sum(0)
    return float((np.abs(W2) * a[None, :]).sum() + (np.abs(W1) * c[:, None]).sum())


def test_synflow_equals_closed_form():
    x, y = batch()
    assert SynFlow().score(MLP(), x, y, gen()) == pytest.approx(_closed_form(), rel=1e-6)


def test_synflow_ignores_batchnorm_and_data():
    # BN is removed, as in zero-cost-nas' bn=False copy: the value is the BN-free closed form
    mlp = MLP()
    net = nn.Sequential(mlp[0], nn.BatchNorm1d(4), mlp[1], mlp[2])
    x, y = batch()
    assert SynFlow().score(net, 100 * x, y, gen()) == pytest.approx(_closed_form(), rel=1e-6)


def test_synflow_leaves_the_network_unchanged():
    net = MLP()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    x, y = batch()
    SynFlow().score(net, x, y, gen())
    after = net.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert all(p.dtype == torch.float32 and p.grad is None for p in net.parameters())
