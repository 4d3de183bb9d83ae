"""Size proxies: ``params`` (millions of parameters) and ``flops`` (millions of FLOPs per sample).

Both count only the modules that actually run on one sample of the minibatch (one eval-mode
forward under ``inference_mode``), so a supernet with an op switched off costs less than with it
on, and a discrete network counts everything it has. Counting rules are those of xautodl's
``get_model_infos``, which NASLib's reference values use:

- params: every parameter of an executed leaf module (Conv, Linear, affine BN), each once.
- flops: Conv = k_h * k_w * C_in / groups * C_out * H_out * W_out (+ C_out * H_out * W_out with
  bias); Linear = in * out (+ out with bias); AvgPool2d / MaxPool2d = k^2 * C * H_out * W_out;
  BN, ReLU, adaptive pooling and additions are free. Multiply-adds count as one.

Sign: higher = better (bigger NB201 networks are more accurate; NASLib reports positive
correlations). Labels: no. Data: only the input shape. Precision: exact integers, returned in
millions as float64.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from nasbench.api import hookimpl
from nasbench_plugins.proxies.runtime import executed_modules, hooked_eval_forward


def _pair(v: int | tuple[int, ...]) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[-1]))


def conv_flops(m: nn.Conv2d, out: torch.Tensor) -> int:
    kh, kw = _pair(m.kernel_size)
    positions = int(out[0, 0].numel())
    flops = kh * kw * m.in_channels // m.groups * m.out_channels * positions
    return flops + (m.out_channels * positions if m.bias is not None else 0)


def linear_flops(m: nn.Linear, out: torch.Tensor) -> int:
    rows = int(out[0].numel()) // m.out_features
    return rows * (m.in_features * m.out_features + (m.out_features if m.bias is not None else 0))


def pool_flops(m: nn.AvgPool2d | nn.MaxPool2d, out: torch.Tensor) -> int:
    kh, kw = _pair(m.kernel_size)
    return kh * kw * int(out[0].numel())


#: module type -> FLOPs of one sample given that sample's output (xautodl's rules)
FLOP_RULES = {nn.Conv2d: conv_flops, nn.Linear: linear_flops, nn.AvgPool2d: pool_flops, nn.MaxPool2d: pool_flops}


def flop_rule(module: nn.Module) -> Any:
    """The FLOP rule of the module's class or of the nearest base class that has one (a space's
    own pooling or conv class, e.g. ``nasbench.api.AvgPool3x3``, counts as its torch base)."""
    return next((FLOP_RULES[cls] for cls in type(module).__mro__ if cls in FLOP_RULES), None)


def count_flops(net: nn.Module, sample: torch.Tensor) -> int:
    """FLOPs of ``net`` on one sample (``sample`` is a batch of one)."""
    total = 0

    def hook(module: nn.Module, _args: tuple, out: torch.Tensor) -> None:
        nonlocal total
        total += flop_rule(module)(module, out)

    hooked_eval_forward(net, sample, [m for m in net.modules() if flop_rule(m) is not None], hook)
    return total


def count_params(net: nn.Module, sample: torch.Tensor) -> int:
    """Parameters of the leaf modules that run on ``sample``, each parameter once."""
    seen: dict[int, int] = {}
    for m in executed_modules(net, sample):
        for p in m.parameters(recurse=False):
            seen[id(p)] = p.numel()
    return sum(seen.values())


class Params:
    """Millions of parameters that take part in the forward pass."""

    name = "params"
    needs_labels = False
    settings: dict = {}

    def score(self, net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, generator: torch.Generator) -> float:
        return count_params(net, inputs[:1]) / 1e6


class Flops:
    """Millions of FLOPs (multiply-adds) per sample, xautodl's counting rules."""

    name = "flops"
    needs_labels = False
    settings: dict = {}

    def score(self, net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, generator: torch.Generator) -> float:
        return count_flops(net, inputs[:1]) / 1e6


@hookimpl
def nasbench_register_proxies(register) -> None:
    register(Params())
    register(Flops())
