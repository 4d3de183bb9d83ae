"""``code_kernel`` computes the official Zero-Cost-PT kernel without hooks: it must equal the literal
hook-based definition on real NB201 networks, for every kind of op weight the search produces."""

from __future__ import annotations

import pytest
import torch

from nasbench.torchutil import torch_generator
from nasbench_plugins.nb201.network import NB201Network, NB201Supernet
from nasbench_plugins.nb201.space import NB201Space
from nasbench_plugins.zero_cost_pt.code_kernel import KernelRules, network_kernel, supernet_kernel
from tests.zcpt.official_hooks import hooked_kernel, supernet_hooked_kernel

SPACE = NB201Space(channels=4, cells_per_stage=1)


def _supernet(bias: bool = False) -> NB201Supernet:
    space = NB201Space(channels=4, cells_per_stage=1, conv_bias=bias)
    return space.build_supernet(10, torch_generator(0)).eval()


def _images(n: int = 8, seed: int = 1) -> torch.Tensor:
    return torch.randn(n, 3, 16, 16, generator=torch_generator(seed))


def _weights(decided: dict[int, int] = {}, removed: tuple[int, int] | None = None) -> torch.Tensor:  # noqa: B006
    w = torch.softmax(1e-3 * torch.randn(6, 5, generator=torch_generator(3)), dim=-1)
    for e, k in decided.items():
        w[e] = 0.0
        w[e, k] = 1.0
    if removed is not None:
        w[removed] = 0.0
    return w


@pytest.mark.parametrize(
    "decided, removed",
    [({}, None), ({}, (2, 3)), ({}, (0, 1)), ({0: 3, 4: 2}, (5, 4)), ({0: 1, 1: 4, 2: 0, 3: 2, 4: 3}, (5, 2))],
)
def test_supernet_kernel_equals_the_hooked_official_definition(decided, removed):
    net, x = _supernet(), _images()
    weights = _weights(decided, removed)
    expected = supernet_hooked_kernel(net, x, weights)
    assert torch.allclose(supernet_kernel(net, x, weights, KernelRules()), expected, rtol=1e-12, atol=0)


def test_supernet_kernel_with_conv_bias_still_equals_the_hooked_definition():
    net, x = _supernet(bias=True), _images()
    weights = _weights({1: 2}, (3, 3))
    assert torch.allclose(supernet_kernel(net, x, weights, KernelRules()), supernet_hooked_kernel(net, x, weights))


def test_nn_relu_only_rule_equals_hooks_on_nn_relu_only():
    net, x = _supernet(), _images()
    weights = _weights({0: 3}, (2, 2))
    ours = supernet_kernel(net, x, weights, KernelRules(wrapper_hooks=False))
    assert torch.allclose(ours, supernet_hooked_kernel(net, x, weights, relu_class_rule=False))


def test_a_blocked_conv_adds_its_units_to_every_entry_and_nothing_when_not_run():
    net, x = _supernet(), _images()
    weights = _weights({}, (0, 3))  # nor_conv_3x3 removed from edge 0->1: blocked, its input is node 0
    blocked = supernet_kernel(net, x, weights, KernelRules(wrapper_hooks=False))
    skipped = supernet_kernel(net, x, weights, KernelRules(wrapper_hooks=False, blocked=False))
    # the op is removed in every cell (one cell per stage here): its input's units per stage
    units = 4 * 16 * 16 + 8 * 8 * 8 + 16 * 4 * 4
    assert torch.equal(blocked - skipped, torch.full_like(blocked, float(units)))


def test_eval_and_train_bn_give_different_kernels():
    net, x = _supernet(), _images()
    weights = _weights()
    assert not torch.equal(
        supernet_kernel(net, x, weights, KernelRules()), supernet_kernel(net, x, weights, KernelRules(bn_eval=False))
    )


@pytest.mark.parametrize(
    "arch",
    [
        "|nor_conv_3x3~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|avg_pool_3x3~2|",
        "|none~0|+|skip_connect~0|none~1|+|avg_pool_3x3~0|nor_conv_1x1~1|none~2|",
        "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
    ],
)
def test_network_kernel_equals_the_hooked_official_definition(arch):
    ops = SPACE.parse(arch).ops
    net = SPACE.build_network(SPACE.parse(arch), 10, torch_generator(2)).eval()
    assert isinstance(net, NB201Network) and net.arch_ops == ops
    x = _images()
    assert torch.allclose(network_kernel(net, x, KernelRules()), hooked_kernel(net, x), rtol=1e-12, atol=0)


def test_kernel_leaves_the_network_untouched():
    net, x = _supernet(), _images()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    supernet_kernel(net, x, _weights(), KernelRules(bn_eval=False))
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())


@pytest.mark.parametrize("decided, removed", [({}, (2, 3)), ({0: 3, 4: 2}, (5, 4))])
def test_in_the_fp32_scope_channels_last_gives_the_hooked_definition_too(decided, removed):
    from nasbench.api import network_precision, precision_scope

    net, x = _supernet(), _images()
    weights = _weights(decided, removed)
    with precision_scope("fp32", "cpu"):
        kernel = supernet_kernel(net, x, weights, KernelRules())
        layout = network_precision().channels_last
    assert torch.allclose(kernel, supernet_hooked_kernel(net, x, weights), rtol=1e-12, atol=0), layout


def test_in_bf16_the_kernel_is_still_an_exact_count_matrix_close_to_fp32():
    from nasbench.api import precision_scope
    from nasbench_plugins.zero_cost_pt.code_kernel import logdet

    net, x = _supernet(), _images(n=16)
    weights = _weights({}, (2, 3))
    with precision_scope("bf16", "cpu"):
        kernel = supernet_kernel(net, x, weights, KernelRules())
    assert kernel.dtype == torch.float64 and torch.equal(kernel, kernel.round()) and torch.equal(kernel, kernel.T)
    fp32 = logdet(supernet_kernel(net, x, weights, KernelRules()))
    assert logdet(kernel) == pytest.approx(fp32, rel=1e-3)
