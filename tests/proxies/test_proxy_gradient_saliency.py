"""Values of the saliency proxies on a 2-layer MLP against hand-derived (numpy) gradients."""

from __future__ import annotations

import numpy as np
import pytest
from proxy_testnets import MLP, W1, W2, X, Y, batch, gen, mlp_grads

from nasbench_plugins.proxies.gradient_saliency import Fisher, GradNorm, Grasp, L2Norm, Plain, Snip
from nasbench_plugins.proxies.runtime import untouched


def _score(proxy) -> float:
    x, y = batch()
    return proxy.score(MLP(), x, y, gen())


def test_grad_norm_is_sum_of_layer_gradient_norms():
    dw1, dw2, *_ = mlp_grads(W1, W2, X, Y)
    assert _score(GradNorm()) == pytest.approx(np.linalg.norm(dw1) + np.linalg.norm(dw2), rel=1e-5)


def test_snip_is_sum_of_abs_gradient_times_weight():
    dw1, dw2, *_ = mlp_grads(W1, W2, X, Y)
    assert _score(Snip()) == pytest.approx(np.abs(dw1 * W1).sum() + np.abs(dw2 * W2).sum(), rel=1e-5)


def test_plain_is_signed_sum_of_gradient_times_weight():
    dw1, dw2, *_ = mlp_grads(W1, W2, X, Y)
    assert _score(Plain()) == pytest.approx((dw1 * W1).sum() + (dw2 * W2).sum(), rel=1e-4, abs=1e-7)


def test_fisher_counts_each_channels_half_mean_squared_product_once_per_weight_of_the_channel():
    # zero-cost-nas / NASLib broadcast a channel's value to its fan-in weights before summing
    _, _, h, dh, z, dz = mlp_grads(W1, W2, X, Y)
    fan_in1, fan_in2 = W1.shape[1], W2.shape[1]
    expected = fan_in1 * 0.5 * ((h * dh) ** 2).mean(0).sum() + fan_in2 * 0.5 * ((z * dz) ** 2).mean(0).sum()
    assert _score(Fisher()) == pytest.approx(expected, rel=1e-4)


def test_grasp_is_minus_weight_times_hessian_gradient_product():
    # H g by central differences of the hand-derived gradient (no autograd involved)
    dw1, dw2, *_ = mlp_grads(W1, W2, X, Y)
    eps = 1e-6
    plus = mlp_grads(W1 + eps * dw1, W2 + eps * dw2, X, Y)
    minus = mlp_grads(W1 - eps * dw1, W2 - eps * dw2, X, Y)
    hg1, hg2 = (plus[0] - minus[0]) / (2 * eps), (plus[1] - minus[1]) / (2 * eps)
    expected = -(W1 * hg1).sum() - (W2 * hg2).sum()
    assert _score(Grasp()) == pytest.approx(expected, rel=1e-3)


def test_l2_norm_is_sum_of_layer_weight_norms():
    assert _score(L2Norm()) == pytest.approx(np.linalg.norm(W1) + np.linalg.norm(W2), rel=1e-6)


@pytest.mark.parametrize("proxy", [GradNorm(), Snip(), Plain(), Fisher(), Grasp()], ids=lambda p: p.name)
def test_splitting_the_batch_gives_the_full_batch_value(proxy):
    # what the CUDA-OOM retry does: 3 parts, losses weighted n_part / n
    x, y = batch()
    net = MLP()
    with untouched(net):
        whole = proxy.compute(net, x, y, parts=1)
        split = proxy.compute(net, x, y, parts=3)
    assert split == pytest.approx(whole, rel=1e-5, abs=1e-8)


def test_in_a_score_job_one_backward_serves_every_gradient_proxy_with_unchanged_values(monkeypatch):
    from nasbench_plugins.proxies import gradient_saliency
    from nasbench_plugins.proxies.runtime import sharing_scope

    proxies = [GradNorm(), Snip(), Plain(), Fisher(), Grasp()]
    alone = [_score(p) for p in proxies]
    passes = []
    original = gradient_saliency.ce_pass_in_parts
    monkeypatch.setattr(gradient_saliency, "ce_pass_in_parts", lambda *a, **k: passes.append(1) or original(*a, **k))
    with sharing_scope():
        shared = [_score(p) for p in proxies]  # each on its own fresh, identical network
    assert len(passes) == 1
    assert shared == alone


def test_outside_a_score_job_each_gradient_proxy_runs_its_own_backward(monkeypatch):
    from nasbench_plugins.proxies import gradient_saliency

    passes = []
    original = gradient_saliency.ce_pass_in_parts
    monkeypatch.setattr(gradient_saliency, "ce_pass_in_parts", lambda *a, **k: passes.append(1) or original(*a, **k))
    _score(GradNorm())
    _score(GradNorm())
    assert len(passes) == 2
