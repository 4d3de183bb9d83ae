"""Which DARTS-PT semantics a run uses: the official code's (default), one item of it switched off
(``dartspt_ablate``), or nasbench's pre-2026-12 semantics (``dartspt_semantics=nasbench-v1``).

The items, each a name for ``--set dartspt_ablate=NAME[,NAME...]`` (file:line in
ruocwang/darts-pt @4ec3149; ablated = nasbench-v1's behaviour of that item):

``measure``         each perturbation is measured on the whole valid half, reshuffled and augmented
                    (crop + flip) per measurement: the valid queue is built on the training transform
                    (``nasbench201/projection.py:45``, ``nasbench201/train_search.py:195-198``,
                    ``sota/cnn/projection.py:48``). Ablated: the first ``eval_batches`` batches, fixed,
                    un-augmented.
``train-data``      supernet training and tuning minibatches as the code's loaders give them: crop 32
                    pad 4 + flip, the code's CIFAR mean/std (``nasbench201/utils.py:118-136``); a fresh
                    random batch per training step (``train_search.py:302-305``); tuning epochs pass
                    over the train half (last batch partial) with a fresh alpha batch per step
                    (``projection.py:90-99``). Ablated: un-augmented per-epoch permutations.
``tune-optimizer``  tuning between decisions uses a fresh SGD (no momentum) at constant lr =
                    ``train_lr`` / 10; the cosine scheduler is built but never stepped
                    (``nasbench201/projection.py:79``, ``sota/cnn/projection.py:133-136``). Ablated: the
                    training optimizer goes on at its last lr with its momentum.
``epochs``          supernet epochs when ``train_epochs=-1``: 100 on NB201
                    (``nasbench201/train_search.py:43``), 50 on DARTS-cell spaces
                    (``sota/cnn/train_search.py:44``). Ablated: 100 everywhere.
``schedule``        the code's projection schedule. NB201: one edge per step, ``pt_tune_epochs`` x
                    (|E| - 1) tuning epochs with a step at every multiple of it and at the last epoch:
                    gaps 5,5,5,5,4 (``nasbench201/projection.py:76-88``). DARTS cells: each step
                    decides one normal AND one reduction edge, then paired node steps (nodes with more
                    than 2 inputs), ``pt_tune_epochs`` between every two steps, the op and node phases
                    included (``sota/cnn/projection.py:126-183``). Ablated: one edge per step over all
                    edges, then every node one at a time, tuning after each but the last of a phase.
``topology``        a node drops its inputs one at a time: each round re-measures the removal of every
                    remaining input on fresh data and drops the one whose removal leaves the best
                    accuracy (lowest loss), until 2 remain (``sota/cnn/projection.py:82-100``).
                    Ablated: measured once, the 2 strongest kept.
``two-op``          an edge that a perturbation leaves with one op keeps that op's softmax weight;
                    only decided edges are one-hot (``sota/cnn/projection.py:41-44``,
                    ``model_search_darts_proj.py:65-81``). Ablated: weight 1 (matters on S1, S2, S4).

``dartspt_crit`` (``acc`` or ``loss``, ``--proj_crit``) is a setting of the official semantics, not an
item: ``acc`` keeps the op whose removal leaves the lowest accuracy, ``loss`` the highest loss.
"""

from __future__ import annotations

from dataclasses import dataclass

from nasbench.api import BadInput, Setting, item_set

ITEMS = ("measure", "train-data", "tune-optimizer", "epochs", "schedule", "topology", "two-op")
SEMANTICS = ("official", "nasbench-v1")
#: supernet epochs of the official code when ``train_epochs=-1`` (see ``epochs``)
OFFICIAL_EPOCHS = {"nb201": 100}
OFFICIAL_CELL_EPOCHS = 50
V1_EPOCHS = 100

SETTINGS = {
    "dartspt_semantics": Setting(
        "official", "DARTS-PT semantics: the official code's, or nasbench-v1 (before 2026-12)", choices=SEMANTICS
    ),
    "dartspt_ablate": Setting(
        "", f"official DARTS-PT items switched to nasbench-v1, comma-separated: {', '.join(ITEMS)}"
    ),
    "dartspt_crit": Setting(
        "acc", "projection criterion (--proj_crit): removal accuracy or loss", choices=("acc", "loss")
    ),
}


@dataclass(frozen=True)
class Semantics:
    """The resolved switches of one run (``official`` False: the nasbench-v1 code path)."""

    official: bool = True
    measure: bool = True
    train_data: bool = True
    tune_optimizer: bool = True
    epochs: bool = True
    schedule: bool = True
    topology: bool = True
    two_op: bool = True
    crit: str = "acc"

    @classmethod
    def from_settings(cls, settings: dict) -> Semantics:
        name = settings.get("dartspt_semantics", "official")
        ablate = parse_ablate(settings.get("dartspt_ablate", ""))
        crit = str(settings.get("dartspt_crit", "acc"))
        if name == "nasbench-v1":
            if ablate or crit != "acc":
                raise BadInput(
                    "dartspt_ablate and dartspt_crit switch items of the official semantics;"
                    " drop them with dartspt_semantics=nasbench-v1"
                )
            return cls(False, *(False,) * 7)
        on = {item.replace("-", "_"): item not in ablate for item in ITEMS}
        return cls(True, crit=crit, **on)

    def train_overrides(self, space_name: str, epochs: int) -> dict:
        """``TrainConfig`` fields this semantics sets: data pipeline and (for -1) epochs."""
        out: dict = {"data": "official" if self.train_data else "nasbench"}
        if epochs < 0:
            out["epochs"] = OFFICIAL_EPOCHS.get(space_name, OFFICIAL_CELL_EPOCHS) if self.epochs else V1_EPOCHS
        return out


def parse_ablate(text: str) -> frozenset[str]:
    """``"measure,two-op"`` -> the items ``dartspt_ablate`` switches off; an unknown item is one clear line."""
    return item_set("dartspt_ablate", text, ITEMS)
