"""NAS-Bench-201 building blocks, as in the official NAS-Bench-201 / NATS-Bench code.

Conv bias: the Zero-Cost-PT / DARTS-PT supernet (``nasbench201/cell_operations.py:64`` of
visionbasicagent/zerocost_operation_score) has bias-free convs; NATS-Bench's xautodl gives a
search conv a bias (``bias=not affine``). The space's ``nb201_conv_bias`` setting picks one.

``block_input``: the official supernet runs a removed op on ``x * 0`` (``cell_operations.py:68-71``)
instead of skipping it. A forward hook on the op still sees the real ``x`` (hooks get the
call's positional arguments), while the op's inner ReLU sees zeros; the op contributes 0.
"""

from __future__ import annotations

import torch
from torch import nn

from nasbench.api import AvgPool3x3

OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")


class ReLUConvBN(nn.Sequential):
    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, affine: bool, bias: bool | None = None) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(
                c_in, c_out, kernel, stride=stride, padding=kernel // 2, bias=(not affine) if bias is None else bias
            ),
            nn.BatchNorm2d(c_out, affine=affine),
        )

    def forward(self, x: torch.Tensor, block_input: bool = False) -> torch.Tensor:
        return super().forward(x * 0 if block_input else x)


class Pooling(nn.Module):
    def __init__(self, stride: int) -> None:
        super().__init__()
        self.pool = AvgPool3x3(stride)  # AvgPool2d(3, stride, 1, count_include_pad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(x)


def make_op(name: str, channels: int, affine: bool, bias: bool | None = None) -> nn.Module | None:
    """The module of one op on a stride-1 cell edge; ``None`` for ``none`` (contributes zero).

    ``bias=None``: the conv has a bias iff ``affine`` is False (xautodl's rule)."""
    if name == "none":
        return None
    if name == "skip_connect":
        return nn.Identity()
    if name == "nor_conv_1x1":
        return ReLUConvBN(channels, channels, 1, 1, affine, bias)
    if name == "nor_conv_3x3":
        return ReLUConvBN(channels, channels, 3, 1, affine, bias)
    if name == "avg_pool_3x3":
        return Pooling(1)
    raise KeyError(name)


class ResNetBasicblock(nn.Module):
    """The residual reduction block between NB201 stages (stride 2, channels doubled)."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, 2, affine=True)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, 1, affine=True)
        self.downsample = nn.Sequential(
            nn.AvgPool2d(kernel_size=2, stride=2, padding=0),
            nn.Conv2d(c_in, c_out, kernel_size=1, stride=1, padding=0, bias=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.downsample(x) + self.conv_b(self.conv_a(x))
