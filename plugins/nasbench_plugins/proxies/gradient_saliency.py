"""Pruning-at-init saliencies summed over a network: grad_norm, snip, grasp, fisher, plain, l2_norm.

Definitions follow zero-cost-nas (Abdelfattah et al. 2021) / NASLib, which produced the reference
values. L is the mean cross-entropy of the minibatch (labels needed), W ranges over the weights
of every Conv/Linear layer that ran (biases and BN are not scored), g = dL/dW:

=========  ============================================  ==========================================
name       score                                         notes
=========  ============================================  ==========================================
grad_norm  sum over layers of ||g||_2                    per-layer norms, then summed
snip       sum |g * W|                                   = |dL/dm| of a weight mask m at m = 1
grasp      sum -(W * Hg)                                 Hg = Hessian-gradient product, g detached
fisher     sum over weights of their channel's             a = layer output, da = dL/da per sample;
           0.5 * mean_n (sum_hw a*da)^2                  each channel's value counts once per weight
                                                         of the channel (x fan-in, see below)
plain      sum g * W                                     signed
l2_norm    sum over layers of ||W||_2                    no data, no labels; executed layers only
=========  ============================================  ==========================================

fisher, per weight: zero-cost-nas / NASLib compute a value per output channel and then "broadcast
[it] to all parameters in that channel" before summing everything
(``naslib/predictors/utils/pruners/measures/fisher.py``, ``reshape_elements`` over
``weight.shape[1:]``), so a layer's channel sum is multiplied by its fan-in (in_channels/groups x
kh x kw; a Linear's in_features). nasbench <= 2026-12 summed the channel values alone (version 1);
the fan-in factor raised the per-arch Spearman with NASLib's values (docs/proxies.md).

Sign: higher = better for all (as NASLib reports them). Batch size: the run's minibatch. Mode:
train (BN uses batch statistics), as upstream. Precision: float32 (the network's dtype); the sum
is accumulated in float64. Params whose grad is None (ops a supernet mask switched off) are
skipped. On CUDA OOM the batch is split into parts whose losses are weighted n_part/n, so the
accumulated gradients equal the full-batch ones. The network is left as it was (see
``nasbench_plugins.proxies.runtime.untouched``).

In a score job (``nasbench correlate``) the five gradient proxies see identical fresh networks
and the same minibatch: one CE backward (``ce_pass``) serves them all, and each is still charged
its time. Values are those of a proxy computed alone (the same gradients, bit for bit).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from nasbench.api import hookimpl
from nasbench_plugins.proxies.runtime import (
    ce_backward,
    ce_loss,
    chunks,
    executed_modules,
    in_sharing_scope,
    prunable_layers,
    reused,
    untouched,
    with_oom_retry,
)


def _total(values: list[torch.Tensor]) -> float:
    if not values:
        return 0.0
    return float(torch.stack([v.double() for v in values]).sum())


@dataclass(frozen=True)
class CEPass:
    """What one backward of the mean cross-entropy leaves, per prunable layer in module order:
    the weight gradient (None for a layer that got none) and, when asked for, fisher's sum over
    samples of (sum_hw a * dL/da)^2 per output channel (None for a layer whose output needs no grad).

    Indexed by layer position, not module identity, so that it serves an identical fresh network.
    """

    weight_grads: tuple[torch.Tensor | None, ...]
    fisher_sums: tuple[torch.Tensor | None, ...] | None


def ce_pass_in_parts(net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, parts: int, fisher: bool) -> CEPass:
    """One forward/backward of the mean CE in ``parts`` slices; fisher's hooks only if ``fisher``.

    The hooks only read gradients, so the weight gradients are the same with or without them.
    """
    layers = prunable_layers(net)
    sums: list[torch.Tensor | None] = [None] * len(layers)

    def forward_hook(index: int):
        def hook(_module: nn.Module, _args: tuple, out: torch.Tensor) -> None:
            if not out.requires_grad:
                return
            act = out.detach()

            def grad_hook(grad: torch.Tensor) -> None:
                g_nk = act * grad if act.dim() <= 2 else (act * grad).sum(dim=tuple(range(2, act.dim())))
                contrib = g_nk.double().pow(2).sum(0)
                sums[index] = contrib if sums[index] is None else sums[index] + contrib

            out.register_hook(grad_hook)

        return hook

    handles = [m.register_forward_hook(forward_hook(i)) for i, m in enumerate(layers)] if fisher else []
    try:
        for p in net.parameters():
            p.grad = None
        ce_backward(net, inputs, targets, parts)
    finally:
        for h in handles:
            h.remove()
    grads = tuple(m.weight.grad for m in layers)
    return CEPass(grads, tuple(sums) if fisher else None)


def ce_pass(net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, fisher: bool) -> CEPass:
    """The CE pass of ``net`` on this minibatch, computed once per score job and reused.

    Inside a sharing scope the pass always collects fisher's sums too (a few element-wise ops per
    layer), so the one backward serves grad_norm, snip, plain, fisher and grasp alike.
    """
    fisher = fisher or in_sharing_scope()

    def compute() -> CEPass:
        with untouched(net):
            return with_oom_retry(lambda parts: ce_pass_in_parts(net, inputs, targets, parts, fisher), inputs.shape[0])

    return reused("saliency.ce_pass", net, (inputs, targets), compute)


class _GradProxy:
    """One backward pass of the CE loss, then a sum over the layers that got a gradient."""

    name = ""
    needs_labels = True
    settings: dict = {}
    uses_fisher = False

    def layer_value(self, weight: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def value(self, net: nn.Module, ce: CEPass, inputs: torch.Tensor) -> float:
        pairs = zip(prunable_layers(net), ce.weight_grads)
        return _total([self.layer_value(m.weight.detach(), g) for m, g in pairs if g is not None])

    def compute(self, net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, parts: int) -> float:
        """The score with the batch in ``parts`` slices and nothing shared (tests compare parts)."""
        return self.value(net, ce_pass_in_parts(net, inputs, targets, parts, self.uses_fisher), inputs)

    def score(self, net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, generator: torch.Generator) -> float:
        return self.value(net, ce_pass(net, inputs, targets, self.uses_fisher), inputs)


class GradNorm(_GradProxy):
    """Sum of per-layer gradient L2 norms."""

    name = "grad_norm"

    def layer_value(self, weight: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
        return grad.norm()


class Snip(_GradProxy):
    """SNIP connection sensitivity |g * W| (Lee et al. 2019)."""

    name = "snip"

    def layer_value(self, weight: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
        return (grad * weight).abs().sum()


class Plain(_GradProxy):
    """First-order Taylor term g * W, signed."""

    name = "plain"

    def layer_value(self, weight: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
        return (grad * weight).sum()


class Grasp(_GradProxy):
    """GraSP (Wang et al. 2020): -W * (H g), with g the detached full-batch gradient."""

    name = "grasp"

    def hessian_term(
        self, net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, grad_w: tuple, parts: int
    ) -> float:
        """-sum W * (H g) by a double backward of g . dL/dW, in ``parts`` slices."""
        layers = prunable_layers(net)
        weights = [m.weight for m in layers]
        used = [i for i, g in enumerate(grad_w) if g is not None]
        if not used:
            return 0.0
        for p in net.parameters():
            p.grad = None
        for x, y, w in chunks(inputs, targets, parts):
            loss = ce_loss(net, x, y) * w
            grad_f = torch.autograd.grad(loss, [weights[i] for i in used], create_graph=True, allow_unused=True)
            z = sum((grad_w[i] * gf).sum() for i, gf in zip(used, grad_f) if gf is not None)
            if torch.is_tensor(z) and z.requires_grad:
                z.backward()
        return _total(
            [
                -(layers[i].weight.detach() * layers[i].weight.grad).sum()
                for i in used
                if layers[i].weight.grad is not None
            ]
        )

    def compute(self, net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, parts: int) -> float:
        grad_w = ce_pass_in_parts(net, inputs, targets, parts, fisher=False).weight_grads
        return self.hessian_term(net, inputs, targets, grad_w, parts)

    def score(self, net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, generator: torch.Generator) -> float:
        grad_w = ce_pass(net, inputs, targets, fisher=False).weight_grads
        with untouched(net):
            return with_oom_retry(lambda parts: self.hessian_term(net, inputs, targets, grad_w, parts), inputs.shape[0])


class Fisher(_GradProxy):
    """Fisher channel saliency (Theis et al. 2018; Turner et al. 2020) of Conv/Linear outputs."""

    name = "fisher"
    version = "2"  # 2: each channel's value counted once per weight of the channel, as zero-cost-nas
    uses_fisher = True

    def value(self, net: nn.Module, ce: CEPass, inputs: torch.Tensor) -> float:
        # 0.5 * mean over samples of g_nk^2 per channel, times the channel's weight count, summed
        n = inputs.shape[0]
        sums = ce.fisher_sums or ()
        return _total(
            [0.5 * s.sum() / n * m.weight[0].numel() for m, s in zip(prunable_layers(net), sums) if s is not None]
        )


class L2Norm:
    """Sum of per-layer weight L2 norms of the Conv/Linear layers that run (no data used)."""

    name = "l2_norm"
    needs_labels = False
    settings: dict = {}

    def score(self, net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, generator: torch.Generator) -> float:
        ran = {id(m) for m in executed_modules(net, inputs[:1])}
        with torch.no_grad():
            return _total([m.weight.norm() for m in prunable_layers(net) if id(m) in ran])


PROXIES = (GradNorm, Snip, Grasp, Fisher, Plain, L2Norm)


@hookimpl
def nasbench_register_proxies(register) -> None:
    for cls in PROXIES:
        register(cls())
