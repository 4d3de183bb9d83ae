"""The official Zero-Cost-PT kernel of a NAS-Bench-Macro network (supernet or discrete), without hooks.

The official Macro search (``nasbench_macro/network_proposal.py:154-194``, ``model.py:80-132`` of
visionbasicagent/zerocost_operation_score @55fc52b) scores the supernet in eval mode with hooks on
every ``nn.ReLU`` (no other module class there has "ReLU" in its name): the stem's, the two inside
each inverted residual, the head's. Its ``MixedOp`` runs a weight-0 op on ``x * 0``
(``model.py:89``): every image then gives the same input, so each of that op's ReLUs adds D 11^T
(D = its units) whatever the BN parameters are, and the op adds w * op(0) = 0 to the sum.

This module walks nasbench's ``MacroSupernet`` / ``MacroNetwork`` once: eval-mode BN (and the op
weight, for the last one) folded into each 1x1 conv, which runs as a matmul; a blocked op adds
its units without running; channels-last depthwise convs on CPU. ``KernelRules`` switches
``bn_eval`` and ``blocked`` off for the ablations (``wrapper_hooks`` has nothing to change here).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from nasbench_plugins.macro.network import Identity, InvertedResidual, MacroNetwork, MacroSupernet
from nasbench_plugins.zero_cost_pt.code_kernel import KernelRules
from nasbench_plugins.zero_cost_pt.codes import CodeKernel
from nasbench_plugins.zero_cost_pt.darts_kernel import matmul_1x1


def _conv_bn(conv: nn.Conv2d, bn: nn.BatchNorm2d, x: torch.Tensor, w: float, rules: KernelRules) -> torch.Tensor:
    """w * BN(conv(x)): eval-mode BN and w folded into the conv (a matmul when 1x1); with the
    ``bn`` ablation the batch's statistics, literally."""
    pointwise = conv.kernel_size == (1, 1) and conv.stride == (1, 1) and conv.groups == 1
    if not rules.bn_eval:
        y = matmul_1x1(conv.weight.flatten(1), x) if pointwise else conv(x)
        return F.batch_norm(y, None, None, bn.weight, bn.bias, True, 0.0, bn.eps) * w
    scale = torch.rsqrt(bn.running_var + bn.eps) * bn.weight * w
    shift = (bn.bias - bn.running_mean * torch.rsqrt(bn.running_var + bn.eps) * bn.weight) * w
    weight = conv.weight * scale.view(-1, 1, 1, 1)
    bias = shift if bool(shift.any()) else None
    if pointwise:
        y = matmul_1x1(weight.flatten(1), x)
        return y if bias is None else y.add_(bias.view(1, -1, 1, 1))
    return F.conv2d(x, weight, bias, conv.stride, conv.padding, conv.dilation, conv.groups)


def _inverted(op: InvertedResidual, x: torch.Tensor, w: float, kernel: CodeKernel, rules: KernelRules):
    """w * op(x), coding the inputs of its two ReLUs."""
    seq = op.conv
    a = _conv_bn(seq[0], seq[1], x, 1.0, rules)
    kernel.codes(a, 1)
    b = _conv_bn(seq[3], seq[4], a.relu_(), 1.0, rules)
    kernel.codes(b, 1)
    y = _conv_bn(seq[6], seq[7], b.relu_(), w, rules)
    return y.add_(x * w) if op.shortcut else y


def _blocked_units(op: nn.Module, x: torch.Tensor) -> int:
    """Units per image of the ReLU inputs of ``op`` run on x*0 (each adds D 11^T)."""
    if not isinstance(op, InvertedResidual):
        return 0
    hidden = op.conv[0].out_channels
    dw = op.conv[3]
    h, w = x.shape[2:]
    ho = (h + 2 * dw.padding[0] - dw.kernel_size[0]) // dw.stride[0] + 1
    wo = (w + 2 * dw.padding[1] - dw.kernel_size[1]) // dw.stride[1] + 1
    return hidden * (h * w + ho * wo)


