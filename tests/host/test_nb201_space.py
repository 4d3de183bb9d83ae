"""The NB201 space: official arch strings, the real network, the masked supernet."""

import csv

import pytest
import torch

from nasbench.errors import BadInput
from nasbench.supernet import active_ops, only, removed
from nasbench.torchutil import torch_generator
from nasbench_plugins.nb201.network import SearchCell
from nasbench_plugins.nb201.space import NB201Space
from tests.conftest import DATA, needs_data

BEST = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"


def test_arch_string_round_trips():
    space = NB201Space()
    arch = space.parse(BEST)
    assert arch.ops == ("nor_conv_3x3", "nor_conv_3x3", "nor_conv_3x3", "skip_connect", "nor_conv_3x3", "nor_conv_1x1")
    assert space.format(arch) == BEST


@pytest.mark.parametrize(
    "text",
    ["", "|nor_conv_3x3~0|", BEST.replace("~2", "~3"), BEST.replace("skip_connect", "conv_7x7"), BEST + "|"],
)
def test_malformed_arch_strings_are_rejected_with_one_line(text):
    with pytest.raises(BadInput) as err:
        NB201Space().parse(text)
    assert "\n" not in str(err.value)


@needs_data
def test_network_parameter_counts_match_the_published_nb201_networks():
    rows = list(csv.DictReader(open(DATA / "reference" / "naswot_arch_score_acc.csv")))
    space = NB201Space()
    for index in (0, 1, 6111, 1459, 15624):
        net = space.build_network(space.parse(rows[index]["cellstr"]), 10, torch_generator(0))
        count = sum(p.numel() for p in net.parameters())
        assert count / 1e6 == pytest.approx(float(rows[index]["params"]), abs=1e-6)


def test_network_is_a_pure_function_of_the_generator_seed():
    space = NB201Space(channels=4, cells_per_stage=1)
    arch = space.parse(BEST)
    a = space.build_network(arch, 10, torch_generator(3))
    b = space.build_network(arch, 10, torch_generator(3))
    c = space.build_network(arch, 10, torch_generator(4))
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not all(torch.equal(p, q) for p, q in zip(a.parameters(), c.parameters()))


def test_network_and_supernet_output_logits():
    space = NB201Space(channels=4, cells_per_stage=1)
    x = torch.randn(2, 3, 32, 32)
    assert space.build_network(space.parse(BEST), 7, torch_generator(0))(x).shape == (2, 7)
    assert space.build_supernet(7, torch_generator(0))(x).shape == (2, 7)


def _count_conv3x3_calls(net, x):
    calls = []
    handles = [
        m.register_forward_hook(lambda *_: calls.append(1))
        for cell in net.cells
        if isinstance(cell, SearchCell)
        for m in cell.modules()
        if isinstance(m, torch.nn.Conv2d) and m.kernel_size == (3, 3)
    ]
    net(x)
    for h in handles:
        h.remove()
    return len(calls)


def test_a_removed_op_is_not_executed_and_comes_back_after_the_block():
    space = NB201Space(channels=4, cells_per_stage=1)
    net = space.build_supernet(10, torch_generator(0))
    x = torch.randn(2, 3, 32, 32)
    before = _count_conv3x3_calls(net, x)  # 6 edges x 3 search cells
    with removed(net, "0->1", "nor_conv_3x3"):
        assert "nor_conv_3x3" not in active_ops(net, "0->1")
        assert _count_conv3x3_calls(net, x) == before - 3
    assert _count_conv3x3_calls(net, x) == before == 18


def test_perturbation_changes_the_output_in_place_without_copying_modules():
    space = NB201Space(channels=4, cells_per_stage=1)
    net = space.build_supernet(10, torch_generator(0)).eval()
    ids = [id(m) for m in net.modules()]
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        base = net(x)
        with only(net, "1->2", "skip_connect"):
            changed = net(x)
        again = net(x)
    assert not torch.allclose(base, changed)
    assert torch.equal(base, again)
    assert ids == [id(m) for m in net.modules()]


def test_zero_mode_runs_a_removed_op_and_weighs_it_zero_like_the_official_code():
    space = NB201Space(channels=4, cells_per_stage=1, removed_ops="zero")
    net = space.build_supernet(10, torch_generator(0))
    x = torch.randn(2, 3, 32, 32)
    with removed(net, "0->1", "nor_conv_3x3"):
        assert _count_conv3x3_calls(net, x) == 18  # still executed: its ReLU still fires


def test_zero_mode_output_equals_the_skipping_supernet_with_official_weights():
    """Weights 1/5 on open edges, 1 on a discretized edge, 0 on a removed op (not renormalised)."""
    skip = NB201Space(channels=4, cells_per_stage=1).build_supernet(10, torch_generator(0)).eval()
    zero = NB201Space(channels=4, cells_per_stage=1, removed_ops="zero").build_supernet(10, torch_generator(0)).eval()
    x = torch.randn(2, 3, 32, 32)
    skip.op_weights = torch.full(skip.op_mask.shape, 0.2)
    skip.op_weights[skip.edges.index("1->2")] = 1.0  # the discretized edge below
    with torch.no_grad(), only(skip, "1->2", "skip_connect"), only(zero, "1->2", "skip_connect"):
        with removed(skip, "0->1", "nor_conv_1x1"), removed(zero, "0->1", "nor_conv_1x1"):
            assert torch.allclose(skip(x), zero(x), atol=1e-6)


def test_unknown_removed_ops_mode_is_refused():
    with pytest.raises(ValueError, match="removed_ops"):
        NB201Space(removed_ops="halve").build_supernet(10, torch_generator(0))
