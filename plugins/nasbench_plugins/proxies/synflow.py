"""SynFlow (Tanaka et al. 2020), as zero-cost-nas / NASLib compute it for NAS.

Definition: on a copy of the network with every parameter replaced by its absolute value and
every BatchNorm removed (replaced by identity, zero-cost-nas' ``bn=False`` copy), feed one
all-ones input of the minibatch's image shape and back-propagate R = sum(output). Score =
sum over the weights W of every Conv/Linear layer that ran of |W * dR/dW|.
Sign: higher = better. Batch size: 1 (the all-ones sample; the minibatch only gives the
shape and device). Labels: not needed. Data-independent: yes. Precision: float64 throughout
(products of |W| over depth overflow float32 quickly). NASLib stores log(score); ours is the
raw sum (same ranking).

The score needs |W| and no BN, so it works on a deep copy (the caller's network is never
modified); the copy costs one network's memory. A supernet's switched-off ops do not run in
the copy either, so their weights get no gradient and are skipped.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from nasbench.api import hookimpl
from nasbench_plugins.proxies.runtime import prunable_layers


def without_batchnorm(net: nn.Module) -> nn.Module:
    """Replace every BatchNorm module of ``net`` (in place) by ``nn.Identity``."""
    for parent in list(net.modules()):
        for child_name, child in list(parent.named_children()):
            if isinstance(child, nn.modules.batchnorm._BatchNorm):
                setattr(parent, child_name, nn.Identity())
    return net


def synflow_copy(net: nn.Module) -> nn.Module:
    """A float64 copy of ``net`` without BN and with |W| for every parameter."""
    clone = without_batchnorm(copy.deepcopy(net)).double()
    with torch.no_grad():
        for p in clone.parameters():
            p.abs_()
            p.grad = None
            p.requires_grad_(True)
    return clone


class SynFlow:
    """Synaptic flow of the |W| network on an all-ones input, in float64."""

    name = "synflow"
    needs_labels = False
    settings: dict = {}

    def score(self, net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, generator: torch.Generator) -> float:
        clone = synflow_copy(net)
        clone.eval()
        ones = torch.ones((1, *inputs.shape[1:]), dtype=torch.float64, device=inputs.device)
        clone(ones).sum().backward()
        values = [(m.weight * m.weight.grad).abs().sum() for m in prunable_layers(clone) if m.weight.grad is not None]
        return float(torch.stack(values).sum().detach()) if values else 0.0


@hookimpl
def nasbench_register_proxies(register) -> None:
    register(SynFlow())
