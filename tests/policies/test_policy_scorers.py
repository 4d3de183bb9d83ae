"""The four scorers: right sign and source, masks restored, perturbations counted."""

from __future__ import annotations

import torch
from policy_helpers import TINY_TRAIN, make_ctx

from nasbench.supernet import new_mask, only, removed
from nasbench.testing import FirstDrawProxy
from nasbench_plugins.darts_pt.disc_acc import DiscAccScorer
from nasbench_plugins.darts_pt.scorer import DartsPTScorer
from nasbench_plugins.oneshot.alpha_scorer import DartsScorer
from nasbench_plugins.oneshot.training import supernet_accuracy, trained_supernet
from nasbench_plugins.proxies.nwot import NWOT
from nasbench_plugins.zero_cost_pt.disc_zc import DiscZC

EDGE = "0->1"


def _trained(scorer, **settings):
    ctx = make_ctx(scorer, settings={**TINY_TRAIN, **settings})
    trained_supernet(ctx)
    return ctx


def test_darts_scores_are_the_trained_alphas():
    ctx = _trained(DartsScorer())
    scores = DartsScorer().score_edge(ctx, {}, EDGE)
    alpha = trained_supernet(ctx).alpha.detach()[0]
    assert scores == {op: float(alpha[k]) for k, op in enumerate(ctx.space.candidate_ops(EDGE))}


def test_darts_pt_score_is_minus_accuracy_on_the_whole_valid_half_with_op_removed():
    ctx = _trained(DartsPTScorer())
    scores = DartsPTScorer().score_edge(ctx, {}, EDGE)
    valid = len(trained_supernet(ctx).valid_set)  # official: every valid image, one count per image
    assert all(abs(-v * valid / 100 - round(-v * valid / 100)) < 1e-9 for v in scores.values())
    assert torch.equal(ctx.supernet.op_mask, new_mask(ctx.supernet.edge_ops))
    assert ctx.counters.perturbations == 4


def test_darts_pt_with_measure_ablated_scores_the_fixed_first_batches():
    ctx = _trained(DartsPTScorer(), dartspt_ablate="measure")
    scores = DartsPTScorer().score_edge(ctx, {}, EDGE)
    net = ctx.supernet
    assert torch.equal(net.op_mask, new_mask(net.edge_ops))
    with removed(net, EDGE, "conv3x3"):
        assert scores["conv3x3"] == -supernet_accuracy(ctx)
    assert ctx.counters.perturbations == 4


def test_disc_acc_score_is_accuracy_with_edge_discretized():
    ctx = _trained(DiscAccScorer())
    scores = DiscAccScorer().score_edge(ctx, {}, EDGE)
    with only(ctx.supernet, EDGE, "skip"):
        assert scores["skip"] == supernet_accuracy(ctx)
    assert all(0 <= v <= 100 for v in scores.values())


def test_disc_acc_fine_tuning_restores_the_supernet():
    ctx = _trained(DiscAccScorer(), disc_tune_epochs=1)
    before = {k: v.clone() for k, v in ctx.supernet.state_dict().items()}
    DiscAccScorer().score_edge(ctx, {}, EDGE)
    after = ctx.supernet.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_disc_zc_scores_the_discretized_supernet_with_the_proxy():
    ctx = make_ctx(DiscZC(), proxy=NWOT())
    ctx.settings["batch_size"] = 8
    scores = DiscZC().score_edge(ctx, {}, EDGE)
    with only(ctx.supernet, EDGE, "conv1x1"):
        assert scores["conv1x1"] == ctx.proxy_score(ctx.supernet)
    assert torch.equal(ctx.supernet.op_mask, new_mask(ctx.supernet.edge_ops))
    assert ctx.counters.perturbations == 4


def test_every_candidate_of_a_trial_gets_the_same_random_inputs():
    ctx = make_ctx(DiscZC(), proxy=FirstDrawProxy(), images=64)
    first = ctx.proxy_score(ctx.supernet)
    with removed(ctx.supernet, ctx.space.edges[0], "conv1x1"):
        second = ctx.proxy_score(ctx.supernet)
    assert first == second
    other_seed = make_ctx(DiscZC(), proxy=FirstDrawProxy(), images=64, seed=1)
    assert first != other_seed.proxy_score(ctx.supernet)
