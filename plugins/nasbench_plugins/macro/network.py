"""NAS-Bench-Macro networks (Su et al. 2021), following ``xiusu/NAS-Bench-Macro:train/model.py@b1ee7c6``.

Stem 3x3 conv (C=32) + BN + ReLU; 8 searchable layers in stages of [2, 3, 3], the first layer of
each stage with stride 2 and doubled channels (32x32 -> 16 -> 8 -> 4; 64, 128, 256 channels);
head 1x1 conv to 1280 + BN + ReLU, global pool, linear. Choices per layer: ``identity`` (a 1x1
conv + BN where the layer changes shape, as upstream), ``mb3_k3`` and ``mb6_k5`` (MobileNetV2
inverted residuals, expansion 3 / kernel 3 and expansion 6 / kernel 5, shortcut when the shape
is kept). The supernet has the 3 choices on every layer behind the ``nasbench.supernet`` mask.
"""

from __future__ import annotations

import torch
from torch import nn

from nasbench.api import new_mask

MACRO_OPS = ("identity", "mb3_k3", "mb6_k5")
STAGES = (2, 3, 3)
EDGES = tuple(f"layer{i}" for i in range(sum(STAGES)))


class Identity(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.downsample = None
        if stride != 1 or c_in != c_out:
            self.downsample = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x if self.downsample is None else self.downsample(x)


class InvertedResidual(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int, expansion: int, kernel: int) -> None:
        super().__init__()
        hidden = round(c_in * expansion)
        self.conv = nn.Sequential(
            nn.Conv2d(c_in, hidden, 1, bias=False),
            nn.BatchNorm2d(hidden),
            nn.ReLU(inplace=False),
            nn.Conv2d(hidden, hidden, kernel, stride, padding=kernel // 2, groups=hidden, bias=False),
            nn.BatchNorm2d(hidden),
            nn.ReLU(inplace=False),
            nn.Conv2d(hidden, c_out, 1, bias=False),
            nn.BatchNorm2d(c_out),
        )
        self.shortcut = c_in == c_out and stride == 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x) + x if self.shortcut else self.conv(x)


OP_FACTORIES = {
    "identity": lambda c_in, c_out, s: Identity(c_in, c_out, s),
    "mb3_k3": lambda c_in, c_out, s: InvertedResidual(c_in, c_out, s, 3, 3),
    "mb6_k5": lambda c_in, c_out, s: InvertedResidual(c_in, c_out, s, 6, 5),
}


def _layers(channels: int) -> list[tuple[int, int, int]]:
    """(c_in, c_out, stride) of the 8 layers."""
    out, c = [], channels
    for stage in STAGES:
        for idx in range(stage):
            out.append((c, 2 * c, 2) if idx == 0 else (c, c, 1))
            c = 2 * c if idx == 0 else c
    return out


class _Macro(nn.Module):
    def _build(self, layers: nn.ModuleList, channels: int, head: int, num_classes: int) -> None:
        self.stem = nn.Sequential(
            nn.Conv2d(3, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels), nn.ReLU(inplace=False)
        )
        self.features = layers
        c_last = _layers(channels)[-1][1]
        self.out = nn.Sequential(
            nn.Conv2d(c_last, head, 1, bias=False),
            nn.BatchNorm2d(head),
            nn.ReLU(inplace=False),
            nn.AdaptiveAvgPool2d(1),
        )
        self.classifier = nn.Linear(head, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for i, layer in enumerate(self.features):
            x = self._layer(i, layer, x)
        return self.classifier(self.out(x).flatten(1))

    def _layer(self, i: int, layer: nn.Module, x: torch.Tensor) -> torch.Tensor:
        return layer(x)


class MacroNetwork(_Macro):
    """The discrete network of one arch (one op name per layer)."""

    def __init__(self, ops: tuple[str, ...], num_classes: int, channels: int = 32, head: int = 1280) -> None:
        super().__init__()
        layers = nn.ModuleList([OP_FACTORIES[op](*shape) for op, shape in zip(ops, _layers(channels))])
        self._build(layers, channels, head, num_classes)


class MacroSupernet(_Macro):
    """Every choice on every layer; ``op_mask`` / ``op_weights`` as in ``nasbench.supernet``."""

    def __init__(self, num_classes: int, channels: int = 32, head: int = 1280) -> None:
        super().__init__()
        self.edges = EDGES
        self.edge_ops = tuple(MACRO_OPS for _ in EDGES)
        self.op_mask = new_mask(self.edge_ops)
        self.op_weights: torch.Tensor | None = None
        self.shapes = _layers(channels)
        layers = nn.ModuleList([nn.ModuleList([OP_FACTORIES[op](*shape) for op in MACRO_OPS]) for shape in self.shapes])
        self._build(layers, channels, head, num_classes)

    def _layer(self, i: int, layer: nn.Module, x: torch.Tensor) -> torch.Tensor:
        acc = None
        for k in range(len(MACRO_OPS)):
            if not self.op_mask[i, k]:
                continue
            out = layer[k](x)
            if self.op_weights is not None:
                out = out * self.op_weights[i, k]
            acc = out if acc is None else acc + out
        if acc is None:  # every choice removed: the layer passes nothing on
            _c_in, c_out, stride = self.shapes[i]
            h, w = x.shape[2:]
            acc = x.new_zeros((x.shape[0], c_out, (h + stride - 1) // stride, (w + stride - 1) // stride))
        return acc
