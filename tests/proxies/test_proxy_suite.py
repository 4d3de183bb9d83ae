"""Every registered proxy on the real tiny NB201 network and masked supernet: runs, is repeatable,
leaves the network as it was, ignores switched-off ops and passes NaN through."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from proxy_testnets import gen, image_batch, tiny_nb201  # noqa: F401 (fixture)
from torch import nn

from nasbench.supernet import removed
from nasbench_plugins.proxies.catalog import built_in_proxies

EDGE, OP = "0->2", "nor_conv_3x3"
pytestmark = pytest.mark.usefixtures("single_thread")


PROXIES = built_in_proxies()
NAMES = tuple(PROXIES)
DOC = Path(__file__).resolve().parents[2] / "docs" / "proxies.md"


def _snapshot(net: nn.Module):
    return (
        {k: v.clone() for k, v in net.state_dict().items()},
        [p.grad for p in net.parameters()],
        [p.requires_grad for p in net.parameters()],
        net.training,
    )


def _same(a, b) -> bool:
    state_a, grads_a, flags_a, mode_a = a
    state_b, grads_b, flags_b, mode_b = b
    return (
        all(torch.equal(state_a[k], state_b[k]) for k in state_a)
        and grads_a == grads_b
        and flags_a == flags_b
        and mode_a == mode_b
    )


def _documented_labels() -> dict[str, bool]:
    """Proxy name -> its `labels` column ("yes"/"no") in the table of docs/proxies.md that has one."""
    lines = DOC.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| name |") and "| labels |" in line)
    table = [[c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]] for line in lines[start:]]
    table = table[: next((i for i, row in enumerate(table) if not row), len(table))]
    column = table[0].index("labels")
    return {row[0].strip("`"): row[column] == "yes" for row in table[2:]}


def test_every_built_in_proxy_is_documented_with_its_labels_flag():
    assert {name: bool(p.needs_labels) for name, p in PROXIES.items()} == _documented_labels()


@pytest.mark.parametrize("name", NAMES)
def test_proxy_scores_masked_supernet_and_leaves_it_untouched(name):
    proxy = PROXIES[name]
    _, supernet = tiny_nb201()
    x, y = image_batch()
    with removed(supernet, EDGE, OP):
        before = _snapshot(supernet)
        value = proxy.score(supernet, x, y, gen(3))
        assert _same(before, _snapshot(supernet))
    assert math.isfinite(value)


@pytest.mark.parametrize("name", NAMES)
def test_switched_off_op_weights_do_not_matter(name):
    proxy = PROXIES[name]
    _, supernet = tiny_nb201()
    x, y = image_batch()
    e = supernet.edges.index(EDGE)
    k = supernet.edge_ops[e].index(OP)
    with removed(supernet, EDGE, OP):
        first = proxy.score(supernet, x, y, gen(3))
        with torch.no_grad():
            for cell in supernet.cells:
                if hasattr(cell, "edge_layers"):
                    for p in cell.edge_layers[e][k].parameters():
                        p.mul_(3.0)
        second = proxy.score(supernet, x, y, gen(3))
    assert second == pytest.approx(first, rel=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_proxy_is_deterministic_for_a_fixed_generator(name):
    proxy = PROXIES[name]
    net, _ = tiny_nb201()
    x, y = image_batch()
    assert proxy.score(net, x, y, gen(5)) == proxy.score(net, x, y, gen(5))


class _NaNGate(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * float("nan")


@pytest.mark.parametrize("name", [n for n in NAMES if n not in ("params", "flops", "tenas_lr", "l2_norm")])
def test_nan_activations_give_nan(name):
    # params/flops/l2_norm do not look at activations; tenas_lr counts sign patterns (NaN > 0 is False)
    net, _ = tiny_nb201()
    net.stem.append(_NaNGate())
    x, y = image_batch()
    assert math.isnan(PROXIES[name].score(net, x, y, gen()))


def test_masking_an_op_changes_the_score():
    _, supernet = tiny_nb201()
    x, y = image_batch()
    proxy = PROXIES["snip"]
    full = proxy.score(supernet, x, y, gen())
    with removed(supernet, EDGE, OP):
        assert proxy.score(supernet, x, y, gen()) != full


@pytest.mark.parametrize("name", NAMES)
def test_arch_without_input_output_path_gives_a_number_not_an_error(name):
    net, _ = tiny_nb201(arch="|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    x, y = image_batch()
    value = PROXIES[name].score(net, x, y, gen())
    assert isinstance(value, float)
    if name in ("jacov", "epe_nas"):
        assert math.isnan(value)  # as the NASWOT reference file: no score for these archs


def _other_space_networks():
    """A tiny DARTS cell network and a tiny NAS-Bench-Macro network, built by their spaces."""
    from nasbench_plugins.darts_space.reduced_spaces import SPECS
    from nasbench_plugins.darts_space.space import make_space
    from nasbench_plugins.macro.space import MacroSpace

    darts = make_space(next(s for s in SPECS if s.name == "darts"))
    darts = darts.with_settings({"darts_eval_channels": 4, "darts_eval_cells": 3})
    macro = MacroSpace({"macro_channels": 4, "macro_head_channels": 16})
    rng = np.random.default_rng(0)
    return {
        "darts": lambda: darts.build_network(darts.sample(rng), 10, gen(1)),
        "macro": lambda: macro.build_network(macro.parse("01201201"), 10, gen(1)),
    }


OTHER_SPACES = _other_space_networks()


@pytest.mark.parametrize("space", sorted(OTHER_SPACES))
@pytest.mark.parametrize("name", NAMES)
def test_proxy_scores_networks_of_other_spaces(name, space):
    net = OTHER_SPACES[space]()
    x, y = image_batch()
    before = _snapshot(net)
    value = PROXIES[name].score(net, x, y, gen(3))
    assert _same(before, _snapshot(net))
    assert math.isfinite(value)
