"""Delta V (PertNAS Eq. 4) on tiny real DARTS-cell networks: sign, restoration, masking, DARTS-PT."""

from __future__ import annotations

import pytest
import torch
from pertnas_helpers import make_ctx

from nasbench.api import removed
from nasbench_plugins.darts_pt.scorer import DartsPTScorer
from nasbench_plugins.oneshot.training import trained_supernet
from nasbench_plugins.pertnas.models import build_model, new_trainer, transfer_weights
from nasbench_plugins.pertnas.valuation import accuracy, perturbed_accuracy, ranked, train_steps, value_edge

pytestmark = pytest.mark.usefixtures("single_thread")
EDGE = "cell:0->2"


def _trained(space="o1", **settings):
    ctx = make_ctx(space, **settings)
    return ctx, trained_supernet(ctx)


def test_delta_v_is_accuracy_with_the_op_masked_minus_unperturbed_accuracy():
    ctx, trainer = _trained(pertnas_finetune_steps=0)
    v_star, values = value_edge(trainer, EDGE, ctx.settings, finetune_seed=0)
    assert v_star == accuracy(trainer, 1)
    for op, dv in values.items():
        with removed(trainer.net, EDGE, op):
            assert dv == accuracy(trainer, 1) - v_star


def test_removing_an_op_that_computes_nothing_is_worth_exactly_zero():
    ctx, trainer = _trained("darts", pertnas_finetune_steps=0)
    _v, values = value_edge(trainer, "normal:0->2", ctx.settings, finetune_seed=0, ops=("none",))
    assert values == {"none": 0.0}


def test_most_negative_delta_v_ranks_first():
    assert ranked({"a": 1.0, "b": -3.0, "c": -0.5, "none": -9.0}, exclude=("none",)) == ["b", "c", "a"]


def test_fine_tuned_valuation_leaves_weights_and_mask_as_they_were():
    ctx, trainer = _trained(pertnas_finetune_steps=2)
    net = trainer.net
    before = {k: v.clone() for k, v in net.state_dict().items()}
    mask = net.op_mask.clone()
    value_edge(trainer, EDGE, ctx.settings, finetune_seed=0)
    assert torch.equal(net.op_mask, mask)
    # BN counters tick at every evaluation (the engine's accuracy); weights and running stats do not move
    after = {k: v for k, v in net.state_dict().items() if not k.endswith("num_batches_tracked")}
    assert all(torch.equal(before[k], v) for k, v in after.items())


def test_perturbed_accuracy_is_reproducible_from_the_same_shared_weights():
    _ctx, trainer = _trained()
    once = perturbed_accuracy(trainer, EDGE, "skip_connect", eval_batches=2, finetune_steps=3, finetune_seed=7)
    again = perturbed_accuracy(trainer, EDGE, "skip_connect", eval_batches=2, finetune_steps=3, finetune_seed=7)
    assert once == again  # same shared weights, same minibatches: same V(o, e)


def test_nasbench_v1_darts_pt_score_is_minus_delta_v_minus_v_star_without_fine_tuning():
    ctx, trainer = _trained(pertnas_finetune_steps=0, eval_batches=1, pertnas_eval_batches=1)
    ctx.settings["dartspt_semantics"] = "nasbench-v1"  # one measurement shared with PertNAS (the engine's)
    v_star, values = value_edge(trainer, EDGE, ctx.settings, finetune_seed=0)
    darts_pt = DartsPTScorer().score_edge(ctx, {}, EDGE)
    assert darts_pt == {op: -(dv + v_star) for op, dv in values.items()}


def test_masked_ops_never_run_during_fine_tuning_or_evaluation():
    _ctx, trainer = _trained()
    net = trainer.net
    calls = {}
    cell, row = net.cells[0], 0  # row 0 of a shared cell is edge cell:0->2
    for k, op in enumerate(cell.op_names[row]):
        cell.edge_ops[row][k].register_forward_pre_hook(lambda *_a, op=op: calls.__setitem__(op, calls.get(op, 0) + 1))
    perturbed_accuracy(trainer, EDGE, "sep_conv_3x3", eval_batches=1, finetune_steps=2, finetune_seed=0)
    assert "sep_conv_3x3" not in calls
    assert calls["skip_connect"] == 3  # 2 fine-tuning steps + 1 evaluation batch


def test_expansion_shares_theta_the_expanded_model_with_new_ops_masked_computes_the_compact_one():
    ctx = make_ctx("o1")
    spec_ops = {e: ("sep_conv_3x3",) for e in ctx.space.edges}
    compact = build_model(ctx, spec_ops, 30)
    train_steps(new_trainer(ctx, compact, 30), 2, torch.Generator().manual_seed(0))
    expanded = build_model(ctx, {**spec_ops, EDGE: ctx.space.candidate_ops(EDGE)}, 31)
    missing = transfer_weights(compact, expanded)
    assert missing and all(".edge_ops.0." in k for k in missing)  # only the added ops on row 0 are new
    e = expanded.edges.index(EDGE)
    for k, op in enumerate(expanded.edge_ops[e]):
        expanded.op_mask[e, k] = op == "sep_conv_3x3"
    compact.eval()
    expanded.eval()
    x = ctx.images.images[:4]
    assert torch.allclose(compact(x), expanded(x), atol=1e-6)
