"""Supernet training: DARTS bilevel search (first- or second-order) for any masked supernet, with
the one-shot variants of issue 20: a search mask (Zero-One-Shot's masked mixed op), PC-DARTS edge
normalisation, beta-decay regularisation (beta-DARTS) and a weights-only warm-up.

Why a host module: several scorers (``darts``, ``disc-acc``, ``darts-pt``) and strategies
(``darts``, ``darts-pt``) need the *same* trained supernet, so training lives in one place,
is keyed by a hash of everything that shapes it and is checkpointed every epoch under the
user cache: the first component that asks trains (or resumes an interrupted training), the
others load it.

Alpha (edge x op) drives the supernet's ``op_weights`` through a forward pre-hook
(``search_mask.AlphaDriver``): softmax over each edge's candidates, discretized edges one-hot,
masked ops skipped without renormalising (as DARTS-PT's perturbation does).

Search mask (Half Search Space Eq. 1): a supernet may carry ``search_mask`` (set by
``apply_search_mask``), the pruned space the one-shot search runs on. Its masked ops are off in
``op_mask`` (never run forward or backward) and the softmax is taken over the unmasked ops only;
a later perturbation (DARTS-PT) still removes ops without renormalising. ``restore_mask`` puts
the supernet back to its search mask (``reset`` would switch pruned ops back on).

Edge normalisation (PC-DARTS, Xu et al. 2020): one parameter beta per edge; an intermediate node
sums its incoming edges weighted by softmax(beta) over that node's edges (``edge_scale`` on the
supernet, which must declare ``edge_node``). Beta-decay (beta-DARTS, Ye et al. 2022): the
architecture loss gains ``lambda_t * mean_e logsumexp(alpha_e)`` over each edge's unmasked ops,
lambda_t rising linearly from 0 to ``beta_decay`` over the epochs after the warm-up.

Defaults: the official DARTS-PT NB201 search (``nasbench201/train_search.py``): 100 epochs, batch
64, SGD 0.025 cosine to 0.001, momentum 0.9, wd 3e-4, clip 5; Adam (0.5, 0.999) 3e-4 wd 1e-3 for
alpha; train/valid = first/second half. ``data="official"``: its minibatches (``augment``).
"""

from __future__ import annotations

import copy
import math
import os
from collections.abc import Iterator
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from nasbench.api import ImageSet, network_precision, torch_generator
from nasbench_plugins.oneshot import augment
from nasbench_plugins.oneshot.config import (  # noqa: F401 - re-exported: strategies import them from here
    TRAIN_SETTINGS,
    TRAINING_VERSION,
    TrainConfig,
    checkpoint_path,
    load_checkpoint,
    train_config,
)
from nasbench_plugins.oneshot.search_mask import (  # noqa: F401 - re-exported as above
    AlphaDriver,
    apply_search_mask,
    edge_scales,
    edge_weights,
    mask_text,
    new_alpha,
    node_groups,
    restore_mask,
    search_candidates,
)

#: stream offsets of the trial seed used here (``SearchContext.torch_generator``)
_STREAM_ALPHA, _STREAM_DATA = 20, 21


def split_halves(images: ImageSet) -> tuple[ImageSet, ImageSet]:
    """Deterministic train/valid split: first half / second half (DARTS ``train_portion`` 0.5)."""
    half = len(images) // 2

    def part(name: str, sl: slice) -> ImageSet:
        return ImageSet(
            f"{images.name}-{name}",
            images.images[sl],
            images.labels[sl],
            images.num_classes,
            f"{images.source} [{name} half]",
        )

    return part("train", slice(0, half)), part("valid", slice(half, None))


