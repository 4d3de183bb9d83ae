"""Zen-NAS score (Lin et al. 2021): expressivity of the pre-pooling features under perturbation.

``zen`` is the authors' code (ZenNAS ``ZeroShotProxy/compute_zen_score.py:33-66`` @ec10755, one
repeat, as NASLib's ``zen.py`` runs it): on a copy of the network re-initialised with Conv/Linear
weights ~ N(0, 1), biases 0, BN scale 1 / shift 0 (``network_weight_gaussian_init``), in train
mode, x, e ~ N(0, 1) of the minibatch's shape (drawn from the proxy generator), x' = x + gamma * e
with gamma = 1e-2; F(.) = the input of the network's last global average pool. Score =
log( mean_n sum_chw |F(x) - F(x')| ) + sum over ``BatchNorm2d`` layers of log sqrt(mean running_var),
read after the two forwards: the BN momentum has moved each running variance from its value in the
given network (1 in a fresh one) towards the two batches' unbiased variances. A BN without running
statistics has none to read and is left out.

``zen_paper`` is the paper's BN scaling factor instead (nasbench's zen before 2026-12-07): sigma_bn =
sqrt(mean over channels of the batch variance of the BN input in the forward of x), and a BN whose
input is identically zero (a branch fed only by ``none`` edges) is left out rather than sending the
score to -inf. On 200 NASLib NB201 archs (CIFAR-10, batch 64) ``zen`` has Spearman 0.999 with
NASLib's published zen and a median absolute difference of 0.64; ``zen_paper`` 0.982 and 28.7: a
BN input of large variance v has a running variance of about 0.19 v, so ``zen_paper`` is about 0.83
higher per such BN (docs/proxies.md).

Sign: higher = better. Labels: no. Data: only the input shape (Gaussian inputs). Batch size:
the run's minibatch. Precision: float32 forward, log terms summed in float64. A network whose
output does not depend on its input scores -inf (log 0).

Needs a global average pool (``nn.AdaptiveAvgPool2d``) to find F; raises ``BadInput`` without
one. Works on a deep copy because it re-initialises weights; the caller's network is untouched.
"""

from __future__ import annotations

import copy
import math

import torch
from torch import nn

from nasbench.api import BadInput, hookimpl
from nasbench_plugins.proxies.runtime import forward

MIXUP_GAMMA = 1e-2


def gaussian_init(net: nn.Module, generator: torch.Generator) -> nn.Module:
    """Zen-NAS init: Conv/Linear weights N(0, 1) and zero bias; BN weight 1, bias 0."""
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                m.weight.copy_(torch.randn(m.weight.shape, generator=generator, dtype=m.weight.dtype))
                if m.bias is not None:
                    m.bias.zero_()
            elif isinstance(m, (nn.modules.batchnorm._BatchNorm, nn.GroupNorm)) and m.weight is not None:
                m.weight.fill_(1.0)
                m.bias.zero_()
    return net


def _last_global_pool(net: nn.Module) -> nn.Module:
    pools = [m for m in net.modules() if isinstance(m, nn.AdaptiveAvgPool2d)]
    if not pools:
        raise BadInput("zen needs a network with a global average pool (nn.AdaptiveAvgPool2d) to read features")
    return pools[-1]


def zen_score(
    net: nn.Module, inputs: torch.Tensor, generator: torch.Generator, gamma: float = MIXUP_GAMMA, bn: str = "running"
) -> float:
    """The Zen-NAS score of ``net`` (already Gaussian-initialised, in train mode); ``bn`` = "running"
    (the authors' code: each ``BatchNorm2d``'s running variance after the two forwards) or "batch"
    (the paper: the batch variance of each BN input in the forward of x, BNs fed only zeros left out)."""
    pool = _last_global_pool(net)
    features: list[torch.Tensor] = []
    bn_log_sigma: list[float] = []
    record_bn = [True]  # only the forward of x (the hooks exist for bn == "batch" only)

    def pool_hook(_m: nn.Module, args: tuple, _out: torch.Tensor) -> None:
        features.append(args[0])

    def bn_hook(_m: nn.Module, args: tuple, _out: torch.Tensor) -> None:
        if record_bn[0]:
            x = args[0].double()
            dims = [0] + list(range(2, x.dim()))
            var = float(x.var(dim=dims, unbiased=False).mean())
            if var > 0:  # a BN fed only zeros (a dead branch) has no scale to contribute
                bn_log_sigma.append(0.5 * math.log(var))

    handles = [pool.register_forward_hook(pool_hook)]
    if bn == "batch":
        handles += [
            m.register_forward_hook(bn_hook) for m in net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)
        ]
    shape, device = inputs.shape, inputs.device
    x = torch.randn(shape, generator=generator).to(device)
    e = torch.randn(shape, generator=generator).to(device)
    try:
        with torch.no_grad():
            forward(net, x)
            record_bn[0] = False
            forward(net, x + gamma * e)
    finally:
        for h in handles:
            h.remove()
    if bn == "running":
        bn_log_sigma = [
            0.5 * math.log(float(m.running_var.double().mean()))
            for m in net.modules()
            if isinstance(m, nn.BatchNorm2d) and m.running_var is not None
        ]
    diff = (features[0] - features[1]).double().abs().flatten(1).sum(dim=1).mean()
    return float(torch.log(diff)) + math.fsum(bn_log_sigma)


class Zen:
    """Zen-NAS: log feature sensitivity to a small input perturbation plus log BN scales.

    The BN scales are read from ``running_var`` after the two forwards, as the authors' code does."""

    name = "zen"
    version = "2"  # 2: BN scales from running_var (Zen-NAS' code); 1 was the paper's, now zen_paper
    needs_labels = False
    settings: dict = {}
    bn = "running"

    def __init__(self, gamma: float = MIXUP_GAMMA) -> None:
        self.gamma = gamma

    def score(self, net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, generator: torch.Generator) -> float:
        clone = gaussian_init(copy.deepcopy(net), generator)
        clone.train()
        return zen_score(clone, inputs, generator, self.gamma, self.bn)


class ZenPaper(Zen):
    """Zen-NAS with the paper's BN scaling factor: the batch std of each BN input (ablation)."""

    name = "zen_paper"
    version = "1"
    bn = "batch"


@hookimpl
def nasbench_register_proxies(register) -> None:
    register(Zen())
    register(ZenPaper())
