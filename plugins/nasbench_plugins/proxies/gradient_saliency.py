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
fisher     sum over channels of 0.5 * mean_n (sum_hw a*da)^2  a = layer output, da = dL/da per sample
plain      sum g * W                                     signed
l2_norm    sum over layers of ||W||_2                    no data, no labels; executed layers only
=========  ============================================  ==========================================

Sign: higher = better for all (as NASLib reports them). Batch size: the run's minibatch. Mode:
train (BN uses batch statistics), as upstream. Precision: float32 (the network's dtype); the sum
is accumulated in float64. Params whose grad is None (ops a supernet mask switched off) are
skipped. On CUDA OOM the batch is split into parts whose losses are weighted n_part/n, so the
accumulated gradients equal the full-batch ones. The network is left as it was (see
``nasbench.proxy_runtime.untouched``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from nasbench.hookspecs import hookimpl
from nasbench.proxy_runtime import ce_backward, chunks, executed_modules, prunable_layers, untouched, with_oom_retry


def _total(values: list[torch.Tensor]) -> float:
    if not values:
        return 0.0
    return float(torch.stack([v.double() for v in values]).sum())


class _GradProxy:
    """One backward pass of the CE loss, then a sum over the layers that got a gradient."""

    name = ""
    needs_labels = True
    settings: dict = {}

    def layer_value(self, layer: nn.Module) -> torch.Tensor:
        raise NotImplementedError

    def compute(self, net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, parts: int) -> float:
        for p in net.parameters():
            p.grad = None
        ce_backward(net, inputs, targets, parts)
        return _total([self.layer_value(m) for m in prunable_layers(net) if m.weight.grad is not None])

    def score(self, net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, generator: torch.Generator) -> float:
        with untouched(net):
            return with_oom_retry(lambda parts: self.compute(net, inputs, targets, parts), inputs.shape[0])


class GradNorm(_GradProxy):
    """Sum of per-layer gradient L2 norms."""

    name = "grad_norm"

    def layer_value(self, layer: nn.Module) -> torch.Tensor:
        return layer.weight.grad.norm()


class Snip(_GradProxy):
    """SNIP connection sensitivity |g * W| (Lee et al. 2019)."""

    name = "snip"

    def layer_value(self, layer: nn.Module) -> torch.Tensor:
        return (layer.weight.grad * layer.weight.detach()).abs().sum()


class Plain(_GradProxy):
    """First-order Taylor term g * W, signed."""

    name = "plain"

    def layer_value(self, layer: nn.Module) -> torch.Tensor:
        return (layer.weight.grad * layer.weight.detach()).sum()


class Grasp(_GradProxy):
    """GraSP (Wang et al. 2020): -W * (H g), with g the detached full-batch gradient."""

    name = "grasp"

    def compute(self, net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, parts: int) -> float:
        layers = prunable_layers(net)
        weights = [m.weight for m in layers]
        for p in net.parameters():
            p.grad = None
        grad_w: list[torch.Tensor | None] = [None] * len(weights)
        for x, y, w in chunks(inputs, targets, parts):
            loss = F.cross_entropy(net(x), y) * w
            for i, g in enumerate(torch.autograd.grad(loss, weights, allow_unused=True)):
                if g is not None:
                    grad_w[i] = g if grad_w[i] is None else grad_w[i] + g
        used = [i for i, g in enumerate(grad_w) if g is not None]
        if not used:
            return 0.0
        for x, y, w in chunks(inputs, targets, parts):
            loss = F.cross_entropy(net(x), y) * w
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


class Fisher(_GradProxy):
    """Fisher channel saliency (Theis et al. 2018; Turner et al. 2020) of Conv/Linear outputs."""

    name = "fisher"

    def compute(self, net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, parts: int) -> float:
        n = inputs.shape[0]
        sums: dict[int, torch.Tensor] = {}

        def forward_hook(module: nn.Module, _args: tuple, out: torch.Tensor) -> None:
            if not out.requires_grad:
                return
            act = out.detach()

            def grad_hook(grad: torch.Tensor) -> None:
                g_nk = act * grad if act.dim() <= 2 else (act * grad).sum(dim=tuple(range(2, act.dim())))
                contrib = g_nk.double().pow(2).sum(0)
                key = id(module)
                sums[key] = contrib if key not in sums else sums[key] + contrib

            out.register_hook(grad_hook)

        handles = [m.register_forward_hook(forward_hook) for m in prunable_layers(net)]
        try:
            for p in net.parameters():
                p.grad = None
            ce_backward(net, inputs, targets, parts)
        finally:
            for h in handles:
                h.remove()
        # 0.5 * mean over samples of g_nk^2, summed over channels and layers
        return _total([0.5 * s.sum() / n for s in sums.values()])


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
