"""Small torch helpers every space shares: explicit-generator init, device resolution, and the
3x3 average pooling of NB201 and DARTS cells."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
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


class AvgPool3x3(nn.AvgPool2d):
    """``AvgPool2d(3, stride, padding=1, count_include_pad=False)`` (the NB201 / DARTS cell op).

    On a channels-last input it is computed as a depthwise convolution with a ones kernel divided
    by each window's count: the same average, and forward+backward 2.2x faster in bf16 and 1.6x in
    fp32 on this project's CPU, whose pooling kernels are slow there (docs/precision.md). An NCHW
    input takes torch's pooling as before. Still an ``nn.AvgPool2d`` for hooks and FLOP counts.
    """

    def __init__(self, stride: int = 1) -> None:
        super().__init__(3, stride=stride, padding=1, count_include_pad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.is_contiguous() or not x.is_contiguous(memory_format=torch.channels_last):
            return super().forward(x)
        c, h, w = x.shape[1:]
        ones = torch.ones(c, 1, 3, 3, dtype=x.dtype, device=x.device)
        summed = F.conv2d(x, ones, stride=self.stride, padding=1, groups=c)
        window = torch.ones(1, 1, h, w, dtype=summed.dtype, device=x.device)
        count = F.conv2d(window, ones[:1].to(summed.dtype), stride=self.stride, padding=1)
        # every channel, channels-last: a broadcast bf16 divide ran 5x slower (measured)
        count = count.expand(1, c, *count.shape[2:]).contiguous(memory_format=torch.channels_last)
        return summed / count
