"""The NASWOT kernel of an NB201 network under the official Zero-Cost-PT rules, without hooks.

The official score (``nasbench201/op_score.py:12-43``, ``Scorers/scorer.py:21-42`` of
visionbasicagent/zerocost_operation_score @55fc52b) hooks every module whose class name contains
"ReLU" and adds K_c = c c^T + (1 - c)(1 - c)^T of each hooked module's input code c = (input > 0).
On NB201 that is each ``nn.ReLU`` *and* each ``ReLUConvBN`` wrapper (same input, so counted twice),
and a weight-0 op runs on ``x * 0``: the wrapper still codes x, the inner ReLU codes zeros, which
adds D 11^T (D = units of x). This module gets the same kernel by walking the network once:

- a node's code kernel is computed once and multiplied by the number of hooks that see it;
- a blocked conv adds D 11^T without running a convolution;
- no hooks, no autograd (``torch.inference_mode``), no copy of the network;
- on CPU, 3x3 average pooling is a depthwise conv with a ones kernel divided by the window
  count, and a 1x1 conv is a matmul: the same values (tests compare them), 3-7x faster than
  ``avg_pool2d(count_include_pad=False)`` and mkldnn's 1x1 conv at NB201's sizes.

``KernelRules`` switches each rule off alone, for the ablation table in docs/zc-pt.md.
Codes are 0/1, so c c^T is exact in float32 (< 2^24 per entry); K is accumulated in float64.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from nasbench.api import network_precision
from nasbench_plugins.nb201.network import EDGES, InferCell, NB201Network, NB201Supernet, SearchCell
from nasbench_plugins.nb201.ops import OPS, Pooling, ReLUConvBN, ResNetBasicblock
from nasbench_plugins.zero_cost_pt.codes import CodeKernel as _Kernel
from nasbench_plugins.zero_cost_pt.codes import logdet


@dataclass(frozen=True)
class KernelRules:
    """Which of the official rules apply (all True = the official code)."""

    bn_eval: bool = True  # BN normalises with its running statistics (fresh: mean 0, var 1), not the batch's
    wrapper_hooks: bool = True  # a ReLUConvBN's input is coded by the wrapper as well as by its inner ReLU
    blocked: bool = True  # a weight-0 conv runs on x*0 (wrapper codes x, inner ReLU codes zeros); else not run


def _is_nchw(x: torch.Tensor) -> bool:
    return x.is_contiguous()


def _format(x: torch.Tensor) -> torch.memory_format:
    return torch.contiguous_format if _is_nchw(x) else torch.channels_last


def _add(total: torch.Tensor, term: torch.Tensor, alpha: float = 1.0) -> torch.Tensor:
    """total + alpha * term, reusing ``total`` (a fresh tensor) in fp32. bf16 adds out of place:
    torch's in-place bf16 add ran 2-3x slower than a new tensor on this CPU (measured)."""
    if total.dtype == torch.float32:
        return total.add_(term, alpha=alpha)
    return torch.add(total, term, alpha=alpha)


def _bn(bn: nn.BatchNorm2d, x: torch.Tensor, rules: KernelRules) -> torch.Tensor:
    if rules.bn_eval:
        return F.batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias, False, 0.0, bn.eps)
    return F.batch_norm(x, None, None, bn.weight, bn.bias, True, 0.0, bn.eps)


def _conv(conv: nn.Conv2d, x: torch.Tensor) -> torch.Tensor:
    if conv.kernel_size == (1, 1) and conv.stride == (1, 1) and conv.groups == 1 and _is_nchw(x):
        b, c, h, w = x.shape
        out = torch.matmul(conv.weight.reshape(conv.out_channels, c), x.reshape(b, c, h * w))
        out = out.reshape(b, conv.out_channels, h, w)
        return out if conv.bias is None else out + conv.bias.view(1, -1, 1, 1)
    return conv(x)


def _relu_conv_bn(op: ReLUConvBN, x: torch.Tensor, rules: KernelRules) -> torch.Tensor:
    return _bn(op[2], _conv(op[1], torch.relu(x)), rules)


class _Pool3x3:
    """``AvgPool2d(3, 1, 1, count_include_pad=False)`` as depthwise conv / window count."""

    def __init__(self) -> None:
        self._cache: dict[tuple, tuple[torch.Tensor, torch.Tensor]] = {}

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        _, c, h, w = x.shape
        key = (c, h, w, x.device, x.dtype, _is_nchw(x))
        if key not in self._cache:
            ones = torch.ones(c, 1, 3, 3, dtype=x.dtype, device=x.device)
            count = F.conv2d(torch.ones(1, 1, h, w, dtype=x.dtype, device=x.device), ones[:1], padding=1)
            # every channel and x's memory format: a broadcast divide of bf16 ran 5x slower (measured)
            count = count.expand(1, c, h, w).contiguous(memory_format=_format(x))
            self._cache[key] = (ones, count)
        ones, count = self._cache[key]
        return F.conv2d(x, ones, padding=1, groups=c) / count


