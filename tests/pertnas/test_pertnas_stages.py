"""The three stages and both stage-1 variants on tiny real networks (o1, o2, darts-ops4)."""

from __future__ import annotations

import pytest
from pertnas_helpers import make_ctx

from nasbench_plugins.pertnas.stages import (
    Valuation,
    coarse_evolutionary,
    coarse_supernet,
    fine_grained,
    topology,
)
from nasbench_plugins.pertnas.strategy import PertNASSearch

pytestmark = pytest.mark.usefixtures("single_thread")


def test_stage1_keeps_the_two_real_ops_whose_removal_costs_most():
    v = Valuation({"e": {"none": -5.0, "a": 0.5, "b": -2.0, "c": -1.0, "d": 0.0}})
    assert v.top() == {"e": ("b", "c")}


def test_supernet_stage1_values_every_op_on_every_edge():
    ctx = make_ctx("o1")
    valuation = coarse_supernet(ctx)
    assert set(valuation.values) == set(ctx.space.edges)
    assert all(set(v) == set(ctx.space.candidate_ops(e)) for e, v in valuation.values.items())
    assert ctx.counters.perturbations == 8 * 4


def test_evolutionary_stage1_averages_one_matrix_per_discrete_model():
    ctx = make_ctx("o1", pertnas_population=2)
    valuation, info = coarse_evolutionary(ctx)
    assert info["population"] == 2 and len(info["models"]) == 2
    assert ctx.counters.perturbations == 2 * 8 * 4  # n models x every edge expanded once x |O|
    assert set(valuation.values) == set(ctx.space.edges)
    for model in info["models"]:  # each model evolved: every edge ends on its own best op
        assert set(model["evolved"]) == set(ctx.space.edges)


def test_evolutionary_population_defaults_to_the_papers_n():
    assert make_ctx("o1", pertnas_population=0).settings["pertnas_population"] == 0
    from nasbench_plugins.pertnas.settings import population

    assert population({"pertnas_population": 0}, "o1") == 8
    assert population({"pertnas_population": 0}, "darts") == 4


def test_fine_grained_trains_only_the_top2_ops_and_discretises_every_edge_once():
    ctx = make_ctx("o1")
    top = {e: ("sep_conv_3x3", "skip_connect") for e in ctx.space.edges}
    trainer, decisions, steps = fine_grained(ctx, top)
    net = trainer.net
    assert all(set(ops) == {"sep_conv_3x3", "skip_connect"} for ops in net.edge_ops)  # only top-2 were built
    assert sorted(e for e, _, _ in steps) == sorted(ctx.space.edges)  # each edge valued and decided once
    assert (net.op_mask.sum(dim=1) == 1).all()
    for edge, _v, values in steps:
        assert decisions[edge] == min(values, key=values.get)


def test_topology_keeps_two_inputs_per_intermediate_node():
    ctx = make_ctx("o2")
    top = {e: ctx.space.candidate_ops(e) for e in ctx.space.edges}
    trainer, decisions, steps = fine_grained(ctx, top)
    assert steps == []  # one op per edge: nothing to decide in stage 2
    final, nodes = topology(ctx, trainer, decisions)
    assert len(nodes) == 4
    for _node, _v, values in nodes:
        kept = [e for e in values if final[e] != "none"]
        assert len(kept) == 2
        assert sorted(values[e] for e in kept) == sorted(values.values())[:2]
    arch = ctx.space.complete({e: op for e, op in final.items() if op != "none"})
    assert arch.ops == tuple(final[e] for e in ctx.space.edges)  # already valid: complete() added nothing


@pytest.mark.parametrize("variant", ["supernet", "evolutionary"])
def test_the_strategy_runs_all_stages_on_a_space_with_topology(variant):
    ctx = make_ctx("darts-ops4", pertnas_variant=variant, pertnas_finetune_steps=0)
    outcome = PertNASSearch().search(ctx)
    info = outcome.info
    assert len(info["stage1"]) == 28 and len(outcome.initial) == 28
    assert len(info["stage2"]) == 28 and len(info["stage3"]) == 8
    ctx.space.spec.check(outcome.arch)  # 2 real inputs per node in both cells
    for e, op in zip(ctx.space.edges, outcome.arch.ops):
        assert op == "none" or op in info["top2"][e]
