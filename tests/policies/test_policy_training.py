"""Supernet training: bilevel steps move alpha and weights, checkpoints resume and are reused."""

from __future__ import annotations

import pytest
import torch
from policy_helpers import TINY_TRAIN, make_ctx

from nasbench_plugins.oneshot.alpha_scorer import DartsScorer
from nasbench_plugins.oneshot.training import (
    _STREAM_ALPHA,
    SupernetTrainer,
    checkpoint_path,
    config_from,
    split_halves,
    trained_supernet,
)


def _ctx(**settings):
    return make_ctx(DartsScorer(), space="nb201", settings={**TINY_TRAIN, **settings})


def test_split_halves_is_deterministic_and_disjoint(tiny_images):
    train, valid = split_halves(tiny_images)
    assert len(train) + len(valid) == len(tiny_images)
    assert torch.equal(train.images, tiny_images.images[: len(train)])
    assert torch.equal(valid.labels, tiny_images.labels[len(train) :])


def test_first_order_training_moves_alpha_and_weights():
    ctx = _ctx()
    before = {k: v.clone() for k, v in ctx.supernet.state_dict().items()}
    trainer = trained_supernet(ctx)
    assert trainer.epoch == 1 and len(trainer.history) == 1
    start = 1e-3 * torch.randn(trainer.alpha.shape, generator=_ctx().torch_generator(_STREAM_ALPHA))
    moved = (trainer.alpha.detach() - start).abs()
    assert moved.max() > 1e-4  # two Adam steps of lr 3e-4
    assert not torch.equal(before["classifier.weight"], ctx.supernet.state_dict()["classifier.weight"])
    assert ctx.counters.supernet_forwards == 2


def test_second_order_gradient_differs_from_first_order():
    a1 = trained_supernet(_ctx(train_order="first")).alpha.detach()
    a2 = trained_supernet(_ctx(train_order="second")).alpha.detach()
    assert torch.isfinite(a2).all()
    assert not torch.allclose(a1, a2)


def test_fix_alpha_keeps_uniform_weights():
    trainer = trained_supernet(_ctx(fix_alpha=True))
    assert torch.count_nonzero(trainer.alpha) == 0
    weights = trainer.net.op_weights
    assert torch.allclose(weights, torch.full_like(weights, 0.2))


def test_checkpoint_is_reused_without_training():
    trained = trained_supernet(_ctx())
    ctx = _ctx()
    assert checkpoint_path(config_from(ctx)).is_file()
    again = trained_supernet(ctx)
    assert ctx.counters.supernet_forwards == 0
    assert torch.equal(trained.alpha.detach(), again.alpha.detach())


@pytest.mark.slow
def test_interrupted_training_resumes_from_last_epoch():
    full = trained_supernet(_ctx(train_epochs=2))
    ctx = _ctx(train_epochs=2, checkpoint_dir="partial")
    # simulate a run killed after epoch 1: same trainer, one epoch, checkpoint written
    config = config_from(ctx)
    train, valid = split_halves(ctx.images)
    first = SupernetTrainer(
        ctx.supernet,
        config,
        train,
        valid,
        ctx.device,
        ctx.torch_generator(_STREAM_ALPHA),
        checkpoint_path(config, "partial"),
    )
    first.run_epoch()
    first.scheduler.step()
    first.save()
    first.driver.handle.remove()
    resumed = trained_supernet(ctx)
    assert resumed.epoch == 2 and ctx.counters.supernet_forwards == 2  # only epoch 2 was trained now
    assert torch.allclose(resumed.alpha.detach(), full.alpha.detach(), atol=1e-6)


@pytest.mark.parametrize("order", ["first", "second"])
def test_a_bf16_training_runs_its_forwards_in_bf16_and_keeps_fp32_weights(order):
    trainer = trained_supernet(_ctx(precision="bf16", train_order=order))
    assert trainer.config.precision == "bf16"
    assert all(p.dtype == torch.float32 for p in trainer.net.parameters()) and trainer.alpha.dtype == torch.float32
    assert torch.isfinite(trainer.alpha).all() and trainer.history[-1]["loss"] > 0
    x = trainer.valid_set.images[:2]
    with trainer.precision() as p:
        assert trainer.net(p.layout(x)).dtype == torch.bfloat16
    assert checkpoint_path(trainer.config) != checkpoint_path(config_from(_ctx()))
