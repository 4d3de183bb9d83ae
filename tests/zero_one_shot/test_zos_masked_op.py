"""The masked mixed op (Sec. 4.1) and the one-shot training variants: what runs, what learns."""

from __future__ import annotations

import pytest
import torch
from zos_helpers import TINY_TRAIN, darts_ctx

from nasbench_plugins.darts_space.network import SearchCell
from nasbench_plugins.oneshot.darts import BetaDartsSearch, OneShotSearch, PCDartsSearch
from nasbench_plugins.oneshot.training import apply_search_mask, trained_supernet
from nasbench_plugins.pruning.masks import random_mask

pytestmark = pytest.mark.usefixtures("single_thread")


def _masked_ctx(strategy=None, **settings):
    ctx = darts_ctx(strategy or OneShotSearch(), settings={**TINY_TRAIN, **settings})
    net = ctx.supernet
    mask = random_mask(net.edge_ops, 0.5, torch.Generator().manual_seed(3))
    apply_search_mask(net, mask)
    return ctx, net, mask


def _op_modules(net, mask, masked: bool):
    """(module, edge, op) of every op in every cell whose mask entry is ``not masked``."""
    out = []
    for cell in net.cells:
        if isinstance(cell, SearchCell):
            for r, (e, _j, _k) in enumerate(cell.rows):
                for k, name in enumerate(cell.op_names[r]):
                    if bool(mask[e, k]) != masked and name != "none":
                        out.append(cell.edge_ops[r][k])
    return out


def test_masked_ops_get_no_forward_call_and_no_gradient() -> None:
    ctx, net, mask = _masked_ctx()
    calls = []
    for m in _op_modules(net, mask, masked=True):
        m.register_forward_hook(lambda *_: calls.append(1))
    trainer = trained_supernet(ctx)  # two weight steps and two alpha steps
    assert trainer.history and calls == []
    masked_params = [p for m in _op_modules(net, mask, masked=True) for p in m.parameters()]
    live_params = [p for m in _op_modules(net, mask, masked=False) for p in m.parameters()]
    assert masked_params and all(p.grad is None for p in masked_params)
    assert any(p.grad is not None for p in live_params)


def test_softmax_is_over_the_unmasked_ops_only() -> None:
    ctx, net, mask = _masked_ctx()
    trained_supernet(ctx)
    net(ctx.images.images[:2])
    weights = net.op_weights.detach()
    sums = torch.stack([weights[e][mask[e]].sum() for e in range(len(mask))])
    assert torch.allclose(sums, torch.ones(len(mask)))
    assert bool((weights[~mask] == 0).all())


def test_alpha_of_masked_ops_gets_no_gradient() -> None:
    ctx, net, mask = _masked_ctx()
    trainer = trained_supernet(ctx)
    assert bool((trainer.alpha.grad[~mask] == 0).all())


def test_pc_darts_runs_each_op_on_one_kth_of_the_channels() -> None:
    ctx = darts_ctx(PCDartsSearch(), settings=TINY_TRAIN)
    net = ctx.supernet
    seen = []
    cell = next(c for c in net.cells if isinstance(c, SearchCell) and not c.reduction)
    cell.edge_ops[0][4].register_forward_pre_hook(lambda _m, args: seen.append(args[0].shape[1]))
    states = []
    cell.pre1.register_forward_hook(lambda _m, _a, out: states.append(out.shape[1]))
    net(ctx.images.images[:2])
    assert ctx.settings["darts_partial_channels"] == 4 and seen == [states[0] // 4]


def test_edge_normalisation_weights_each_nodes_inputs_by_a_softmax_of_beta() -> None:
    ctx = darts_ctx(PCDartsSearch(), settings=TINY_TRAIN)
    trainer = trained_supernet(ctx)
    net = trainer.net
    net(ctx.images.images[:2])
    for idx in trainer.driver.groups:
        assert float(net.edge_scale.detach()[idx].sum()) == pytest.approx(1.0)
    assert trainer.beta.grad is not None and bool(trainer.beta.grad.abs().sum() > 0)


def test_beta_decay_lowers_the_logsumexp_of_alpha() -> None:
    plain = trained_supernet(darts_ctx(OneShotSearch(), settings={**TINY_TRAIN, "train_epochs": 2}))
    beta = trained_supernet(darts_ctx(BetaDartsSearch(), settings={**TINY_TRAIN, "train_epochs": 2}))
    assert beta.config.beta_decay > 0 and plain.config.beta_decay == 0
    assert float(beta.beta_decay_loss().detach()) < float(plain.beta_decay_loss().detach())


def test_warm_up_epochs_train_weights_only() -> None:
    warm = trained_supernet(darts_ctx(OneShotSearch(), settings={**TINY_TRAIN, "warmup_epochs": 1}))
    plain = trained_supernet(darts_ctx(OneShotSearch(), settings=TINY_TRAIN))
    assert len(warm.history) == 1 and warm.alpha.grad is None and warm.arch_optimizer.state == {}
    assert plain.alpha.grad is not None and plain.arch_optimizer.state != {}
