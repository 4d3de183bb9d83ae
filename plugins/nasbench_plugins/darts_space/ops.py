"""DARTS candidate ops, as in the DARTS code (Liu et al. 2019, ``operations.py``), plus RobustDARTS' noise.

``sep_conv`` = two stacked ReLU-dwconv-pwconv-BN; ``dil_conv`` = one ReLU-dilated dwconv-pwconv-BN;
``skip_connect`` in a stride-2 position is a ``FactorizedReduce``. In the search supernet
(``affine=False``) a pooling op is followed by a non-affine BN, as DARTS' ``MixedOp`` does.
``noise`` (Zela et al. 2020, space S4) outputs N(0, 1) of the output shape regardless of the
input, drawn from the op's own generator so that runs are reproducible.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.nn import functional as F

from nasbench.api import AvgPool3x3

#: the 8 DARTS ops in the order of DARTS' PRIMITIVES
DARTS_OPS = (
    "none",
    "max_pool_3x3",
    "avg_pool_3x3",
    "skip_connect",
    "sep_conv_3x3",
    "sep_conv_5x5",
    "dil_conv_3x3",
    "dil_conv_5x5",
)


class ReLUConvBN(nn.Sequential):
    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, padding: int, affine: bool) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=padding, bias=False),
            nn.BatchNorm2d(c_out, affine=affine),
        )


class DepthwiseConv2d(nn.Conv2d):
    """The depthwise conv of sep/dil convs. Under CPU bf16 autocast it runs in fp32 instead: torch's
    bf16 depthwise kernels took 2-3.6x the fp32 time forward+backward when 5x5, dilated or strided
    and no less when 3x3 (docs/precision.md). Same parameters, same state_dict as an nn.Conv2d."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.device.type == "cpu" and torch.is_autocast_enabled("cpu"):
            with torch.autocast("cpu", enabled=False):
                return super().forward(x.float())
        return super().forward(x)


class DilConv(nn.Sequential):
    def __init__(
        self, c_in: int, c_out: int, kernel: int, stride: int, padding: int, dilation: int, affine: bool
    ) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            DepthwiseConv2d(c_in, c_in, kernel, stride, padding, dilation=dilation, groups=c_in, bias=False),
            nn.Conv2d(c_in, c_out, 1, bias=False),
            nn.BatchNorm2d(c_out, affine=affine),
        )


class SepConv(nn.Sequential):
    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, padding: int, affine: bool) -> None:
        super().__init__(
            DilConv(c_in, c_in, kernel, stride, padding, 1, affine),
            DilConv(c_in, c_out, kernel, 1, padding, 1, affine),
        )


class FactorizedReduce(nn.Module):
    """Halves the spatial size with two offset stride-2 1x1 convs, concatenated.

    The offset branch reads ``x[:, :, 1:, 1:]`` as DARTS' code does. On odd sizes (TE-NAS' 3x3
    region-count crops) it sees the input padded by one zero row and column at the bottom right,
    as in xautodl (TE-NAS' and NB201's ops): the two branches would otherwise differ in size. On
    even sizes both give the same values; the slice also gives DARTS' gradients bit for bit (the
    padded input's conv backward sums in another order, which ``verify darts-pt`` showed as drift).
    """

    def __init__(self, c_in: int, c_out: int, affine: bool) -> None:
        super().__init__()
        if c_out % 2:
            raise ValueError(f"FactorizedReduce needs an even number of output channels, got {c_out}")
        self.relu = nn.ReLU(inplace=False)
        self.conv_1 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, bias=False)
        self.conv_2 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, bias=False)
        self.bn = nn.BatchNorm2d(c_out, affine=affine)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(x)
        odd = x.shape[-1] % 2 or x.shape[-2] % 2
        offset = F.pad(x, (0, 1, 0, 1))[:, :, 1:, 1:] if odd else x[:, :, 1:, 1:]
        return self.bn(torch.cat([self.conv_1(x), self.conv_2(offset)], dim=1))


class Zero(nn.Module):
    """The ``none`` op of a discrete cell: zeros of the output shape (never run in a supernet)."""

    def __init__(self, stride: int) -> None:
        super().__init__()
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, :, :: self.stride, :: self.stride].mul(0.0)


class Noise(nn.Module):
    """RobustDARTS' noise op: N(0, 1) of the output shape, independent of the input values."""

    def __init__(self, stride: int, seed: int) -> None:
        super().__init__()
        self.stride = stride
        self.generator = torch.Generator()
        self.generator.manual_seed(seed)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = x[:, :, :: self.stride, :: self.stride].shape
        return torch.randn(shape, generator=self.generator, dtype=x.dtype).to(x.device)


def _pool(kind: type[nn.Module], stride: int, channels: int, affine: bool) -> nn.Module:
    pool = (
        nn.MaxPool2d(3, stride=stride, padding=1)
        if kind is nn.MaxPool2d
        else AvgPool3x3(stride)  # AvgPool2d(3, stride, 1, count_include_pad=False)
    )
    return pool if affine else nn.Sequential(pool, nn.BatchNorm2d(channels, affine=False))


OpFactory = Callable[[int, int, bool, int], nn.Module]

#: op name -> factory(channels, stride, affine, seed); ``seed`` only matters for ``noise``
OP_FACTORIES: dict[str, OpFactory] = {
    "none": lambda c, s, a, _seed: Zero(s),
    "max_pool_3x3": lambda c, s, a, _seed: _pool(nn.MaxPool2d, s, c, a),
    "avg_pool_3x3": lambda c, s, a, _seed: _pool(nn.AvgPool2d, s, c, a),
    "skip_connect": lambda c, s, a, _seed: nn.Identity() if s == 1 else FactorizedReduce(c, c, a),
    "sep_conv_3x3": lambda c, s, a, _seed: SepConv(c, c, 3, s, 1, a),
    "sep_conv_5x5": lambda c, s, a, _seed: SepConv(c, c, 5, s, 2, a),
    "dil_conv_3x3": lambda c, s, a, _seed: DilConv(c, c, 3, s, 2, 2, a),
    "dil_conv_5x5": lambda c, s, a, _seed: DilConv(c, c, 5, s, 4, 2, a),
    "noise": lambda c, s, a, seed: Noise(s, seed),
}


def make_op(name: str, channels: int, stride: int, affine: bool, seed: int = 0) -> nn.Module:
    return OP_FACTORIES[name](channels, stride, affine, seed)
