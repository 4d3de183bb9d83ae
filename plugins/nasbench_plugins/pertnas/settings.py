"""The typed settings of the ``pertnas`` strategy (all prefixed ``pertnas_``) and their defaults.

Paper values are "to convergence" throughout (Sec. III-A, III-D); the defaults here are CPU-scale
step counts, documented beside the paper's in ``docs/pertnas.md``. Supernet training (the
supernet variant's stage 1) uses the shared one-shot engine's settings (``train_*``), with
``fix_alpha`` on by default: PertNAS' mixed op (Eq. 3) has no architecture parameters.
"""

from __future__ import annotations

from nasbench.api import Setting
from nasbench_plugins.oneshot.training import TRAIN_SETTINGS

VARIANTS = ("supernet", "evolutionary")
VALID_SPLITS = ("valid-half", "train-half")

PERTNAS_SETTINGS: dict[str, Setting] = {
    "pertnas_variant": Setting(
        "supernet", "stage 1: value ops on a trained supernet, or inside n evolving discrete models", choices=VARIANTS
    ),
    "pertnas_finetune_steps": Setting(
        5,
        "weight steps fine-tuning each perturbed model from the shared weights (Eq. 4; 0 = none, as DARTS-PT)",
        minimum=0,
    ),
    "pertnas_eval_batches": Setting(4, "validation minibatches (train_batch_size each) per accuracy V", minimum=1),
    "pertnas_valid_split": Setting(
        "valid-half", "images V is measured on: the held-out half or the training half", choices=VALID_SPLITS
    ),
    "pertnas_population": Setting(
        0, "evolutionary: discrete models n (0 = the paper's: 8 on o1, 4 elsewhere)", minimum=0
    ),
    "pertnas_model_steps": Setting(
        100, "weight steps training each discrete model (evolutionary) and the top-2 model (stage 2)", minimum=0
    ),
    "pertnas_expand_steps": Setting(
        10, "evolutionary: weight steps fine-tuning a model after expanding an edge", minimum=0
    ),
    "pertnas_retrain_steps": Setting(10, "stages 2-3: weight steps retraining after each discretisation", minimum=0),
}

#: everything the strategy declares: its own settings plus the shared training engine's
STRATEGY_SETTINGS: dict[str, Setting] = {
    **TRAIN_SETTINGS,
    "fix_alpha": Setting(True, "PertNAS mixed op: plain (uniform) sum, no architecture parameters (Eq. 3)"),
    **PERTNAS_SETTINGS,
}


def population(settings: dict, space_name: str) -> int:
    """n discrete models: the setting, or the paper's choice for the space (Sec. IV-A, IV-E)."""
    n = int(settings.get("pertnas_population", 0))
    if n:
        return n
    return 8 if space_name == "o1" else 4