def _op(layer: nn.Module, x: torch.Tensor, pool: _Pool3x3) -> torch.Tensor:
    """A parameter-free op: identity or 3x3 average pooling."""
    return pool(x) if isinstance(layer, Pooling) else layer(x)


def _wrapper_hooks(rules: KernelRules) -> int:
    return 2 if rules.wrapper_hooks else 1


def _resblock(block: ResNetBasicblock, x: torch.Tensor, kernel: _Kernel, rules: KernelRules) -> torch.Tensor:
    kernel.codes(x, _wrapper_hooks(rules))
    a = _relu_conv_bn(block.conv_a, x, rules)
    kernel.codes(a, _wrapper_hooks(rules))
    b = _relu_conv_bn(block.conv_b, a, rules)
    return block.downsample(x) + b


@dataclass
class _EdgeOps:
    """What one edge computes: (conv module, weight) pairs on relu(x), and weights of x and pool(x)."""

    convs: list = field(default_factory=list)
    skip: torch.Tensor | float = 0.0
    pool: torch.Tensor | float = 0.0


def _fused_convs(pairs: list, rules: KernelRules) -> tuple[torch.Tensor, torch.Tensor]:
    """One kernel and bias for sum_i w_i * BN_eval(conv_i(r)): BN and w folded in, 1x1s padded to 3x3."""
    size = max(conv.kernel_size[0] for conv, _bn_mod, _w in pairs)
    total_w, total_b = None, None
    for conv, bn, w in pairs:
        scale = torch.rsqrt(bn.running_var + bn.eps)
        shift = -bn.running_mean * scale
        if bn.weight is not None:
            scale, shift = scale * bn.weight, shift * bn.weight + bn.bias
        scale, shift = scale * w, shift * w
        kernel = conv.weight * scale.view(-1, 1, 1, 1)
        if conv.kernel_size[0] < size:
            pad = (size - conv.kernel_size[0]) // 2
            kernel = F.pad(kernel, (pad, pad, pad, pad))
        bias = shift if conv.bias is None else shift + conv.bias * scale
        total_w = kernel if total_w is None else total_w + kernel
        total_b = bias if total_b is None else total_b + bias
    return total_w, total_b


