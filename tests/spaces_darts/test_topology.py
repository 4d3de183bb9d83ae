"""Topology selection: top-2 inputs per node from edge strengths, perturbation strengths restore the mask."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from nasbench.measure import Counters
from nasbench.topology import apply_topology, perturbation_strengths, select_topology
from nasbench.torchutil import torch_generator
from nasbench_plugins.darts_space.reduced_spaces import SPECS
from nasbench_plugins.darts_space.space import make_space

DARTS = make_space(SPECS[0]).with_settings({"darts_channels": 4, "darts_cells": 3})


pytestmark = pytest.mark.usefixtures("single_thread")  # see nasbench.testing


def test_keeps_the_two_strongest_real_inputs_per_node() -> None:
    decisions = {e: "sep_conv_3x3" for e in DARTS.edges}
    decisions["normal:3->5"] = "none"
    strength = {e: float(i) for i, e in enumerate(DARTS.edges)}
    strength["normal:3->5"] = 1e9  # strongest, but its op is none: not kept
    strength["normal:0->4"] = 1e6
    out = select_topology(DARTS, decisions, strength)
    kept5 = [e for e in DARTS.topology.groups["normal:5"] if out[e] != "none"]
    assert kept5 == ["normal:2->5", "normal:4->5"]
    kept4 = [e for e in DARTS.topology.groups["normal:4"] if out[e] != "none"]
    assert kept4 == ["normal:0->4", "normal:3->4"]
    arch = DARTS.complete(out)
    assert sum(op != "none" for op in arch.ops) == 16


def test_space_without_a_rule_is_unchanged() -> None:
    decisions = {"a": "x", "b": "y"}
    assert select_topology(SimpleNamespace(), decisions, {}) == decisions


def _ctx():
    net = DARTS.build_supernet(10, torch_generator(0))
    x = torch.randn(4, 3, 8, 8, generator=torch_generator(1))

    def proxy_score(n):
        with torch.inference_mode():
            return float(n(x).square().sum())

    return SimpleNamespace(space=DARTS, supernet=net, proxy=object(), proxy_score=proxy_score, counters=Counters())


def test_perturbation_strength_is_the_score_drop_and_restores_the_mask() -> None:
    ctx = _ctx()
    before = ctx.supernet.op_mask.clone()
    edges = ["normal:0->2", "reduce:1->3"]
    strengths = perturbation_strengths(ctx, {"normal:0->2": "skip_connect"}, edges)
    assert torch.equal(ctx.supernet.op_mask, before)
    assert set(strengths) == set(edges) and all(v != 0.0 for v in strengths.values())
    assert ctx.counters.perturbations == 2


def test_apply_topology_gives_a_valid_genotype() -> None:
    ctx = _ctx()
    decisions = {e: "skip_connect" for e in DARTS.edges}
    arch = DARTS.complete(apply_topology(ctx, decisions))
    assert sum(op == "skip_connect" for op in arch.ops) == 16