# -- alpha -> op weights ---------------------------------------------------------------------
class SupernetTrainer:
    """Bilevel DARTS training of ``net`` with alpha; checkpoints after every epoch."""

    def __init__(
        self,
        net: nn.Module,
        config: TrainConfig,
        train: ImageSet,
        valid: ImageSet,
        device: torch.device,
        generator: torch.Generator,
        path: Path | None = None,
    ) -> None:
        self.net, self.config, self.train_set, self.valid_set = net, config, train, valid
        self.device, self.path = device, path
        self.alpha = new_alpha(net, generator, config.fix_alpha, device)
        self.beta = (
            (1e-3 * torch.randn(len(net.edges), generator=generator)).to(device).requires_grad_(True)
            if config.edge_norm
            else None
        )
        self.driver = AlphaDriver(net, self.alpha, self.beta)
        self.optimizer = torch.optim.SGD(
            net.parameters(), lr=config.lr, momentum=config.momentum, weight_decay=config.wd
        )
        self.scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
            self.optimizer, T_max=max(config.epochs, 1), eta_min=config.lr_min
        )
        self.arch_optimizer = (
            None
            if config.fix_alpha
            else torch.optim.Adam(self.arch_params, lr=config.arch_lr, betas=(0.5, 0.999), weight_decay=config.arch_wd)
        )
        self.epoch = 0
        self.history: list[dict[str, float]] = []

    def precision(self) -> Any:
        """The numerics of every forward of this training (``config.precision``: it keys the
        checkpoint); backward passes run outside it, in the dtypes the forward recorded."""
        return network_precision(self.config.precision, self.device)

    def _loss(self, x: torch.Tensor, y: torch.Tensor, params: dict | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(cross-entropy, logits) of the supernet on (x, y), with ``params`` in place of its own."""
        with self.precision() as p:
            if params is None:
                logits = self.net(p.layout(x))
            else:
                from torch.func import functional_call

                logits = functional_call(self.net, params, (p.layout(x),))
            return F.cross_entropy(logits, y), logits

    @property
    def arch_params(self) -> list[torch.Tensor]:
        """alpha, and beta when edges are normalised (what the architecture step optimises)."""
        return [self.alpha] + ([self.beta] if self.beta is not None else [])

    # -- state ------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {
            "format": TRAINING_VERSION,
            "config": asdict(self.config),
            "epoch": self.epoch,
            "net": self.net.state_dict(),
            "alpha": self.alpha.detach().cpu(),
            "beta": self.beta.detach().cpu() if self.beta is not None else None,
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "history": self.history,
            "arch_optimizer": self.arch_optimizer.state_dict() if self.arch_optimizer else None,
        }

    def load(self, state: dict[str, Any]) -> None:
        self.net.load_state_dict(state["net"])
        with torch.no_grad():
            self.alpha.copy_(state["alpha"].to(self.device))
            if self.beta is not None and state.get("beta") is not None:
                self.beta.copy_(state["beta"].to(self.device))
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        if self.arch_optimizer is not None and state["arch_optimizer"] is not None:
            self.arch_optimizer.load_state_dict(state["arch_optimizer"])
        self.epoch, self.history = int(state["epoch"]), list(state["history"])

    def save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".tmp{os.getpid()}")
        torch.save(self.state(), tmp)
        os.replace(tmp, self.path)  # atomic: an interrupted save never leaves half a checkpoint

    # -- steps ------------------------------------------------------------------------------
    def _batches(self, images: ImageSet, epoch: int, stream: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """One epoch of minibatches; the order is a function of (seed, epoch) so resumes are exact."""
        bs = min(self.config.batch_size, len(images))
        gen = torch_generator(self.config.seed * 1_000_003 + _STREAM_DATA + 7919 * (epoch + 1) + stream)
        order = torch.randperm(len(images), generator=gen)
        out = []
        for start in range(0, len(images) - bs + 1, bs):
            idx = order[start : start + bs]
            out.append((images.images[idx].to(self.device), images.labels[idx].to(self.device)))
        return out

    def beta_decay_weight(self) -> float:
        """lambda_t of beta-decay: 0 -> ``beta_decay`` linearly over the epochs after the warm-up."""
        span = max(self.config.epochs - self.config.warmup, 1)
        return self.config.beta_decay * min(max(self.epoch - self.config.warmup, 0) / span, 1.0)

    def beta_decay_loss(self) -> torch.Tensor:
        """mean over edges of logsumexp(alpha_e) over the edge's unmasked ops (beta-DARTS)."""
        cand = self.driver.candidates.to(self.alpha.device)
        return torch.logsumexp(self.alpha.masked_fill(~cand, -math.inf), dim=1).mean()

    def _arch_step(self, train: tuple, valid: tuple) -> None:
        assert self.arch_optimizer is not None
        self.arch_optimizer.zero_grad(set_to_none=True)
        params = self.arch_params
        if self.config.order == "first":
            loss, _ = self._loss(*valid)
            grads = list(torch.autograd.grad(loss, params, allow_unused=True))
        else:
            grads = self._unrolled_grad(train, valid)
        lam = self.beta_decay_weight()
        if lam > 0:
            (reg,) = torch.autograd.grad(lam * self.beta_decay_loss(), [self.alpha])
            grads[0] = grads[0] + reg
        for p, g in zip(params, grads):
            p.grad = g if g is not None else torch.zeros_like(p)
        self.arch_optimizer.step()

    def _unrolled_grad(self, train: tuple, valid: tuple) -> list[torch.Tensor | None]:
        """Exact second-order DARTS gradient: d L_val(w - xi * dL_train/dw, alpha) / d alpha.

        DARTS approximates the Hessian-vector term by finite differences; double backward gives
        it exactly. The virtual step uses the SGD lr, momentum buffer and weight decay.
        """
        names = [n for n, p in self.net.named_parameters() if p.requires_grad]
        params = dict(self.net.named_parameters())
        loss, _ = self._loss(*train, params)
        grads = torch.autograd.grad(loss, [params[n] for n in names], create_graph=True, allow_unused=True)
        xi = self.optimizer.param_groups[0]["lr"]
        unrolled = dict(params)
        for name, g in zip(names, grads):
            p = params[name]
            buf = self.optimizer.state.get(p, {}).get("momentum_buffer")
            step = (g if g is not None else torch.zeros_like(p)) + self.config.wd * p
            if buf is not None:
                step = step + self.config.momentum * buf.detach()
            unrolled[name] = p - xi * step
        val_loss, _ = self._loss(*valid, unrolled)
        return list(torch.autograd.grad(val_loss, self.arch_params, allow_unused=True))

    def _weight_step(self, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
        self.optimizer.zero_grad(set_to_none=True)
        requires = [p.requires_grad for p in self.arch_params]
        for p in self.arch_params:
            p.requires_grad_(False)  # weights step: alpha (and beta) are constants
        try:
            loss, logits = self._loss(x, y)
            loss.backward()
        finally:
            for p, r in zip(self.arch_params, requires):
                p.requires_grad_(r)
        nn.utils.clip_grad_norm_(self.net.parameters(), self.config.grad_clip)
        self.optimizer.step()
        return float(loss.detach()), float((logits.argmax(1) == y).float().mean()) * 100

    def epoch_pairs(self) -> Iterator[tuple[tuple, tuple]]:
        """(weight batch, alpha batch) per step. ``data="nasbench"``: per-epoch permutations, alpha
        batches cycled. ``"official"``: a fresh augmented draw from each half per step, ceil(n / batch)
        steps (DARTS-PT ``train_search.py:298-305``); lazily, from (seed, epoch)."""
        if self.config.data != "official":
            train, valid = (self._batches(s, self.epoch, i) for i, s in enumerate((self.train_set, self.valid_set)))
            yield from ((b, valid[i % len(valid)]) for i, b in enumerate(train[: self.config.steps or None]))
            return
        gen = torch_generator(self.config.seed * 1_000_003 + _STREAM_DATA + 7919 * (self.epoch + 1) + 2)
        bs = self.config.batch_size
        for _ in range(self.steps_per_epoch()):
            yield tuple(self.batch(s, augment.iid(len(s), bs, gen)) for s in (self.train_set, self.valid_set))

    def batch(self, images: ImageSet, spec: augment.BatchSpec) -> tuple[torch.Tensor, torch.Tensor]:
        x, y = augment.materialise(images, spec)
        return x.to(self.device), y.to(self.device)

    def reset_optimizer(self, lr: float) -> None:
        """A fresh SGD (no momentum state) at ``lr`` (DARTS-PT's ``model.reset_optimizer``)."""
        self.optimizer = torch.optim.SGD(
            self.net.parameters(), lr=lr, momentum=self.config.momentum, weight_decay=self.config.wd
        )

    def run_epoch(self, bar: Any = None, counters: Any = None, pairs: Any = None) -> dict[str, float]:
        """One epoch of alternating alpha (valid half) and weight (train half) steps, on ``pairs``
        of (weight batch, alpha batch) when given, else on ``epoch_pairs()``."""
        self.net.train()
        losses, accs = [], []
        search = self.epoch >= self.config.warmup  # warm-up epochs: weights only
        for batch, valid in pairs if pairs is not None else self.epoch_pairs():
            if self.arch_optimizer is not None and search:
                self._arch_step(batch, valid)
            loss, acc = self._weight_step(*batch)
            losses.append(loss)
            accs.append(acc)
            if counters is not None:
                counters.supernet_forwards += 1
                counters.forward_passes += 1
            if bar is not None:
                bar.update(1, epoch=f"{self.epoch + 1}/{self.config.epochs}", loss=round(loss, 4), acc=round(acc, 2))
        self.epoch += 1
        record = {"epoch": self.epoch, "loss": sum(losses) / len(losses), "train_acc": sum(accs) / len(accs)}
        self.history.append(record)
        return record

    def steps_per_epoch(self) -> int:
        bs = min(self.config.batch_size, len(self.train_set))
        n = -(-len(self.train_set) // bs) if self.config.data == "official" else len(self.train_set) // bs
        return min(n, self.config.steps) if self.config.steps else n

    def fit(self, bar: Any = None, counters: Any = None) -> None:
        """Train up to ``config.epochs``, saving after each epoch (resumable)."""
        while self.epoch < self.config.epochs:
            self.run_epoch(bar, counters)
            self.scheduler.step()
            self.save()

    def finetune(self, epochs: int, bar: Any = None, counters: Any = None) -> None:
        """DARTS-PT tuning between edge decisions: more epochs at the current lr, not saved."""
        for _ in range(epochs):
            self.run_epoch(bar, counters)

    @torch.no_grad()
    def accuracy(self, batches: int) -> float:
        """Supernet accuracy (%) on the first ``batches`` validation minibatches (fixed order).

        BN uses batch statistics (train mode) as DARTS-PT's projection does: running stats of
        a supernet are meaningless once ops are masked. Running stats are left untouched.
        """
        bs = min(self.config.batch_size, len(self.valid_set))
        n = min(batches, len(self.valid_set) // bs)
        bns = [m for m in self.net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
        saved = [m.momentum for m in bns]
        for m in bns:
            m.momentum = 0.0  # running = (1 - 0) * running: batch stats used, buffers unchanged
        self.net.train()
        correct = 0
        try:
            for b in range(n):
                x = self.valid_set.images[b * bs : (b + 1) * bs].to(self.device)
                y = self.valid_set.labels[b * bs : (b + 1) * bs].to(self.device)
                with self.precision() as p:
                    logits = self.net(p.layout(x))
                correct += int((logits.argmax(1) == y).sum())
        finally:
            for m, mom in zip(bns, saved):
                m.momentum = mom
        return 100.0 * correct / (n * bs)


def config_from(ctx: Any, **overrides: Any) -> TrainConfig:
    """The training config a trial's declared settings ask for (``overrides``: fields a method sets
    itself, e.g. DARTS-PT's data pipeline and per-space epochs)."""
    config = train_config(
        ctx.space, ctx.settings, ctx.seed, ctx.num_classes, ctx.images.source, mask_text(ctx.supernet)
    )
    return replace(config, **overrides)


def trained_supernet(ctx: Any, **overrides: Any) -> SupernetTrainer:
    """The trial's supernet (``ctx.supernet``), trained per its settings: loaded, resumed or trained.

    The trainer is kept on the supernet, so every scorer / strategy of the trial shares it (the
    first caller's ``overrides`` of ``TrainConfig`` fields decide); ``trainer.alpha`` are the
    architecture parameters, ``trainer.net is ctx.supernet``.
    """
    net = ctx.supernet
    trainer = getattr(net, "nasbench_trainer", None)
    if trainer is not None:
        return trainer
    config = config_from(ctx, **overrides)
    path = checkpoint_path(config, str(ctx.settings.get("checkpoint_dir", "")))
    train, valid = split_halves(ctx.images)
    trainer = SupernetTrainer(net, config, train, valid, ctx.device, ctx.torch_generator(_STREAM_ALPHA), path)
    if path.is_file():
        trainer.load(load_checkpoint(path, config, ctx.device))
    todo = (config.epochs - trainer.epoch) * trainer.steps_per_epoch()
    if todo > 0:
        bar = ctx.progress(todo, f"supernet training ({config.order}-order)")
        trainer.fit(bar, ctx.counters)
        bar.close()
    net.nasbench_trainer = trainer
    return trainer


def supernet_accuracy(ctx: Any) -> float:
    """Validation accuracy (%) of the trial's trained supernet in its current mask state."""
    trainer = trained_supernet(ctx)
    batches = int(ctx.settings.get("eval_batches", TRAIN_SETTINGS["eval_batches"].default))
    acc = trainer.accuracy(batches)
    n = min(batches, len(trainer.valid_set) // min(trainer.config.batch_size, len(trainer.valid_set)))
    ctx.counters.forward_passes += n
    ctx.counters.supernet_forwards += n
    return acc


def snapshot(net: nn.Module) -> dict[str, torch.Tensor]:
    """Weights to restore after a temporary fine-tuning (disc-acc)."""
    return copy.deepcopy(net.state_dict())
