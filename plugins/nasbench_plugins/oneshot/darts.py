"""One-shot strategies on a trained supernet: ``darts``, ``pc-darts``, ``beta-darts`` (and, from the
``zero_one_shot`` family, ``zero-one-shot``), optionally on a masked search space.

All four are one procedure with different defaults: (1) the search mask (``mask_source``: none,
prune, random = the -RND variants, file), applied before training so masked ops never run and
the softmax covers the unmasked ops only; (2) bilevel training (``oneshot.training``) with
partial channels (``darts_partial_channels``), edge normalisation (``edge_norm``) and beta-decay
(``beta_decay``) as the strategy's defaults say; (3) the derivation:

- spaces with a fixed topology (NB201, O1): every edge takes its argmax alpha, ``none`` included,
  as DARTS does on NB201;
- spaces that search the topology (DARTS, S1-S4): as DARTS' ``genotype()``: each edge's op is its
  best non-``none`` op by softmax weight, its strength that weight (times the PC-DARTS edge
  scale when edges are normalised), and each node keeps its 2 strongest incoming edges
  (``select_topology``).

Defaults: ``darts`` = DARTS (Liu et al. 2019); ``pc-darts`` = K=4 partial channels + edge
normalisation (Xu et al. 2020); ``beta-darts`` = beta-decay regularisation (Ye et al. 2022).
The alphas of the search space are recorded as the initial scores (per-edge rho vs the oracles).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import torch

from nasbench.api import SearchOutcome, Setting, argmax_valid, hookimpl, select_topology
from nasbench_plugins.oneshot.alpha_scorer import alpha_scores
from nasbench_plugins.oneshot.training import (
    TRAIN_SETTINGS,
    apply_search_mask,
    edge_scales,
    edge_weights,
    restore_mask,
    search_candidates,
    trained_supernet,
)
from nasbench_plugins.zero_one_shot.masks import MASK_SETTINGS, check_mask_settings
from nasbench_plugins.zero_one_shot.pruning import PRUNE_SETTINGS

#: beta-DARTS' lambda as recalled from its code (architect: ``50 * epoch / epochs``); not verified offline
BETA_DECAY = 50.0

ONESHOT_SETTINGS: dict[str, Setting] = {
    **TRAIN_SETTINGS,
    **MASK_SETTINGS,
    **PRUNE_SETTINGS,  # used by mask_source=prune only
}


def overriding(settings: dict[str, Setting], **defaults: Any) -> dict[str, Setting]:
    """``settings`` with new defaults (help and bounds kept); names not in ``settings`` are added."""
    out = dict(settings)
    for name, value in defaults.items():
        if isinstance(value, Setting):
            out[name] = value
        else:
            out[name] = replace(out[name], default=value)
    return out


def partial_channels(k: int) -> Setting:
    """The space's ``darts_partial_channels`` with another default (a strategy declares it after the space)."""
    return Setting(k, "PC-DARTS partial-channel factor K (1 = off; PC-DARTS: 4)", choices=(1, 2, 4, 8))


def derive(ctx: Any, trainer: Any) -> tuple[dict[str, str], dict[str, float], list]:
    """(decisions, edge strengths, initial records) of the trained supernet (see module doc)."""
    net = trainer.net
    restore_mask(net)
    initial = [ctx.record({}, e, 0, alpha_scores(ctx, e)) for e in ctx.space.edges]
    rule = getattr(ctx.space, "topology", None)
    if rule is None:
        return {rec.edge: argmax_valid(rec.scores, ctx.rng) for rec in initial}, {}, initial
    with torch.no_grad():
        cand = search_candidates(net)
        weights = edge_weights(trainer.alpha.detach(), cand, cand).cpu()
        if trainer.beta is not None:
            scale = edge_scales(trainer.beta.detach(), trainer.driver.groups, cand.any(dim=1)).cpu()
            weights = weights * scale[:, None]
    decisions, strength = {}, {}
    for e, edge in enumerate(net.edges):
        real = {
            op: float(weights[e, k]) for k, op in enumerate(net.edge_ops[e]) if bool(cand[e, k]) and op != rule.none_op
        }
        if real:
            decisions[edge] = argmax_valid(real, ctx.rng)
            strength[edge] = real[decisions[edge]]
        else:
            decisions[edge] = rule.none_op
    return select_topology(ctx.space, decisions, strength), strength, initial


class OneShotSearch:
    """DARTS: bilevel supernet training, then argmax alpha per edge and the top-2 edges per node."""

    name = "darts"
    needs_proxy = False
    needs_images = True
    settings = ONESHOT_SETTINGS

    def check_settings(self, run) -> None:
        """A mask file is read and fitted to the space when the run's settings are read."""
        check_mask_settings(run)

    def search(self, ctx) -> SearchOutcome:
        from nasbench_plugins.zero_one_shot.source import search_mask

        net = ctx.supernet
        mask, info = search_mask(ctx, net)
        if mask is not None:
            apply_search_mask(net, mask)
        trainer = trained_supernet(ctx)
        decisions, strength, initial = derive(ctx, trainer)
        info.update({"training": trainer.history[-3:], "edge_strength": strength})
        return SearchOutcome(ctx.space.complete(decisions), initial=initial, info=info)


#: the old name of the ``darts`` strategy
DartsSearch = OneShotSearch


class PCDartsSearch(OneShotSearch):
    """PC-DARTS: partial channels (K=4) and edge normalisation, then DARTS' derivation."""

    name = "pc-darts"
    settings = overriding(ONESHOT_SETTINGS, darts_partial_channels=partial_channels(4), edge_norm=True)


class BetaDartsSearch(OneShotSearch):
    """beta-DARTS: DARTS with beta-decay regularisation of alpha."""

    name = "beta-darts"
    settings = overriding(ONESHOT_SETTINGS, beta_decay=BETA_DECAY)


@hookimpl
def nasbench_register_strategies(register) -> None:
    for cls in (OneShotSearch, PCDartsSearch, BetaDartsSearch):
        register(cls())
