"""``darts_kernel`` computes the official DARTS-space Zero-Cost-PT kernel without hooks: it must equal
the literal hook-based definition on real DARTS-cell supernets and networks (tiny sizes), for every
kind of op weight the official search produces."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nasbench.api import torch_generator
from nasbench_plugins.darts_space.reduced_spaces import SPECS
from nasbench_plugins.darts_space.space import make_space
from nasbench_plugins.zero_cost_pt.code_kernel import KernelRules
from nasbench_plugins.zero_cost_pt.darts_kernel import avg_pool3, max_pool3, network_kernel, supernet_kernel
from tests.zcpt.official_hooks import darts_hooked_kernel, hooked_kernel

SIZES = {"darts_channels": 4, "darts_cells": 5, "darts_eval_channels": 4, "darts_eval_cells": 5}


def _space(name: str):
    return make_space(next(s for s in SPECS if s.name == name)).with_settings(SIZES)


def _images(n: int = 8) -> torch.Tensor:
    return torch.randn(n, 3, 16, 16, generator=torch_generator(1))


def _weights(net, decided: dict[int, int] = {}, dropped=(), removed=None) -> torch.Tensor:  # noqa: B006
    w = torch.softmax(1e-3 * torch.randn(net.op_mask.shape, generator=torch_generator(3)), dim=-1) * net.op_mask
    for e, k in decided.items():
        w[e] = 0.0
        w[e, k] = 1.0
    for e in dropped:
        w[e] = 0.0
    if removed is not None:
        w[removed] = 0.0
    return w


@pytest.mark.parametrize("space", ["s5", "s1", "s3"])
@pytest.mark.parametrize(
    "decided, dropped, removed",
    [({}, (), None), ({}, (), (4, 3)), ({0: 3, 16: 1}, (), (20, 0)), ({e: e % 7 for e in range(28)}, (2, 19), None)],
)
def test_supernet_kernel_equals_the_hooked_official_definition(space, decided, dropped, removed):
    net = _space(space).build_supernet(10, torch_generator(0)).eval()
    ops = net.op_mask.shape[1]
    removed = None if removed is None else (removed[0], removed[1] % ops)
    weights = _weights(net, {e: k % ops for e, k in decided.items()}, dropped, removed)
    expected = darts_hooked_kernel(net, _images(), weights)
    assert torch.allclose(supernet_kernel(net, _images(), weights, KernelRules()), expected, rtol=1e-12, atol=0)


def test_nn_relu_only_rule_equals_hooks_on_nn_relu_only():
    net = _space("s5").build_supernet(10, torch_generator(0)).eval()
    weights = _weights(net, {1: 2}, (), (5, 5))
    ours = supernet_kernel(net, _images(), weights, KernelRules(wrapper_hooks=False))
    assert torch.allclose(ours, darts_hooked_kernel(net, _images(), weights, relu_class_rule=False), rtol=1e-12)


def test_batch_statistics_rule_equals_the_hooked_supernet_in_train_mode():
    net = _space("s5").build_supernet(10, torch_generator(0))
    weights = _weights(net, {3: 1}, (), (7, 6))
    ours = supernet_kernel(net, _images(), weights, KernelRules(bn_eval=False))
    net.op_mask.copy_(weights != 0)
    net.op_weights = weights
    net.train()
    assert torch.allclose(ours, hooked_kernel(net, _images()), rtol=1e-12)


def test_a_weight_0_op_is_not_run_so_it_codes_nothing():
    net = _space("s5").build_supernet(10, torch_generator(0)).eval()
    weights = _weights(net)
    without = weights.clone()
    without[0, 3] = 0.0  # sep_conv_3x3 on normal:0->2: its two ReLUs are not run
    assert not torch.equal(supernet_kernel(net, _images(), weights, KernelRules()), supernet_kernel(
        net, _images(), without, KernelRules()))  # fmt: skip
    assert torch.allclose(
        supernet_kernel(net, _images(), without, KernelRules()), darts_hooked_kernel(net, _images(), without)
    )


@pytest.mark.parametrize("space", ["s5", "s2", "s3"])
def test_network_kernel_equals_the_hooked_definition(space):
    sp = _space(space)
    for seed in (0, 1):
        net = sp.build_network(sp.sample(np.random.default_rng(seed)), 10, torch_generator(seed)).eval()
        assert torch.allclose(network_kernel(net, _images(), KernelRules()), hooked_kernel(net, _images()), rtol=1e-12)


@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("size", [8, 7])
def test_separable_poolings_equal_torch_s(stride, size):
    x = torch.randn(2, 3, size, size, generator=torch_generator(5))
    assert torch.equal(max_pool3(x, stride), torch.nn.functional.max_pool2d(x, 3, stride, 1))
    expected = torch.nn.functional.avg_pool2d(x, 3, stride, 1, count_include_pad=False)
    assert torch.allclose(avg_pool3(x, stride), expected, rtol=1e-6, atol=1e-7)


def test_s4_noise_ops_are_run_as_modules_and_code_nothing():
    from nasbench_plugins.darts_space.ops import Noise

    net = _space("s4").build_supernet(10, torch_generator(0)).eval()
    weights = _weights(net, {}, (), (3, 1))
    noises = [m for m in net.modules() if isinstance(m, Noise)]
    states = [n.generator.get_state() for n in noises]
    ours = supernet_kernel(net, _images(), weights, KernelRules())
    for n, state in zip(noises, states):  # the same draws for the literal definition
        n.generator.set_state(state)
    assert torch.allclose(ours, darts_hooked_kernel(net, _images(), weights), rtol=1e-12, atol=0)
