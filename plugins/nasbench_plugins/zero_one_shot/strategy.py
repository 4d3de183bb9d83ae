"""``zero-one-shot``: Zero-One-Shot (Half Search Space, Sec. 4): a pruning mask from Algorithm 1
(ranking functions ``rankers``, default nngp, pruning level ``xi`` = 0.5) on the partially
connected supernet (ETENAS-PC), then PC-DARTS (K = 4, edge normalisation) with beta-decay on the
masked space, then DARTS' derivation (top-2 incoming edges per node). ``mask_source=random`` is
Zero-One-Shot-RND; ``mask_source=file`` reuses a stored mask.
"""

from __future__ import annotations

from nasbench.api import hookimpl
from nasbench_plugins.oneshot.darts import BETA_DECAY, ONESHOT_SETTINGS, OneShotSearch, overriding, partial_channels


class ZeroOneShot(OneShotSearch):
    """Zero-One-Shot: zero-shot pruning mask, then PC-DARTS with beta-decay on the masked space."""

    name = "zero-one-shot"
    settings = overriding(
        ONESHOT_SETTINGS,
        mask_source="prune",
        darts_partial_channels=partial_channels(4),
        edge_norm=True,
        beta_decay=BETA_DECAY,
    )


@hookimpl
def nasbench_register_strategies(register) -> None:
    register(ZeroOneShot())
