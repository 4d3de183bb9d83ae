"""Partial search-space pruning (Algorithm 1) and the masks it makes: fraction, stop step, storage."""

from __future__ import annotations

import json
import math

import pytest
import torch
from zos_helpers import darts_ctx

from nasbench.api import new_mask
from nasbench_plugins.proxies.nngp import NNGP
from nasbench_plugins.pruning.engine import prune
from nasbench_plugins.pruning.masks import fraction_left, mask_to_dict, random_mask, read_mask
from nasbench_plugins.pruning.ratio import ratio_importance
from nasbench_plugins.pruning.source import search_mask
from nasbench_plugins.zero_one_shot.strategy import ZeroOneShot

pytestmark = pytest.mark.usefixtures("single_thread")


def _prune(space: str, xi: float, granularity: str):
    ctx = darts_ctx(ZeroOneShot(), space=space)
    net = ctx.supernet
    return net, prune(ctx, net, ratio_importance([NNGP()]), xi, granularity)


def test_pruning_stops_at_the_first_removal_that_takes_the_fraction_to_xi_or_below() -> None:
    net, result = _prune("s3", 0.3, "op")
    fractions = [s["fraction"] for s in result.steps]
    assert fractions[-1] <= 0.3
    assert all(f > 0.3 for f in fractions[:-1])  # no earlier step had crossed it
    assert math.isclose(fraction_left(result.mask, new_mask(net.edge_ops)), fractions[-1])


def test_pruning_removes_the_least_important_op_of_an_edge_at_most_once_per_round() -> None:
    _net, result = _prune("s3", 0.3, "op")
    for step in result.steps:
        scores = result.scores[step["round"]][step["edge"]]
        assert step["importance"] == min(scores.values())
    per_round = [(s["round"], s["edge"]) for s in result.steps]
    assert len(per_round) == len(set(per_round))
    importances = [s["importance"] for s in result.steps if s["round"] == 0]
    assert importances == sorted(importances)  # least important first


def test_round_granularity_tests_the_stop_rule_once_per_round_as_printed() -> None:
    net, result = _prune("s2", 0.5, "round")
    assert result.rounds == 1 and len(result.steps) == len(net.edges)  # every edge loses one op
    assert result.steps[-1]["fraction"] == pytest.approx(0.5 ** len(net.edges))


def test_random_masks_keep_an_op_per_edge_and_are_a_function_of_the_seed() -> None:
    ctx = darts_ctx(ZeroOneShot(), settings={"mask_source": "random", "xi": 0.1})
    net = ctx.supernet
    a, _ = search_mask(ctx, net)
    b, _ = search_mask(darts_ctx(ZeroOneShot(), settings={"mask_source": "random", "xi": 0.1}), net)
    c, _ = search_mask(darts_ctx(ZeroOneShot(), settings={"mask_source": "random", "xi": 0.1}, seed=1), net)
    assert bool(a.any(dim=1).all())  # xi = 0.1 empties many edges before the repair
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_random_mask_keeps_each_op_with_probability_xi() -> None:
    edge_ops = (tuple("abcdefgh"),) * 2000
    mask = random_mask(edge_ops, 0.5, torch.Generator().manual_seed(0))
    assert abs(float(mask.float().mean()) - 0.5) < 0.02


def test_a_stored_mask_reads_back_from_file_and_inline(tmp_path) -> None:
    ctx = darts_ctx(ZeroOneShot(), settings={"mask_source": "random"})
    mask, info = search_mask(ctx, ctx.supernet)
    path = tmp_path / "mask.json"
    path.write_text(json.dumps(info["mask"]))
    assert torch.equal(read_mask(ctx.supernet, str(path)), mask)
    assert torch.equal(read_mask(ctx.supernet, json.dumps(mask_to_dict(ctx.supernet, mask))), mask)


def test_xi_as_a_fraction_of_ops_prunes_until_half_the_candidate_ops_are_left() -> None:
    ctx = darts_ctx(ZeroOneShot(), space="s3", settings={"mask_source": "prune", "xi_measure": "ops"})
    mask, info = search_mask(ctx, ctx.supernet)
    assert info["mask"]["op_fraction"] <= 0.5
    assert [s["fraction"] for s in info["prune_steps"][:-1]] == sorted(
        [s["fraction"] for s in info["prune_steps"][:-1]], reverse=True
    )
    assert info["prune_steps"][-2]["fraction"] > 0.5  # stopped at the first removal that crossed it
    assert int(mask.sum()) == len(ctx.supernet.edges) * 3 // 2  # 84 candidates -> 42