def _op(op: nn.Module, x: torch.Tensor, w: float, kernel: CodeKernel, rules: KernelRules) -> torch.Tensor:
    if isinstance(op, InvertedResidual):
        return _inverted(op, x, w, kernel, rules)
    if isinstance(op, Identity) and op.downsample is not None:
        return _conv_bn(op.downsample[0], op.downsample[1], x, w, rules)
    return x * w


def _stem(net: nn.Module, x: torch.Tensor, kernel: CodeKernel, rules: KernelRules) -> torch.Tensor:
    if x.device.type == "cpu":  # depthwise convs: ~10x faster channels-last on CPU (docs/zc-pt.md)
        x = x.contiguous(memory_format=torch.channels_last)
    h = _conv_bn(net.stem[0], net.stem[1], x, 1.0, rules)
    kernel.codes(h, 1)
    return h.relu_()


def _head(net: nn.Module, h: torch.Tensor, kernel: CodeKernel, rules: KernelRules, times: int) -> torch.Tensor:
    kernel.codes(_conv_bn(net.out[0], net.out[1], h, 1.0, rules), 1)
    return kernel.k * times if times != 1 else kernel.k


def _walk(net: nn.Module, x: torch.Tensor, layer_fn, rules: KernelRules, times: int) -> torch.Tensor:
    kernel = CodeKernel(x.shape[0], x.device)
    with torch.inference_mode():
        h = _stem(net, x, kernel, rules)
        for i, layer in enumerate(net.features):
            h = layer_fn(i, layer, h, kernel)
        return _head(net, h, kernel, rules, times)


def _mixed_layer(rows: list[list[float]], rules: KernelRules):
    """One supernet layer: every op of nonzero weight run and summed; a weight-0 op blocked."""

    def layer(i: int, ops: nn.ModuleList, h: torch.Tensor, kernel: CodeKernel) -> torch.Tensor:
        acc = None
        for k, op in enumerate(ops):
            w = rows[i][k]
            if w == 0:
                if rules.blocked:
                    kernel.units(_blocked_units(op, h))
                continue
            out = _op(op, h, w, kernel, rules)
            acc = out if acc is None else acc.add_(out)
        if acc is None:
            raise ValueError(f"macro layer {i}: every op has weight 0")
        return acc

    return layer


def supernet_kernel(
    net: MacroSupernet, x: torch.Tensor, weights: torch.Tensor, rules: KernelRules, times: int = 1
) -> torch.Tensor:
    """K of the supernet whose ops weigh ``weights`` [8, 3] (0 = blocked: run on x*0, or not run
    when the ``blocked`` rule is off). ``times`` multiplies K: the official code registers its hooks
    once more for every proposal (``network_proposal.py:105-106``), so proposal p counts p+1 times."""
    rows = weights.detach().to("cpu", torch.float32).tolist()
    return _walk(net, x, _mixed_layer(rows, rules), rules, times)


def supernet_kernels(net: MacroSupernet, x: torch.Tensor, variants: list[torch.Tensor], rules: KernelRules) -> list:
    """``supernet_kernel`` of each weight matrix in ``variants``, the layers before the first one whose
    weights differ between them computed once: the same values, less work."""
    rows = [w.detach().to("cpu", torch.float32).tolist() for w in variants]
    start = next((i for i in range(len(rows[0])) if any(r[i] != rows[0][i] for r in rows)), len(rows[0]))
    shared = CodeKernel(x.shape[0], x.device)
    out = []
    with torch.inference_mode():
        h = _stem(net, x, shared, rules)
        for i in range(start):
            h = _mixed_layer(rows[0], rules)(i, net.features[i], h, shared)
        for r in rows:
            kernel = CodeKernel(x.shape[0], x.device)
            kernel.k = shared.k.clone()
            g = h
            for i in range(start, len(net.features)):
                g = _mixed_layer(r, rules)(i, net.features[i], g, kernel)
            out.append(_head(net, g, kernel, rules, 1))
    return out


def network_kernel(net: MacroNetwork, x: torch.Tensor, rules: KernelRules) -> torch.Tensor:
    """K of a discrete NAS-Bench-Macro network."""
    return _walk(net, x, lambda _i, op, h, kernel: _op(op, h, 1.0, kernel, rules), rules, 1)