def _node_edges(
    x: torch.Tensor, edges: list[_EdgeOps], rules: KernelRules, pool: _Pool3x3
) -> list[torch.Tensor | None]:
    """Outputs of the edges leaving one node (fresh tensors: the caller may add into them in place).
    NCHW: all convs of them in (at most two) stacked convs; channels-last: one conv per edge, since
    a channel slice of a channels-last tensor is strided, and adding strided slices costs more than
    the stacking saves (measured, docs/precision.md)."""
    outs: list[torch.Tensor | None] = [None] * len(edges)
    conv_edges = [i for i, ed in enumerate(edges) if ed.convs]
    if conv_edges:
        r = torch.relu(x)
        if rules.bn_eval:
            for group in _conv_groups(edges, conv_edges, stack=_is_nchw(r)):
                fused = [_fused_convs(edges[i].convs, rules) for i in group]
                weight = torch.cat([f[0] for f in fused])
                bias = torch.cat([f[1] for f in fused])
                if weight.shape[-1] == 1 and _is_nchw(r):
                    b, c, h, w = r.shape
                    y = torch.matmul(weight.reshape(weight.shape[0], c), r.reshape(b, c, h * w))
                    y = y.reshape(b, -1, h, w) + bias.view(1, -1, 1, 1)
                else:
                    y = F.conv2d(r, weight, bias, padding=weight.shape[-1] // 2)
                for part, i in zip(y.split(x.shape[1], dim=1), group):
                    outs[i] = part
        else:  # batch statistics cannot be folded: one conv at a time
            for i in conv_edges:
                for conv, bn, w in edges[i].convs:
                    y = _bn(bn, _conv(conv, r), rules) * w
                    outs[i] = y if outs[i] is None else _add(outs[i], y)
    pooled = pool(x) if any(_nonzero(ed.pool) for ed in edges) else None
    for i, ed in enumerate(edges):
        for value, w in ((x, ed.skip), (pooled, ed.pool)):
            if _nonzero(w):
                outs[i] = value * w if outs[i] is None else _add(outs[i], value, float(w))
    return outs


def _conv_groups(edges: list[_EdgeOps], conv_edges: list[int], stack: bool) -> list[list[int]]:
    """Which edges share one conv: stacked by kernel size (3x3, then 1x1), or one edge each."""
    if not stack:
        return [[i] for i in conv_edges]
    size = {i: max(c.kernel_size[0] for c, _b, _w in edges[i].convs) for i in conv_edges}
    groups = [[i for i in conv_edges if size[i] > 1], [i for i in conv_edges if size[i] == 1]]
    return [g for g in groups if g]


def _nonzero(w: torch.Tensor | float) -> bool:
    return bool(w != 0)


def _cell(edge_ops: list[_EdgeOps], x: torch.Tensor, rules: KernelRules, pool: _Pool3x3) -> torch.Tensor:
    """A 4-node NB201 cell: node i sums its incoming edges in edge order."""
    nodes = [x]
    outs: dict[int, torch.Tensor | None] = {}
    for target in (1, 2, 3):
        for source in range(target):
            if source == target - 1:  # node `source` is complete: run every edge leaving it
                leaving = [e for e, (i, j) in enumerate(EDGES) if j == source]
                for e, out in zip(leaving, _node_edges(nodes[source], [edge_ops[e] for e in leaving], rules, pool)):
                    outs[e] = out
        node = None
        for e, (i, _j) in enumerate(EDGES):
            if i == target and outs.get(e) is not None:
                node = outs[e] if node is None else _add(node, outs[e])  # edge outputs are fresh tensors
        nodes.append(node if node is not None else torch.zeros_like(x))
    return nodes


def _search_cell(
    cell: SearchCell, x: torch.Tensor, weights: torch.Tensor, wzero: list, kernel: _Kernel, rules: KernelRules, pool
) -> torch.Tensor:
    edge_ops = [_EdgeOps() for _ in EDGES]
    coded: Counter[int] = Counter()
    blocked: Counter[int] = Counter()
    for e, (_i, j) in enumerate(EDGES):
        for k, name in enumerate(OPS):
            layer = cell.edge_layers[e][k]
            if name == "none":
                continue
            if isinstance(layer, ReLUConvBN):
                if wzero[e][k]:
                    if rules.blocked:  # runs on x*0: the wrapper codes x, the inner ReLU codes zeros
                        coded[j] += int(rules.wrapper_hooks)
                        blocked[j] += 1
                    continue
                coded[j] += _wrapper_hooks(rules)
                edge_ops[e].convs.append((layer[1], layer[2], weights[e, k]))
            elif not wzero[e][k]:
                if isinstance(layer, Pooling):
                    edge_ops[e].pool = weights[e, k]
                else:
                    edge_ops[e].skip = weights[e, k]
    nodes = _cell(edge_ops, x, rules, pool)
    for j in range(3):
        kernel.codes(nodes[j], coded[j])
        kernel.zeros(nodes[j], blocked[j])
    return nodes[3]


def _infer_cell(cell: InferCell, x: torch.Tensor, kernel: _Kernel, rules: KernelRules, pool: _Pool3x3) -> torch.Tensor:
    edge_ops = [_EdgeOps() for _ in EDGES]
    coded: Counter[int] = Counter()
    for e, (_i, j) in enumerate(EDGES):
        layer, name = cell.layers[e], cell.ops[e]
        if name == "none":
            continue
        if isinstance(layer, ReLUConvBN):
            coded[j] += _wrapper_hooks(rules)
            edge_ops[e].convs.append((layer[1], layer[2], 1.0))
        elif isinstance(layer, Pooling):
            edge_ops[e].pool = 1.0
        else:
            edge_ops[e].skip = 1.0
    nodes = _cell(edge_ops, x, rules, pool)
    for j in range(3):
        kernel.codes(nodes[j], coded[j])
    return nodes[3]


def _walk(net: nn.Module, x: torch.Tensor, cell_fn, rules: KernelRules) -> torch.Tensor:
    kernel = _Kernel(x.shape[0], x.device)
    with torch.inference_mode(), network_precision() as precision:
        h = _bn(net.stem[1], net.stem[0](precision.layout(x)), rules)
        for layer in net.cells:
            if isinstance(layer, ResNetBasicblock):
                h = _resblock(layer, h, kernel, rules)
            else:
                h = cell_fn(layer, h, kernel)
        kernel.codes(_bn(net.head[0], h, rules), 1)  # the last BN-ReLU's ReLU
    return kernel.k


def supernet_kernel(net: NB201Supernet, x: torch.Tensor, weights: torch.Tensor, rules: KernelRules) -> torch.Tensor:
    """K of the supernet whose ops weigh ``weights`` [6, 5] (0 = removed / not chosen)."""
    w = weights.to(x.device, torch.float32)
    wzero = (weights == 0).tolist()
    pool = _Pool3x3()
    return _walk(net, x, lambda cell, h, kernel: _search_cell(cell, h, w, wzero, kernel, rules, pool), rules)


def network_kernel(net: NB201Network, x: torch.Tensor, rules: KernelRules) -> torch.Tensor:
    """K of a discrete NB201 network."""
    pool = _Pool3x3()
    return _walk(net, x, lambda cell, h, kernel: _infer_cell(cell, h, kernel, rules, pool), rules)


__all__ = ["KernelRules", "logdet", "network_kernel", "supernet_kernel"]
