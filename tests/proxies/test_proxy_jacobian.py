"""jacov and epe_nas against per-sample Jacobians from torch.func.jacrev and numpy statistics."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from proxy_testnets import MLP, W1, W2, X, Y, batch, gen

from nasbench_plugins.proxies.jacobian import EpeNas, JacobianCovariance, input_jacobian


def _jacrev_rows() -> np.ndarray:
    net = MLP().double()
    f = lambda xi: net(xi[None]).sum()  # noqa: E731
    return np.stack([torch.func.jacrev(f)(torch.tensor(row)).detach().numpy() for row in X])


def test_input_jacobian_matches_jacrev_and_closed_form():
    rows = _jacrev_rows()
    h = X @ W1.T
    closed = (W2.sum(0)[None, :] * (h > 0)) @ W1  # J_i = (1^T W2 * 1[h_i > 0]) W1
    np.testing.assert_allclose(rows, closed, rtol=1e-6)
    ours = input_jacobian(MLP(), torch.tensor(X, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(ours, closed, rtol=1e-5, atol=1e-6)


def test_jacov_value():
    v = np.linalg.eigvalsh(np.corrcoef(_jacrev_rows()))
    expected = -np.sum(np.log(v + 1e-5) + 1 / (v + 1e-5))
    x, y = batch()
    assert JacobianCovariance().score(MLP(), x, y, gen()) == pytest.approx(expected, rel=1e-4)


def test_epe_nas_value():
    rows = _jacrev_rows()
    expected = 0.0
    for c in np.unique(Y):
        r = rows[Y == c]
        corr = np.corrcoef(r) if len(r) > 1 else np.ones((1, 1))
        expected += abs(np.log(np.abs(corr) + 1e-5).sum())
    x, y = batch()
    assert EpeNas().score(MLP(), x, y, gen()) == pytest.approx(expected, rel=1e-4)


def test_jacov_is_nan_when_output_ignores_input():
    net = MLP()
    with torch.no_grad():
        net[0].weight.zero_()
    x, y = batch()
    assert math.isnan(JacobianCovariance().score(net, x, y, gen()))


def test_in_a_score_job_jacov_and_epe_nas_share_one_jacobian_with_unchanged_values(monkeypatch):
    from nasbench_plugins.proxies import jacobian
    from nasbench_plugins.proxies.runtime import sharing_scope

    x, y = batch()
    alone = (JacobianCovariance().score(MLP(), x, y, gen()), EpeNas().score(MLP(), x, y, gen()))
    computed = []
    original = jacobian.input_jacobian
    monkeypatch.setattr(jacobian, "input_jacobian", lambda *a, **k: computed.append(1) or original(*a, **k))
    with sharing_scope():
        shared = (JacobianCovariance().score(MLP(), x, y, gen()), EpeNas().score(MLP(), x, y, gen()))
    assert len(computed) == 1
    assert shared == alone
