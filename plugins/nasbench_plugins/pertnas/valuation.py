"""Perturbation valuation (PertNAS Eq. 3-4): Delta V(o, e) = V(o, e) - V*.

``V*`` is the validation accuracy of the trained, unperturbed model; ``V(o, e)`` that of the same
model with op ``o`` masked on edge ``e`` (``nasbench.api.removed``: one mask entry flipped, no
copy of the network), after ``pertnas_finetune_steps`` weight steps that start from the shared
weights (theta' ~ theta, Sec. III-A). The weights and the optimizer state are restored after
every perturbation, so each op is valued from the same theta.

With no fine-tuning, ``V(o, e)`` is what the DARTS-PT scorer measures under
``dartspt_semantics=nasbench-v1``: both call the engine's ``perturbed_accuracy``
(``nasbench_plugins.oneshot.perturbation``), one implementation for both.

A negative Delta V means removing the op costs accuracy: the op contributes. Ops are kept in
order of most negative Delta V ("the operations that cause the most degradation of accuracy
when perturbed", Sec. III-B).
"""

from __future__ import annotations

from typing import Any

from nasbench.api import active_ops
from nasbench_plugins.oneshot.perturbation import (  # noqa: F401 - the engine's, re-exported for pertnas
    accuracy,
    perturbed_accuracy,
    train_steps,
)


def value_edge(
    trainer: Any, edge: str, settings: dict, finetune_seed: int, counters: Any = None, ops: tuple[str, ...] = ()
) -> tuple[float, dict[str, float]]:
    """(V*, {op: Delta V}) for the ops on ``edge`` (default: its active ops), Eq. 4."""
    batches = int(settings["pertnas_eval_batches"])
    split = str(settings["pertnas_valid_split"])
    v_star = accuracy(trainer, batches, split, counters)
    values = {}
    for op in ops or active_ops(trainer.net, edge):
        values[op] = (
            perturbed_accuracy(
                trainer,
                edge,
                op,
                eval_batches=batches,
                finetune_steps=int(settings["pertnas_finetune_steps"]),
                finetune_seed=finetune_seed,
                split=split,
                counters=counters,
            )
            - v_star
        )
        if counters is not None:
            counters.perturbations += 1
    return v_star, values


def ranked(values: dict[str, float], exclude: tuple[str, ...] = ()) -> list[str]:
    """Keys from most negative Delta V (most valuable) to least; ties keep insertion order."""
    keys = [k for k in values if k not in exclude]
    return sorted(keys, key=lambda k: values[k])


def scores(values: dict[str, float]) -> dict[str, float]:
    """Delta V as scores (higher = keep), the sign convention of every nasbench scorer."""
    return {k: -v for k, v in values.items()}
