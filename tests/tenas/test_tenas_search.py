"""The ``tenas`` strategy with the official semantics and with each item switched off, at tiny sizes."""

from __future__ import annotations

import pytest
from tenas_helpers import tenas_ctx

from nasbench.errors import BadInput
from nasbench_plugins.tenas.strategy import TenasSearch


def _search(space: str = "nb201", **settings):
    ctx = tenas_ctx(space, settings)
    return ctx, TenasSearch().search(ctx)


def _recording_phases(ctx) -> list:
    """The progress phases ``ctx`` opens from now on (the real ``Progress`` objects)."""
    phases, real = [], ctx.progress

    def progress(total, desc):
        phases.append(real(total, desc))
        return phases[-1]

    ctx.progress = progress
    return phases


@pytest.fixture(scope="module")
def official():
    """One official NB201 search (shared by the tests that only read it), with its progress phases."""
    ctx = tenas_ctx("nb201", {})
    ctx.phases = _recording_phases(ctx)
    return ctx, TenasSearch().search(ctx)


def test_official_nb201_masks_none_first_and_prunes_one_op_per_edge_per_round(official):
    ctx, outcome = official
    assert outcome.info["semantics"] == "official" and outcome.info["ablated"] == []
    assert outcome.info["rounds"] == 3  # 4 ops left once none is off: 4 -> 3 -> 2 -> 1
    assert ctx.counters.perturbations == 6 * (4 + 3 + 2)
    assert "none" not in outcome.arch.ops
    assert [len(r) for r in outcome.info["log"]] == [24, 18, 12]
    assert sorted((e, o) for _r, e, o in outcome.info["pruned"] if _r == 0) == sorted(
        (e, min(ops, key=ops.get)) for e, ops in _round_scores(outcome, 0).items()
    )


def test_each_round_is_a_progress_phase_with_one_unit_per_measured_candidate(official):
    ctx, _outcome = official
    assert [(p.phase, p.total, p.done) for p in ctx.phases] == [
        ("tenas round 1", 24, 24),
        ("tenas round 2", 18, 18),
        ("tenas round 3", 12, 12),
    ]


def _round_scores(outcome, rnd: int) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for edge, op, _ntk, _regions, score in outcome.info["log"][rnd]:
        out.setdefault(edge, {})[op] = score
    return out


@pytest.mark.slow
def test_with_none_ablated_none_is_a_candidate_and_one_more_round_runs():
    ctx, outcome = _search(tenas_ablate="none")
    assert outcome.info["rounds"] == 4 and ctx.counters.perturbations == 6 * (5 + 4 + 3 + 2)
    assert "none" in {op for _e, op, *_ in outcome.info["log"][0]}


@pytest.mark.slow
def test_the_search_is_a_function_of_the_seed(official):
    _, b = _search()
    assert official[1].arch == b.arch and official[1].info["log"] == b.info["log"]


@pytest.mark.slow
@pytest.mark.parametrize("item", ["thin", "ntk_net", "rank", "repeats"])
def test_each_item_switched_off_alone_still_finds_an_arch(item):
    ctx, outcome = _search(tenas_ablate=item, tenas_repeats=2)
    assert outcome.info["ablated"] == [item]
    assert len(outcome.arch.ops) == 6 and "none" not in outcome.arch.ops


def test_official_rank_sums_are_the_scores_and_the_lowest_is_pruned(official):
    _, outcome = official
    for rnd in range(outcome.info["rounds"]):
        pruned = {e: o for r, e, o in outcome.info["pruned"] if r == rnd}
        for edge, ops in _round_scores(outcome, rnd).items():
            assert ops[pruned[edge]] == min(ops.values())


@pytest.mark.slow
def test_nasbench_v1_is_the_earlier_tenas():
    ctx, outcome = _search(tenas_semantics="nasbench-v1")
    assert outcome.info["semantics"] == "nasbench-v1"
    assert outcome.info["rounds"] == 4  # none is a candidate there


def test_ablating_under_nasbench_v1_is_one_clear_error():
    with pytest.raises(BadInput, match="drop it with tenas_semantics=nasbench-v1"):
        _search(tenas_semantics="nasbench-v1", tenas_ablate="rank")


@pytest.mark.slow
@pytest.mark.heavy  # 332 candidates: ~10 min on the shared box; s3 below covers the same path in CI
def test_official_darts_prunes_three_ops_per_edge_then_each_node_to_two_edges():
    ctx, outcome = _search("darts", tenas_lr_samples=10)
    assert outcome.info["prune_number"] == 3 and outcome.info["rounds"] == 2  # 7 ops -> 4 -> 1
    ctx.space.spec.check(outcome.arch)  # every node keeps exactly 2 real inputs
    assert len(outcome.info["edge_pruned"]) == 2 * (1 + 2 + 3)  # nodes 3, 4, 5 of both cells
    # node by node: one ranking per node with more than 2 inputs, normal cell first
    assert [len(group) for group in outcome.info["edge_log"]] == [3, 4, 5, 3, 4, 5]


@pytest.mark.slow
def test_official_s3_masks_none_prunes_the_other_op_then_nodes_one_by_one():
    ctx = tenas_ctx("s3", {"tenas_lr_samples": 10})
    phases = _recording_phases(ctx)
    outcome = TenasSearch().search(ctx)
    assert outcome.info["rounds"] == 1  # {skip, sep3} once none is off: 3 per round, never all of an edge
    assert {op for op in outcome.arch.ops} <= {"none", "skip_connect", "sep_conv_3x3"}
    ctx.space.spec.check(outcome.arch)
    assert [len(group) for group in outcome.info["edge_log"]] == [3, 4, 5, 3, 4, 5]
    nodes = [(p.phase, p.done) for p in phases[1:]]  # after the op round, one phase per node step
    assert nodes == [(f"tenas node {k}", n) for k, n in enumerate([3, 4, 5, 3, 4, 5], start=1)]


@pytest.mark.slow
def test_darts_schedule_ablated_prunes_one_op_and_one_edge_per_node_per_round():
    ctx, outcome = _search("s3", tenas_ablate="schedule", tenas_lr_samples=10)
    assert outcome.info["prune_number"] == 1
    ctx.space.spec.check(outcome.arch)
    assert len(outcome.info["edge_log"]) == 3  # node 5 has 5 inputs: 3 rounds to get to 2
