"""What a supernet training is: its typed settings (``TRAIN_SETTINGS``), the ``TrainConfig`` they
resolve to for one trial, the checkpoint path keyed by it and the checked loading of a checkpoint.
Separate from the trainer so that a strategy can read or key a training without importing the
training loop.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

from nasbench.api import DataError, Setting, differing_settings, space_config

#: bump when a change to the training (config, search_mask, training) changes what a checkpoint
#: contains or means (part of the key and stored in the checkpoint). 2: the key holds the space's
#: declared settings (issue 21).
#: 3: search mask, edge normalisation, beta-decay and warm-up are part of the key (issue 20).
TRAINING_VERSION = 3

#: settings every component that uses a trained supernet declares (so they share one key)
TRAIN_SETTINGS: dict[str, Setting] = {
    "train_epochs": Setting(100, "supernet training epochs (DARTS-PT NB201 code default)", minimum=0, maximum=10_000),
    "train_order": Setting(
        "first", "DARTS alpha gradient: first- or second-order (unrolled)", choices=("first", "second")
    ),
    "fix_alpha": Setting(False, "DARTS-PT fix-alpha: alpha = 0 (uniform op weights), never optimised"),
    "train_batch_size": Setting(64, "supernet training / evaluation minibatch", minimum=1),
    "train_steps": Setting(0, "max weight steps per epoch (0 = the whole train half)", minimum=0),
    "train_lr": Setting(0.025, "SGD initial lr (cosine-annealed)", minimum=0),
    "train_lr_min": Setting(0.001, "SGD final lr", minimum=0),
    "train_momentum": Setting(0.9, "SGD momentum", minimum=0),
    "train_wd": Setting(3e-4, "SGD weight decay", minimum=0),
    "grad_clip": Setting(5.0, "weight gradient norm clip", minimum=0),
    "arch_lr": Setting(3e-4, "Adam lr for alpha", minimum=0),
    "arch_wd": Setting(1e-3, "Adam weight decay for alpha", minimum=0),
    "eval_batches": Setting(7, "validation minibatches per supernet accuracy (7 x 64 = the 500-image half)", minimum=1),
    "checkpoint_dir": Setting(
        "", "where trained supernets are kept (default: user cache/checkpoints)", in_key=False, path="dir"
    ),
    "warmup_epochs": Setting(
        0, "first epochs train weights only, alpha frozen (PC-DARTS, Zero-One-Shot: 15)", minimum=0
    ),
    "edge_norm": Setting(False, "PC-DARTS edge normalisation: per-node softmax(beta) over incoming edges"),
    "beta_decay": Setting(0.0, "beta-DARTS beta-decay weight lambda (0 = off), ramped linearly from 0", minimum=0),
}


#: fields added to ``TrainConfig`` after checkpoints were saved, with the value those had
FIELDS_ADDED = {"data": "nasbench", "precision": "fp32"}


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a trained supernet; its hash names the checkpoint."""

    space: str
    space_config: str
    seed: int
    num_classes: int
    data_source: str
    epochs: int
    order: str
    fix_alpha: bool
    batch_size: int
    steps: int
    lr: float
    lr_min: float
    momentum: float
    wd: float
    grad_clip: float
    arch_lr: float
    arch_wd: float
    warmup: int = 0
    edge_norm: bool = False
    beta_decay: float = 0.0
    #: the search mask as text (``mask_text``), "" = the full space
    mask: str = ""
    #: training minibatches: "nasbench" (per-epoch permutations, un-augmented) or "official"
    #: (DARTS-PT's fresh augmented draw per step, ``oneshot.augment``)
    data: str = "nasbench"
    #: numerics of the forwards (``precision`` setting): a bf16-trained supernet is another supernet
    precision: str = "fp32"

    @property
    def key(self) -> str:
        fields = asdict(self)
        # keys (checkpoints) from before these fields existed stay valid: they had these values
        for name, before in FIELDS_ADDED.items():
            if fields[name] == before:
                del fields[name]
        payload = json.dumps({"v": TRAINING_VERSION, **fields}, sort_keys=True)
        return hashlib.sha1(payload.encode()).hexdigest()[:20]


def checkpoint_path(config: TrainConfig, directory: str = "") -> Path:
    from nasbench.api import cache_dir

    root = Path(directory) if directory else cache_dir() / "checkpoints"
    return root / f"supernet-{config.space}-{config.key}.pt"


def train_config(
    space: Any, settings: dict[str, Any], seed: int, num_classes: int, data_source: str, mask: str = ""
) -> TrainConfig:
    """The training config of ``space`` under the run's resolved ``settings`` (and search ``mask``)."""
    get = lambda name: settings.get(name, TRAIN_SETTINGS[name].default)  # noqa: E731
    return TrainConfig(
        space=space.name,
        space_config=json.dumps(space_config(space, settings), sort_keys=True),
        seed=seed,
        num_classes=num_classes,
        data_source=data_source,
        epochs=int(get("train_epochs")),
        order=str(get("train_order")),
        fix_alpha=bool(get("fix_alpha")),
        batch_size=int(get("train_batch_size")),
        steps=int(get("train_steps")),
        lr=float(get("train_lr")),
        lr_min=float(get("train_lr_min")),
        momentum=float(get("train_momentum")),
        wd=float(get("train_wd")),
        grad_clip=float(get("grad_clip")),
        arch_lr=float(get("arch_lr")),
        arch_wd=float(get("arch_wd")),
        warmup=int(get("warmup_epochs")),
        edge_norm=bool(get("edge_norm")),
        beta_decay=float(get("beta_decay")),
        mask=mask,
        precision=str(settings.get("precision", "fp32")),
    )


def load_checkpoint(path: Path, config: TrainConfig, device: Any) -> dict[str, Any]:
    """The state saved at ``path`` for exactly ``config``; anything else is a ``DataError`` that
    names the file and the settings that differ (a checkpoint is never reused for another net).

    Read ``weights_only``: a checkpoint holds tensors and plain data, nothing else unpickles, so a
    crafted file in a (shared) cache directory is refused and runs no code."""
    try:
        state = torch.load(path, map_location=device, weights_only=True)
    except pickle.UnpicklingError as exc:
        found = re.search(r"GLOBAL (\S+)", str(exc))
        what = f" ({found.group(1)})" if found else ""
        raise DataError(
            f"supernet checkpoint {path} holds pickled code{what}, which nasbench never loads; delete it"
        ) from None
    except Exception as exc:  # noqa: BLE001 - truncated / not a torch file
        raise DataError(f"supernet checkpoint {path} is unreadable ({type(exc).__name__}); delete it") from exc
    if not isinstance(state, dict) or state.get("format") != TRAINING_VERSION:
        found = state.get("format") if isinstance(state, dict) else None
        raise DataError(
            f"supernet checkpoint {path} has format {found!r}, this nasbench writes {TRAINING_VERSION}; delete it"
        )
    differ = differing_settings({**FIELDS_ADDED, **dict(state.get("config") or {})}, asdict(config))
    if differ:
        raise DataError(f"supernet checkpoint {path} was trained with other settings ({differ}); not reusing it")
    return state
