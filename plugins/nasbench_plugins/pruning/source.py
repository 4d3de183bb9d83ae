"""Where a one-shot search gets its search mask: pruning, a file, a random draw, or none.

``search_mask(ctx, net)`` reads the trial's ``mask_source`` (see ``masks.MASK_SETTINGS``) and
returns the mask (``None`` for the full space) and what to store with the trial: the mask itself
(``info["mask"] = {"kept": {edge: [ops]}, ...}``, reusable with ``--set mask_source=file --set
mask=FILE``), the fraction of archs it leaves and, for pruning, every removal step.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from nasbench.api import new_mask
from nasbench_plugins.pruning.engine import prune
from nasbench_plugins.pruning.masks import (
    STREAM_RANDOM_MASK,
    fraction_left,
    mask_to_dict,
    random_mask,
    read_mask,
)
from nasbench_plugins.pruning.ratio import ratio_importance, resolve_rankers


def search_mask(ctx: Any, net: nn.Module) -> tuple[Any, dict[str, Any]]:
    """(mask or ``None``, info) for the trial; the supernet's ``op_mask`` is left all on."""
    source = str(ctx.settings.get("mask_source", "none"))
    if source == "none":
        return None, {}
    xi = float(ctx.settings.get("xi", 0.5))
    full = new_mask(net.edge_ops)
    info: dict[str, Any] = {}
    if source == "random":
        mask = random_mask(net.edge_ops, xi, ctx.torch_generator(STREAM_RANDOM_MASK))
    elif source == "file":
        mask = read_mask(net, str(ctx.settings.get("mask", "")))
    else:
        rankers = resolve_rankers(str(ctx.settings.get("rankers", "nngp")))
        before = net.op_mask.clone()
        try:
            net.op_mask.copy_(full)
            granularity = str(ctx.settings.get("prune_granularity", "op"))
            measure = str(ctx.settings.get("xi_measure", "archs"))
            result = prune(ctx, net, ratio_importance(rankers), xi, granularity, measure)
        finally:
            net.op_mask.copy_(before)
        mask = result.mask
        info["prune_rounds"] = result.rounds
        info["prune_steps"] = result.steps
    info["mask"] = {
        "source": source,
        "xi": xi,
        "fraction": fraction_left(mask, full),
        "op_fraction": fraction_left(mask, full, "ops"),
        "kept": mask_to_dict(net, mask),
    }
    return mask, info
