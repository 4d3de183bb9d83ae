"""The official projection's rules, and the three hazards found while reading the official code."""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from types import SimpleNamespace

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "policies"))
from policy_helpers import TINY_TRAIN, make_ctx  # noqa: E402

from nasbench.api import active_ops, new_mask  # noqa: E402
from nasbench_plugins.darts_pt.disc_acc import DiscAccScorer  # noqa: E402
from nasbench_plugins.darts_pt.projection import Projection  # noqa: E402
from nasbench_plugins.darts_pt.scorer import DartsPTScorer  # noqa: E402
from nasbench_plugins.darts_pt.strategy import DartsPTSearch  # noqa: E402
from nasbench_plugins.nb201.network import NB201Supernet  # noqa: E402
from nasbench_plugins.oneshot.search_mask import AlphaDriver, apply_search_mask, edge_weights  # noqa: E402
from nasbench_plugins.oneshot.training import trained_supernet  # noqa: E402


def test_an_edge_left_with_one_op_by_a_perturbation_keeps_its_softmax_weight():
    alpha = torch.tensor([[0.0, 1.0], [0.0, 1.0]])
    mask = torch.tensor([[False, True], [True, False]])  # edge 0 perturbed, edge 1 decided
    full = torch.ones(2, 2, dtype=torch.bool)
    official = edge_weights(alpha, mask, full, decided=torch.tensor([False, True]))
    assert torch.allclose(official[0], torch.softmax(alpha[0], 0))  # two-op: not renormalised
    assert official[1].tolist() == [1.0, 0.0]
    assert edge_weights(alpha, mask, full)[0].tolist() == [0.0, 1.0]  # nasbench-v1: weight 1


def _eliminating(values: dict[str, tuple[float, float]], crit: str) -> Projection:
    net = SimpleNamespace(edges=tuple(values), op_mask=torch.ones(len(values), 2, dtype=torch.bool))
    proj = Projection(SimpleNamespace(net=net, driver=SimpleNamespace()), data=None, crit=crit)
    proj._edge_removed_value = lambda edge: values[edge]
    return proj


def test_a_node_drops_the_input_whose_removal_leaves_the_best_accuracy_the_last_one_on_ties():
    proj = _eliminating({"a": (50.0, 1.0), "b": (60.0, 1.0), "c": (60.0, 1.0), "d": (40.0, 1.0)}, "acc")
    kept, rounds = proj.eliminate(["a", "b", "c", "d"], keep=2)
    assert kept == ["a", "d"] and len(rounds) == 2  # c dropped first (last of the tie), then b
    assert proj.net.op_mask[[1, 2]].sum() == 0


def test_with_the_loss_criterion_a_node_drops_the_lowest_loss():
    proj = _eliminating({"a": (0.0, 2.0), "b": (0.0, 1.0), "c": (0.0, 3.0)}, "loss")
    assert proj.eliminate(["a", "b", "c"], keep=2)[0] == ["a", "c"]


def test_blocked_removed_ops_keep_alphas_gradient():
    net = NB201Supernet(10, 4, 1, removed_ops="blocked")
    alpha = (1e-3 * torch.randn(6, 5, generator=torch.Generator().manual_seed(0))).requires_grad_(True)
    AlphaDriver(net, alpha)
    net(torch.randn(2, 3, 8, 8)).sum().backward()
    assert alpha.grad is not None and alpha.grad.abs().sum() > 0


def test_disc_acc_with_tuning_restores_the_optimizer_states_for_every_op():
    ctx = make_ctx(DiscAccScorer(), settings={**TINY_TRAIN, "disc_tune_epochs": 1})
    trainer = trained_supernet(ctx)
    before = copy.deepcopy((trainer.optimizer.state_dict(), trainer.arch_optimizer.state_dict(), trainer.epoch))
    DiscAccScorer().score_edge(ctx, {}, "0->1")
    after = (trainer.optimizer.state_dict(), trainer.arch_optimizer.state_dict(), trainer.epoch)
    assert after[2] == before[2]
    for a, b in zip(after[:2], before[:2]):
        assert all(
            torch.equal(x, y) for k in b["state"] for x, y in zip(a["state"][k].values(), b["state"][k].values())
        )


def test_darts_pt_under_a_search_mask_never_switches_pruned_ops_back_on():
    ctx = make_ctx(DartsPTScorer(), strategy=DartsPTSearch(), settings={**TINY_TRAIN, "pt_tune_epochs": 0})
    mask = new_mask(ctx.supernet.edge_ops)
    mask[:, 3] = False  # conv3x3 pruned everywhere
    apply_search_mask(ctx.supernet, mask)
    outcome = DartsPTSearch().search(ctx)
    assert "conv3x3" not in outcome.arch.ops
    assert all("conv3x3" not in rec.scores for rec in outcome.initial + outcome.progressive)
    assert torch.equal(ctx.supernet.op_mask, mask)
    assert all("conv3x3" not in active_ops(ctx.supernet, e) for e in ctx.supernet.edges)


def test_nasbench_v1_semantics_is_todays_search():
    settings = {**TINY_TRAIN, "pt_tune_epochs": 1, "dartspt_semantics": "nasbench-v1"}
    ctx = make_ctx(DartsPTScorer(), strategy=DartsPTSearch(), settings=settings)
    outcome = DartsPTSearch().search(ctx)
    assert len(trained_supernet(ctx).history) == 1 + 2  # one tuning epoch between 3 edges
    assert "supernet_accuracy_after_edge" in outcome.info


def test_skipping_the_initial_scores_saves_one_measurement_per_op_and_edge():
    counts = []
    for initial in (True, False):
        settings = {**TINY_TRAIN, "pt_tune_epochs": 0, "pt_initial_scores": initial}
        ctx = make_ctx(DartsPTScorer(), strategy=DartsPTSearch(), settings=settings)
        outcome = DartsPTSearch().search(ctx)
        assert len(outcome.progressive) == 3 and len(outcome.initial) == (3 if initial else 0)
        counts.append(ctx.counters.perturbations)
    assert counts == [3 * 4 + 2 * 4, 3 * 4]  # the first decision reuses its edge's A_0 scores
