"""Which TE-NAS semantics a run uses: the official code's (default), items of it switched off
(``tenas_ablate``), or nasbench's pre-2026-12 semantics (``tenas_semantics=nasbench-v1``).

The items, each a name for ``--set tenas_ablate=NAME[,NAME...]`` (file:line in
VITA-Group/TENAS @9df78ff):

``none``      ``none`` is switched off on every edge before the first round (``prune_tenas.py:417-418``,
              again ``:74-75``). Ablated: ``none`` is a candidate like any op (it can be kept).
``thin``      regions are counted on a thin network rebuilt (freshly initialised) per candidate:
              one cell, C=1, no stem, BN in train mode, 3 batches of ``tenas_lr_samples`` (1,000)
              3x3 crops of one random channel per measurement (``:118-141,364-369,396``,
              ``linear_region_counter.py:179-214``). Ablated: regions of the NTK network in eval
              mode over 1,000 3-channel crops of the NTK batch (nasbench-v1's count).
``ntk_net``   the NTK network is a fresh supernet per round with C=3, N=1 on NB201 (DARTS: C=1, two
              cells), affine BNs, active ops mixed by softmax = 1/k and renormalised after every
              removal (``:69-79,99-109,358-363,371-379``). Ablated: the run's supernet (space
              settings; C=16, N=5 on NB201), non-affine BNs, a plain sum, one init per trial.
``rank``      relative changes (k_0 - k) / k_0 and (r_0 - r) / r_0 against the network before the
              removal, rounded to 3 decimals per repeat and averaged; dense ranks on values rounded
              to 3 significant figures; rank-sum ties broken by the NTK order (``:103-184``).
              Ablated: average ranks (scipy) of the raw kappa and region count after the removal,
              ties by candidate order (nasbench-v1).
``repeats``   every measurement is repeated ``tenas_repeats`` (3) times, each on a fresh batch
              (NTK: a fresh augmented minibatch; regions: the next 3 crop batches) with the same
              weights: the official re-initialisation is a no-op (``init_model`` knows no
              'kaiming_normal', ``:45-50,105,129``). Ablated: one measurement, every candidate on
              the same minibatch and crops.
``schedule``  DARTS spaces: ``tenas_prune_number`` (3) ops per edge per round on CIFAR-10
              (``prune_launch.py:39``); then edges pruned node by node, normal cell first, on the
              already pruned supernet, each node keeping its 2 best edges in one step
              (``prune_tenas.py:189-310,445-448``). Ablated: 1 op per round, then every node with
              more than 2 edges loses its weakest edge per round, all nodes ranked together.
"""

from __future__ import annotations

from dataclasses import dataclass

from nasbench.api import BadInput, item_set

ITEMS = ("none", "thin", "ntk_net", "rank", "repeats", "schedule")
SEMANTICS = ("official", "nasbench-v1")


@dataclass(frozen=True)
class Semantics:
    """The resolved switches of one run (True = the official behaviour)."""

    official: bool = True  # False: nasbench-v1, the generic path of ``legacy``
    none: bool = True
    thin: bool = True
    ntk_net: bool = True
    rank: bool = True
    repeats: bool = True
    schedule: bool = True

    @classmethod
    def from_settings(cls, settings: dict) -> Semantics:
        name = settings.get("tenas_semantics", "official")
        ablate = parse_ablate(settings.get("tenas_ablate", ""))
        if name == "nasbench-v1":
            if ablate:
                raise BadInput(
                    "tenas_ablate switches items of the official semantics; drop it with tenas_semantics=nasbench-v1"
                )
            return cls(official=False)
        return cls(True, **{item: item not in ablate for item in ITEMS})


def parse_ablate(text: str) -> frozenset[str]:
    """``"thin,rank"`` -> the items ``tenas_ablate`` switches off; an unknown item is one clear line."""
    return item_set("tenas_ablate", text, ITEMS)
