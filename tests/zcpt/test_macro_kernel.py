"""``macro_kernel`` computes the official Macro Zero-Cost-PT kernel without hooks: it must equal the
literal hook-based definition (weight-0 ops run on x*0) on a real, tiny NAS-Bench-Macro supernet."""

from __future__ import annotations

import pytest
import torch

from nasbench.api import torch_generator
from nasbench_plugins.macro.space import MacroSpace
from nasbench_plugins.zero_cost_pt.code_kernel import KernelRules
from nasbench_plugins.zero_cost_pt.macro_kernel import network_kernel, supernet_kernel
from nasbench_plugins.zero_cost_pt.official_paths import macro_weights
from tests.zcpt.official_hooks import hooked_kernel, macro_hooked_kernel

SPACE = MacroSpace({"macro_channels": 4, "macro_head_channels": 16})


def _net():
    return SPACE.build_supernet(10, torch_generator(0)).eval()


def _images() -> torch.Tensor:
    return torch.randn(8, 3, 16, 16, generator=torch_generator(1))


def _weights(decided: dict[int, int] = {}, removed=None) -> torch.Tensor:  # noqa: B006
    mask = torch.ones(8, 3, dtype=torch.bool)
    for layer, k in decided.items():
        mask[layer] = False
        mask[layer, k] = True
    w = macro_weights(mask, True)
    if removed is not None:
        w[removed] = 0.0
    return w


@pytest.mark.parametrize("decided, removed", [({}, None), ({}, (0, 2)), ({2: 1, 5: 0}, (6, 1)), ({1: 2}, (3, 0))])
def test_supernet_kernel_equals_the_hooked_official_definition(decided, removed):
    net, weights = _net(), _weights(decided, removed)
    expected = macro_hooked_kernel(net, _images(), weights)
    assert torch.allclose(supernet_kernel(net, _images(), weights, KernelRules()), expected, rtol=1e-12, atol=0)


def test_a_blocked_op_adds_its_units_to_every_entry():
    net, weights = _net(), _weights({}, (0, 2))  # mb6_k5 of layer 0 (4 -> 8 channels, stride 2) on x*0
    blocked = supernet_kernel(net, _images(), weights, KernelRules())
    skipped = supernet_kernel(net, _images(), weights, KernelRules(blocked=False))
    hidden = 4 * 6
    assert torch.equal(blocked - skipped, torch.full_like(blocked, float(hidden * (16 * 16 + 8 * 8))))


def test_the_official_weights_keep_a_decided_layer_s_other_ops_at_a_third():
    mask = torch.ones(8, 3, dtype=torch.bool)
    mask[4] = torch.tensor([False, True, False])
    official, ablated = macro_weights(mask, True), macro_weights(mask, False)
    assert official[4].tolist() == pytest.approx([1 / 3, 1.0, 1 / 3])
    assert official[0].tolist() == pytest.approx([1 / 3] * 3)
    assert ablated[4].tolist() == [0.0, 1.0, 0.0] and ablated[0].tolist() == pytest.approx([1 / 3] * 3)


def test_times_scales_the_kernel_as_the_official_re_registered_hooks_do():
    net, weights = _net(), _weights({}, (2, 1))
    once = supernet_kernel(net, _images(), weights, KernelRules())
    assert torch.equal(supernet_kernel(net, _images(), weights, KernelRules(), times=3), 3 * once)


@pytest.mark.parametrize("arch", ["00000000", "12021120", "22212220"])
def test_network_kernel_equals_the_hooked_definition(arch):
    net = SPACE.build_network(SPACE.parse(arch), 10, torch_generator(2)).eval()
    assert torch.allclose(network_kernel(net, _images(), KernelRules()), hooked_kernel(net, _images()), rtol=1e-12)
