"""``tenas``: TE-NAS (Chen, Gong & Wang, ICLR 2021) pruning search on the untrained supernet.

Default: the official code's semantics (VITA-Group/TENAS @9df78ff, ``prune_tenas.py``), each item
switchable with ``tenas_ablate`` (see ``semantics``); ``tenas_semantics=nasbench-v1`` runs
nasbench's earlier TE-NAS (``legacy``). ``nasbench verify tenas DIR`` checks the default against
numbers made with the official code (docs/tenas.md).
"""

from __future__ import annotations

from nasbench.api import SearchOutcome, Setting, hookimpl
from nasbench_plugins.tenas.legacy import LegacyTenas
from nasbench_plugins.tenas.networks import kit_for
from nasbench_plugins.tenas.search import search
from nasbench_plugins.tenas.semantics import ITEMS, SEMANTICS, Semantics, parse_ablate

SETTINGS = {
    "batch_size": Setting(
        0, "NTK minibatch; 0 = TE-NAS' value for the space (72 on NB201, 14 on DARTS)", minimum=0, flag="--batch-size"
    ),
    "tenas_semantics": Setting(
        "official", "official (VITA-Group/TENAS' code) or nasbench-v1 (nasbench's earlier TE-NAS)", choices=SEMANTICS
    ),
    "tenas_ablate": Setting(
        "", f"official items switched off, comma-separated: {', '.join(ITEMS)}", check=lambda v: parse_ablate(v)
    ),
    "tenas_repeats": Setting(3, "measurements per candidate, each on fresh batches (official 3)", minimum=1),
    "tenas_lr_samples": Setting(1000, "3x3 crops per region-count batch, 3 batches per measurement", minimum=1),
    "tenas_prune_number": Setting(0, "ops pruned per edge per round; 0 = 1 on NB201, 3 on DARTS", minimum=0),
}


class TenasSearch:
    """TE-NAS: prune the op whose removal hurts NTK conditioning and linear regions least."""

    name = "tenas"
    needs_proxy = False
    needs_images = True
    settings = SETTINGS

    def search(self, ctx) -> SearchOutcome:
        sem = Semantics.from_settings(ctx.settings)
        if not sem.official:
            return LegacyTenas(int(ctx.settings.get("batch_size", 0))).search(ctx)
        return search(ctx, sem, kit_for(ctx.space))


@hookimpl
def nasbench_register_strategies(register) -> None:
    register(TenasSearch())
