"""Every DARTS-space method on darts, s1-s3 and o1 at tiny settings, and each one's topology rule."""

from __future__ import annotations

import numpy as np
import pytest
from zos_helpers import TINY_TRAIN, darts_ctx

from nasbench_plugins.baselines.max_params import MaxParams, param_count
from nasbench_plugins.baselines.tenas import TenasSearch
from nasbench_plugins.darts_pt.scorer import DartsPTScorer
from nasbench_plugins.darts_pt.strategy import DartsPTSearch
from nasbench_plugins.oneshot.darts import BetaDartsSearch, OneShotSearch, PCDartsSearch
from nasbench_plugins.oneshot.training import edge_weights, search_candidates, trained_supernet
from nasbench_plugins.zero_one_shot.etenas import ETENAS
from nasbench_plugins.zero_one_shot.strategy import ZeroOneShot

pytestmark = pytest.mark.usefixtures("single_thread")

METHODS = {
    "darts": (OneShotSearch, TINY_TRAIN),
    "pc-darts": (PCDartsSearch, TINY_TRAIN),
    "beta-darts": (BetaDartsSearch, TINY_TRAIN),
    "darts-rnd": (OneShotSearch, {**TINY_TRAIN, "mask_source": "random"}),
    "zero-one-shot": (ZeroOneShot, TINY_TRAIN),
    "zero-one-shot-rnd": (ZeroOneShot, {**TINY_TRAIN, "mask_source": "random"}),
    "etenas": (ETENAS, {}),
    "etenas-pc": (ETENAS, {"darts_partial_channels": 4}),
    "darts-pt": (DartsPTSearch, {**TINY_TRAIN, "pt_tune_epochs": 0}),
    "tenas": (TenasSearch, {"batch_size": 4}),
    "max-params": (MaxParams, {}),
}
#: minutes on one CPU thread at these sizes (pruning / perturbing every op of 28 edges)
SLOW = {("darts", m) for m in ("etenas", "etenas-pc", "darts-pt", "tenas", "zero-one-shot")}
SLOW |= {(s, "tenas") for s in ("s1", "s2", "s3", "o1")}


def _search(method: str, space: str):
    cls, settings = METHODS[method]
    ctx = darts_ctx(cls(), space=space, settings=settings)
    if cls is DartsPTSearch:
        ctx.scorer = DartsPTScorer()
    return ctx, cls().search(ctx)


def _kept(ctx, arch, node: str) -> set[str]:
    return {e for e in ctx.space.topology.groups[node] if arch.ops[ctx.space.edges.index(e)] != "none"}


def _top2_by(ctx, arch, strength: dict[str, float]) -> None:
    """Every node whose real candidates were scored keeps the 2 strongest of them."""
    for node, edges in ctx.space.topology.groups.items():
        scored = [e for e in edges if e in strength]
        if len(scored) >= 2:
            best = sorted(scored, key=lambda e: (strength[e], -edges.index(e)), reverse=True)[:2]
            assert _kept(ctx, arch, node) == set(best), node


CASES = [
    pytest.param(method, space, marks=[pytest.mark.slow, pytest.mark.heavy] if (space, method) in SLOW else [])
    for method in METHODS
    for space in ("darts", "s1", "s2", "s3", "o1")
]


@pytest.mark.parametrize("method,space", CASES)
def test_method_finds_a_valid_arch(method: str, space: str) -> None:
    ctx, outcome = _search(method, space)
    ctx.space.spec.check(outcome.arch)  # every op a candidate, 2 inputs per node where searched


def test_darts_keeps_the_two_incoming_edges_with_the_largest_softmax_alpha() -> None:
    ctx, outcome = _search("darts", "darts")
    trainer = trained_supernet(ctx)
    cand = search_candidates(trainer.net)
    weights = edge_weights(trainer.alpha.detach(), cand, cand)
    strength = {}
    for e, edge in enumerate(ctx.space.edges):
        real = {op: float(weights[e, k]) for k, op in enumerate(ctx.space.candidate_ops(edge)) if op != "none"}
        best = max(real, key=real.get)
        strength[edge] = real[best]
        assert outcome.arch.ops[e] in ("none", best)  # a kept edge takes its best op other than none
    assert outcome.info["edge_strength"] == pytest.approx(strength)
    _top2_by(ctx, outcome.arch, strength)


def test_pc_darts_ranks_edges_by_alpha_times_the_edge_normalisation() -> None:
    ctx, outcome = _search("pc-darts", "s3")
    _top2_by(ctx, outcome.arch, outcome.info["edge_strength"])


def test_darts_pt_selects_the_topology_by_perturbation() -> None:
    ctx, outcome = _search("darts-pt", "s2")
    groups = ctx.space.topology.groups
    nodes = [entry for step in outcome.info["steps"] for entry in step["log"] if "node" in entry]
    # every node with more than 2 inputs drops them one per round of perturbations (official DARTS-PT)
    assert {n["node"] for n in nodes} == {node for node, edges in groups.items() if len(edges) > 2}
    for n in nodes:
        assert len(n["rounds"]) == len(groups[n["node"]]) - 2
        real = {e for e in groups[n["node"]] if outcome.arch.ops[ctx.space.edges.index(e)] != "none"}
        assert real == set(n["kept"])


def test_etenas_prunes_to_one_op_per_edge_and_keeps_the_top_two_edges() -> None:
    ctx, outcome = _search("etenas", "s3")
    assert outcome.info["rounds"] == 2  # 3 ops -> 1, one op per edge per round
    _top2_by(ctx, outcome.arch, outcome.info["edge_strength"])


@pytest.mark.slow
@pytest.mark.heavy
def test_tenas_prunes_edges_until_two_per_node() -> None:
    ctx, outcome = _search("tenas", "s2")
    assert outcome.info["rounds"] == 1 and outcome.info["topology_rounds"] == 3  # node 5: 5 edges -> 2


def test_max_params_on_darts_has_at_least_the_params_of_any_sampled_arch() -> None:
    ctx, outcome = _search("max-params", "darts")
    best = param_count(ctx, outcome.arch)
    rng = np.random.default_rng(0)
    assert all(param_count(ctx, ctx.space.sample(rng)) <= best for _ in range(20))
    assert {op for op in outcome.arch.ops if op != "none"} == {"sep_conv_5x5"}
