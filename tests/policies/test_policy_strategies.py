"""Strategies on the toy space / tiny NB201: valid archs, and each one's defining choice."""

from __future__ import annotations

import math

import pytest
from policy_helpers import TINY_TRAIN, make_ctx

from nasbench_plugins.baselines.max_params import MaxParams
from nasbench_plugins.baselines.naswot import NASWOTSearch
from nasbench_plugins.baselines.no_scorer import NoScorer
from nasbench_plugins.baselines.random_search import RandomSearch
from nasbench_plugins.baselines.tenas import TenasSearch
from nasbench_plugins.darts_pt.scorer import DartsPTScorer
from nasbench_plugins.darts_pt.strategy import DartsPTSearch
from nasbench_plugins.oneshot.alpha_scorer import DartsScorer
from nasbench_plugins.oneshot.darts import DartsSearch
from nasbench_plugins.oneshot.training import trained_supernet
from nasbench_plugins.proxies.nwot import NWOT


def test_random_samples_from_the_trial_rng():
    a = RandomSearch().search(make_ctx(NoScorer(), seed=3)).arch
    b = RandomSearch().search(make_ctx(NoScorer(), seed=3)).arch
    assert a == b and len(a.ops) == 3


def test_naswot_keeps_the_best_scored_sample():
    ctx = make_ctx(NoScorer(), strategy=NASWOTSearch(), proxy=NWOT(), settings={"naswot_samples": 4, "batch_size": 8})
    outcome = NASWOTSearch().search(ctx)
    again = ctx.proxy_score(ctx.build_network(outcome.arch), ctx.batch)
    assert math.isclose(again, outcome.info["best_score"], rel_tol=1e-9)
    assert ctx.counters.network_forwards == 5


def test_max_params_on_nb201_is_all_conv3x3():
    ctx = make_ctx(NoScorer(), space="nb201")
    outcome = MaxParams().search(ctx)
    assert outcome.arch.ops == ("nor_conv_3x3",) * 6
    assert all(rec.scores["none"] == 0 for rec in outcome.initial)


def test_darts_strategy_takes_argmax_alpha():
    ctx = make_ctx(DartsScorer(), strategy=DartsSearch(), settings=TINY_TRAIN)
    outcome = DartsSearch().search(ctx)
    alpha = trained_supernet(ctx).alpha.detach()
    ops = ctx.space.candidate_ops("0->1")
    assert outcome.arch.ops == tuple(ops[int(i)] for i in alpha.argmax(dim=1))


def test_darts_pt_decides_every_edge_with_finetuning():
    ctx = make_ctx(DartsPTScorer(), strategy=DartsPTSearch(), settings={**TINY_TRAIN, "pt_tune_epochs": 2})
    outcome = DartsPTSearch().search(ctx)
    assert sorted(r.edge for r in outcome.progressive) == sorted(ctx.space.edges)
    # training + the official NB201 epoch loop: 2 x (3 - 1) tuning epochs, steps at 0, 2, 3 -> 2 + 1
    assert len(trained_supernet(ctx).history) == 1 + 3
    for rec in outcome.progressive:
        assert outcome.arch.ops[ctx.space.edges.index(rec.edge)] == max(rec.scores, key=rec.scores.get)


@pytest.mark.slow
def test_tenas_prunes_to_one_op_per_edge():
    ctx = make_ctx(NoScorer(), strategy=TenasSearch(), settings={"batch_size": 4})
    outcome = TenasSearch().search(ctx)
    assert outcome.info["rounds"] == 3  # 4 ops -> 1 op, one op pruned per edge per round
    assert len(outcome.initial) == 3
    assert ctx.counters.perturbations == 3 * (4 + 3 + 2)
