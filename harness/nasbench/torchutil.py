"""Small torch helpers every space shares: explicit-generator init and device resolution."""

from __future__ import annotations

import math

import torch
from torch import nn

from nasbench.errors import BadInput


def reset_parameters(module: nn.Module, generator: torch.Generator) -> nn.Module:
    """Re-initialise conv/linear/BN parameters from ``generator`` (PyTorch's default scheme).

    Module constructors draw from torch's global RNG; re-drawing here makes a network a pure
    function of the generator's seed without touching global state.
    """
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear, nn.Conv1d)):
            weight = m.weight
            with torch.no_grad():
                cpu = torch.empty(weight.shape, dtype=weight.dtype)
                nn.init.kaiming_uniform_(cpu, a=math.sqrt(5), generator=generator)
                weight.copy_(cpu)
                if m.bias is not None:
                    fan_in = nn.init._calculate_correct_fan(cpu, "fan_in")
                    bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
                    bias = torch.empty(m.bias.shape, dtype=m.bias.dtype).uniform_(-bound, bound, generator=generator)
                    m.bias.copy_(bias)
        elif isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.reset_running_stats()
            if m.affine:
                with torch.no_grad():
                    m.weight.fill_(1.0)
                    m.bias.zero_()
    return module


def resolve_device(name: str) -> torch.device:
    """``auto`` -> CUDA when present, else CPU; anything else must be a valid torch device."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, TypeError) as exc:
        raise BadInput(f"bad --device {name!r}: use auto, cpu, cuda or cuda:N") from exc
    if device.type == "cuda" and not torch.cuda.is_available():
        raise BadInput(f"--device {name} asked for, but CUDA is not available on this machine")
    return device


def torch_generator(seed: int) -> torch.Generator:
    """A CPU generator seeded with ``seed`` (CPU so that results do not depend on the device)."""
    gen = torch.Generator()
    gen.manual_seed(seed)
    return gen
