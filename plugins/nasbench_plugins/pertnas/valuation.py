"""Perturbation valuation (PertNAS Eq. 3-4): Delta V(o, e) = V(o, e) - V*.

``V*`` is the validation accuracy of the trained, unperturbed model; ``V(o, e)`` that of the same
model with op ``o`` masked on edge ``e`` (``nasbench.api.removed``: one mask entry flipped, no
copy of the network), after ``pertnas_finetune_steps`` weight steps that start from the shared
weights (theta' ~ theta, Sec. III-A). The weights and the optimizer state are restored after
every perturbation, so each op is valued from the same theta.

With no fine-tuning, ``V(o, e)`` is exactly what the DARTS-PT scorer measures: ``darts-pt``
scores ``-perturbed_accuracy(..., finetune_steps=0)`` (``nasbench_plugins.darts_pt.scorer``),
i.e. ``-(Delta V + V*)``, the same ranking of an edge's ops as ``-Delta V``. One implementation
serves both.

A negative Delta V means removing the op costs accuracy: the op contributes. Ops are kept in
order of most negative Delta V ("the operations that cause the most degradation of accuracy
when perturbed", Sec. III-B).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch

from nasbench.api import active_ops, removed, torch_generator
from nasbench_plugins.oneshot.training import snapshot


@contextmanager
def _measured_on(trainer: Any, split: str) -> Iterator[None]:
    """Accuracy on the held-out half (the engine's valid set) or on the training half."""
    if split == "valid-half":
        yield
        return
    saved = trainer.valid_set
    trainer.valid_set = trainer.train_set
    try:
        yield
    finally:
        trainer.valid_set = saved


def accuracy(trainer: Any, eval_batches: int, split: str = "valid-half", counters: Any = None) -> float:
    """Validation accuracy (%) of the trainer's model in its current mask state (the engine's
    ``SupernetTrainer.accuracy``: fixed first batches, BN in batch-statistics mode)."""
    with _measured_on(trainer, split):
        acc = trainer.accuracy(eval_batches)
        bs = min(trainer.config.batch_size, len(trainer.valid_set))
        n = min(eval_batches, len(trainer.valid_set) // bs)
    if counters is not None:
        counters.forward_passes += n
        counters.supernet_forwards += n
    return acc


def train_steps(trainer: Any, steps: int, generator: torch.Generator, counters: Any = None) -> None:
    """``steps`` weight steps of the engine's trainer (its SGD, clip and alpha handling) on random
    minibatches of the training half, drawn one at a time (no epoch of batches is materialised)."""
    images = trainer.train_set
    bs = min(trainer.config.batch_size, len(images))
    trainer.net.train()
    for _ in range(steps):
        idx = torch.randint(len(images), (bs,), generator=generator)
        trainer._weight_step(images.images[idx].to(trainer.device), images.labels[idx].to(trainer.device))
        if counters is not None:
            counters.forward_passes += 1
            counters.supernet_forwards += 1


def perturbed_accuracy(
    trainer: Any,
    edge: str,
    op: str,
    *,
    eval_batches: int,
    finetune_steps: int = 0,
    finetune_seed: int = 0,
    split: str = "valid-half",
    counters: Any = None,
) -> float:
    """V(o, e): accuracy with ``op`` masked on ``edge`` after ``finetune_steps`` from the shared
    weights (every call with the same ``finetune_seed`` sees the same minibatches); the model,
    its BN statistics and the optimizer are exactly as before when this returns."""
    net = trainer.net
    with removed(net, edge, op):
        if not finetune_steps:
            return accuracy(trainer, eval_batches, split, counters)
        weights = snapshot(net)
        optimizer = copy.deepcopy(trainer.optimizer.state_dict())
        try:
            train_steps(trainer, finetune_steps, torch_generator(finetune_seed), counters)
            return accuracy(trainer, eval_batches, split, counters)
        finally:
            net.load_state_dict(weights)
            trainer.optimizer.load_state_dict(optimizer)


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
