"""DARTS genotype text: round trips in both notations, malformed input -> BadInput."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nasbench.errors import BadInput
from nasbench_plugins.darts_space.reduced_spaces import SPECS
from nasbench_plugins.darts_space.space import make_space

SPACES = {s.name: make_space(s) for s in SPECS}
DARTS_V2 = (
    "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
    "('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], "
    "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
    "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])"
)


@pytest.mark.parametrize("name", sorted(SPACES))
def test_darts_notation_round_trip(name: str) -> None:
    space = SPACES[name]
    for seed in range(3):
        arch = space.sample(np.random.default_rng(seed))
        assert space.parse(space.format(arch)) == arch


@pytest.mark.parametrize("name", ["darts", "s1", "o1"])
def test_json_round_trip(name: str) -> None:
    space = SPACES[name]
    arch = space.sample(np.random.default_rng(7))
    text = space.format_json(arch)
    assert set(json.loads(text)) == {"normal", "normal_concat", "reduce", "reduce_concat"}
    assert space.parse(text) == arch


def test_published_darts_v2_genotype_parses_with_two_inputs_per_node() -> None:
    space = SPACES["darts"]
    arch = space.parse(DARTS_V2)
    assert sum(op != "none" for op in arch.ops) == 16
    assert arch.ops[space.edges.index("normal:2->5")] == "dil_conv_3x3"
    # node order inside a node is normalised to source order; re-parsing gives the same arch
    assert space.parse(space.format(arch)) == arch


def test_range_concat_is_accepted() -> None:
    text = DARTS_V2.replace("normal_concat=[2, 3, 4, 5]", "normal_concat=range(2, 6)")
    assert SPACES["darts"].parse(text) == SPACES["darts"].parse(DARTS_V2)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Genotype(normal=[('sep_conv_3x3', 0)])",
        DARTS_V2.replace("('sep_conv_3x3', 0)", "('conv_9x9', 0)", 1),  # unknown op
        DARTS_V2.replace("('dil_conv_3x3', 2)", "('dil_conv_3x3', 5)"),  # node 5 cannot read itself
        DARTS_V2.replace("('sep_conv_3x3', 1), ('sep_conv_3x3', 0)", "('sep_conv_3x3', 0), ('sep_conv_3x3', 0)", 1),
        DARTS_V2.replace("normal_concat=[2, 3, 4, 5]", "normal_concat=[4, 5]"),
        DARTS_V2 + "; __import__('os')",
        "Genotype(normal=__import__('os').system('true'), reduce=[])",
        '{"normal": [["sep_conv_3x3", 0]], "reduce": []}',
        '{"normal": "x"}',
        "{not json",
    ],
)
def test_malformed_genotype_is_bad_input(text: str) -> None:
    with pytest.raises(BadInput):
        SPACES["darts"].parse(text)


def test_op_outside_a_reduced_space_is_bad_input() -> None:
    with pytest.raises(BadInput, match="not allowed"):
        SPACES["s2"].parse(DARTS_V2)  # max_pool_3x3 is not in S2


def test_shared_cell_space_rejects_different_cells() -> None:
    with pytest.raises(BadInput, match="shares one cell"):
        SPACES["o1"].parse(DARTS_V2)
