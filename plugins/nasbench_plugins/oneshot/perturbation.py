"""Accuracy of a trained supernet in its current mask state, and of A - (e, o): the perturbation
measurement that DARTS-PT (Eq. 5), PertNAS (Eq. 3-4) and disc-acc share, so it lives in the engine.

``accuracy`` is nasbench-v1's measurement (the trainer's fixed first validation batches).
``measure`` is the official DARTS-PT one (``nasbench201/train_search.py:332-370``, called with
``eval=False`` by ``nasbench201/projection.py:45``): BN in train mode (batch statistics) over the
given batches, accuracy (%) and mean cross-entropy weighted by batch size; here BN running
statistics are left untouched (the official code updates them, but never reads them while projecting).
``perturbed_accuracy`` is PertNAS' V(o, e) (with optional fine-tuning from the shared weights).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from nasbench.api import network_precision, removed, torch_generator
from nasbench_plugins.oneshot.training import snapshot


@contextmanager
def batch_statistics(net: nn.Module) -> Iterator[None]:
    """Train-mode BN that uses batch statistics without moving the running ones (momentum 0)."""
    bns = [m for m in net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    saved = [m.momentum for m in bns]
    for m in bns:
        m.momentum = 0.0
    net.train()
    try:
        yield
    finally:
        for m, mom in zip(bns, saved):
            m.momentum = mom


@torch.no_grad()
def measure(net: nn.Module, batches: Iterable[tuple[torch.Tensor, torch.Tensor]]) -> tuple[float, float]:
    """(accuracy %, mean loss) of ``net`` over ``batches`` (each weighted by its size), forwards in
    the run's precision (``network_precision``; the loss in fp32)."""
    correct, loss, total = 0, 0.0, 0
    with batch_statistics(net), network_precision() as p:
        for x, y in batches:
            logits = net(p.layout(x))
            correct += int((logits.argmax(1) == y).sum())
            loss += float(F.cross_entropy(logits, y)) * len(y)
            total += len(y)
    if not total:
        raise ValueError("a supernet measurement needs at least one image")
    return 100.0 * correct / total, loss / total


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
