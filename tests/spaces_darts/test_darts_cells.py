"""DARTS cell wiring on tiny shapes: output shapes, reductions, masked ops not executed, complete()."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nasbench.errors import BadInput
from nasbench.supernet import discretize
from nasbench.torchutil import torch_generator
from nasbench_plugins.darts_space.network import DartsNetwork, DartsSupernet, InferCell, SearchCell
from nasbench_plugins.darts_space.reduced_spaces import SPECS
from nasbench_plugins.darts_space.space import make_space

SPECS_BY_NAME = {s.name: s for s in SPECS}
TINY = {"darts_channels": 4, "darts_cells": 3, "darts_eval_channels": 4, "darts_eval_cells": 3}


pytestmark = pytest.mark.usefixtures("single_thread")  # see nasbench.testing


def tiny(name: str = "darts"):
    return make_space(SPECS_BY_NAME[name]).with_settings(TINY)


def test_space_shape_and_topology_rule() -> None:
    space = tiny()
    assert len(space.edges) == 28 and space.edges[0] == "normal:0->2" and space.edges[14] == "reduce:0->2"
    assert space.candidate_ops("normal:3->5") == SPECS_BY_NAME["darts"].edge_ops[0]
    assert space.topology.keep == 2 and space.topology.groups["normal:5"][-1] == "normal:4->5"
    assert make_space(SPECS_BY_NAME["o1"]).topology is None


def test_reduction_cell_halves_spatial_size_and_concats_four_nodes() -> None:
    space = tiny()
    genotype = space.genotype(space.sample(np.random.default_rng(0)))
    gen = torch_generator(0)
    normal = InferCell(genotype["normal"], 6, 6, 4, False, False, gen)
    reduce = InferCell(genotype["reduce"], 6, 6, 8, True, False, gen)
    x = torch.randn(2, 6, 8, 8)
    assert normal(x, x).shape == (2, 16, 8, 8)
    assert reduce(x, x).shape == (2, 32, 4, 4)


def test_discrete_network_output_and_auxiliary_head() -> None:
    space = tiny()
    arch = space.sample(np.random.default_rng(1))
    net = DartsNetwork(space.genotype(arch), 10, torch_generator(0), channels=4, cells=3, auxiliary=True)
    logits, aux = net.forward_with_aux(torch.randn(2, 3, 32, 32))  # the head expects 8x8 maps
    assert logits.shape == (2, 10) and aux is not None and aux.shape == (2, 10)
    assert net(torch.randn(2, 3, 16, 16)).shape == (2, 10)


def test_discrete_network_is_a_function_of_the_generator_seed() -> None:
    space = tiny()
    arch = space.sample(np.random.default_rng(2))
    a = space.build_network(arch, 10, torch_generator(5))
    b = space.build_network(arch, 10, torch_generator(5))
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def _calls(net: DartsSupernet, edge: str, op: str) -> list[int]:
    e = net.edges.index(edge)
    k = net.edge_ops[e].index(op)
    kind, pair = edge.split(":")
    j, t = (int(v) for v in pair.split("->"))
    seen: list[int] = []
    for cell in net.cells:
        if isinstance(cell, SearchCell) and cell.rows[0][0] == net.edges.index(f"{kind}:0->2"):
            r = next(i for i, (idx, _, _) in enumerate(cell.rows) if idx == e)
            cell.edge_ops[r][k].register_forward_hook(lambda *_: seen.append(1))
    return seen


def test_masked_op_is_not_executed() -> None:
    net = tiny().build_supernet(10, torch_generator(0))
    seen = _calls(net, "normal:1->3", "sep_conv_5x5")
    x = torch.randn(2, 3, 8, 8)
    net(x)
    assert seen, "the op should run while it is on"
    seen.clear()
    discretize(net, "normal:1->3", "skip_connect")
    out = net(x)
    assert not seen and out.shape == (2, 10)


@pytest.mark.parametrize("partial", [1, 4])
def test_supernet_output_shape_and_all_ops_off(partial: int) -> None:
    spec = SPECS_BY_NAME["darts"]
    net = DartsSupernet(spec, 10, torch_generator(0), channels=8, cells=3, partial_channels=partial)
    x = torch.randn(2, 3, 8, 8)
    assert net(x).shape == (2, 10)
    net.op_mask.zero_()  # every edge removed: nodes become zeros, the net still runs
    assert net(x).shape == (2, 10)


def test_noise_op_ignores_its_input_values() -> None:
    space = tiny("s4")
    arch = space.complete({e: "noise" for e in space.edges})
    net = space.build_network(arch, 10, torch_generator(0))
    cell_op = net.cells[0].ops[0]
    a, b = cell_op(torch.zeros(1, 4, 4, 4)), cell_op(torch.zeros(1, 4, 4, 4))
    assert a.shape == (1, 4, 4, 4) and not torch.equal(a, b) and a.std() > 0.5


def test_complete_gives_two_real_inputs_per_node() -> None:
    space = tiny()
    arch = space.complete({e: "sep_conv_3x3" for e in space.edges})
    assert sum(op != "none" for op in arch.ops) == 16
    arch = space.complete({})  # nothing decided: lowest inputs, first real op
    assert arch.ops[space.edges.index("normal:0->2")] == "max_pool_3x3"
    with pytest.raises(BadInput):
        space.complete({"normal:9->2": "skip_connect"})


def test_fixed_topology_space_needs_every_edge() -> None:
    space = tiny("o1")
    with pytest.raises(BadInput, match="undecided"):
        space.complete({})
    arch = space.complete({e: "sep_conv_5x5" for e in space.edges})
    g = space.genotype(arch)
    assert g["normal"] == g["reduce"] and [j for _op, j in g["normal"]] == [0, 1] * 4


def test_factorized_reduce_gives_darts_values_on_even_sizes_and_runs_on_odd_ones() -> None:
    from nasbench_plugins.darts_space.ops import FactorizedReduce

    op = FactorizedReduce(3, 4, affine=False).eval()
    x = torch.randn(2, 3, 6, 6, generator=torch_generator(0))
    relu = torch.relu(x)
    darts = op.bn(torch.cat([op.conv_1(relu), op.conv_2(relu[:, :, 1:, 1:])], dim=1))  # DARTS' own forward
    assert torch.equal(op(x), darts)
    assert op(torch.randn(2, 3, 3, 3, generator=torch_generator(1))).shape == (2, 4, 2, 2)
