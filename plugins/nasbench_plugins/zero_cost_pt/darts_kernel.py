"""The official Zero-Cost-PT kernel of a DARTS-cell network (supernet or discrete), without hooks.

The official DARTS-space score (``sota/cnn/init_projection.py:241-275`` of
visionbasicagent/zerocost_operation_score @55fc52b) deep-copies the supernet, puts it in eval
mode, hooks every module whose class name contains "ReLU" and runs one forward with the op
weights ``proj_weights``. Unlike NB201's, the DARTS ``MixedOp`` skips every op of weight 0
(``sota/cnn/model_search.py:23-25``: ``... for w, op in zip(weights, self._ops) if w != 0``), so a
removed op is simply not run. The hooked modules are each ``nn.ReLU`` (inside SepConv twice,
DilConv and FactorizedReduce once) and the ``ReLUConvBN`` preprocessing wrappers, so a cell input
is coded twice by ReLUConvBN and once by FactorizedReduce. Validation networks
(``pycls/models/nas/nas.py``, scored by ``Scorers/scorer.py``) follow the same rule.

This module gets the same kernel by walking nasbench's ``DartsSupernet`` / ``DartsNetwork``
once: a state's code is computed once and counted by the number of hooks that see it; eval-mode
BN and the op weight are folded into each 1x1 conv, which runs as a matmul; the ReLU of a state
and its 3x3 poolings are computed once for all edges leaving it (max pooling separably, average
pooling as box sums over window counts). Plain torch ops only, no autograd, no copy of the net.
``KernelRules`` (``bn_eval``, ``wrapper_hooks``) switches rules off for the ablations.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from nasbench_plugins.darts_space.network import DartsNetwork, DartsSupernet, InferCell, SearchCell
from nasbench_plugins.darts_space.ops import DilConv, FactorizedReduce, ReLUConvBN, SepConv, Zero
from nasbench_plugins.darts_space.spec import NODES
from nasbench_plugins.zero_cost_pt.code_kernel import KernelRules
from nasbench_plugins.zero_cost_pt.codes import CodeKernel


@dataclass
class Term:
    """One op on one edge into a node: its module, the state it reads, and its weight."""

    op: nn.Module
    source: int
    weight: float


def hooks_of(op: nn.Module) -> int:
    """How many hooked ReLUs see the op's input: SepConv, DilConv, FactorizedReduce one each."""
    return 1 if isinstance(op, SepConv | DilConv | FactorizedReduce) else 0


def _bn_eval(bn: nn.BatchNorm2d) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel (scale, shift) of a BN in eval mode."""
    scale = torch.rsqrt(bn.running_var + bn.eps)
    shift = -bn.running_mean * scale
    if bn.weight is not None:
        scale, shift = scale * bn.weight, shift * bn.weight + bn.bias
    return scale, shift


def _bn_batch(bn: nn.BatchNorm2d, y: torch.Tensor) -> torch.Tensor:
    return F.batch_norm(y, None, None, bn.weight, bn.bias, True, 0.0, bn.eps)


def matmul_1x1(weight: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """A bias-free 1x1 convolution [out, in] as a matmul, without a copy in either layout."""
    b, c, h, w = x.shape
    if x.is_contiguous():
        return torch.matmul(weight, x.reshape(b, c, h * w)).reshape(b, -1, h, w)
    return torch.matmul(x.permute(0, 2, 3, 1), weight.T).permute(0, 3, 1, 2)


def _pointwise(conv: nn.Conv2d, bn: nn.BatchNorm2d, x: torch.Tensor, w: float, rules: KernelRules) -> torch.Tensor:
    """w * BN(conv1x1(x)), as one matmul with BN and w folded in (eval), else literally."""
    weight = conv.weight.reshape(conv.out_channels, x.shape[1])
    if not rules.bn_eval:
        return _bn_batch(bn, matmul_1x1(weight, x)) * w
    scale, shift = _bn_eval(bn)
    y = matmul_1x1((scale * w).unsqueeze(1) * weight, x)
    return y.add_((shift * w).view(1, -1, 1, 1)) if bool(shift.any()) else y


def _affine(y: torch.Tensor, scale: torch.Tensor, shift: torch.Tensor, w: float) -> torch.Tensor:
    """w * (y * scale + shift), per channel; the shift of fresh BN statistics is zero and skipped."""
    out = y * (scale * w).view(1, -1, 1, 1)
    return out.add_((shift * w).view(1, -1, 1, 1)) if bool(shift.any()) else out


def _depthwise(conv: nn.Conv2d, r: torch.Tensor) -> torch.Tensor:
    return F.conv2d(r, conv.weight, None, conv.stride, conv.padding, conv.dilation, conv.groups)


def _dil_stage(stage: DilConv, r: torch.Tensor, w: float, rules: KernelRules) -> torch.Tensor:
    """w * DilConv(x) given r = relu(x): dw conv, then 1x1 conv + BN."""
    return _pointwise(stage[2], stage[3], _depthwise(stage[1], r), w, rules)


def _factorized(op: FactorizedReduce, r: torch.Tensor, w: float, rules: KernelRules) -> torch.Tensor:
    """w * FactorizedReduce(x) given r = relu(x)."""
    offset = F.pad(r, (0, 1, 0, 1))[:, :, 1:, 1:]
    y = torch.cat([op.conv_1(r), op.conv_2(offset)], dim=1)
    if not rules.bn_eval:
        return _bn_batch(op.bn, y) * w
    return _affine(y, *_bn_eval(op.bn), w)


def max_pool3(x: torch.Tensor, stride: int) -> torch.Tensor:
    """``MaxPool2d(3, stride, padding=1)``, separably (the same values)."""
    p = F.pad(x, (1, 1, 1, 1), value=float("-inf"))
    rows = torch.maximum(torch.maximum(p[..., :-2], p[..., 1:-1]), p[..., 2:])
    out = torch.maximum(torch.maximum(rows[..., :-2, :], rows[..., 1:-1, :]), rows[..., 2:, :])
    return out if stride == 1 else out[:, :, ::stride, ::stride]


def avg_pool3(x: torch.Tensor, stride: int) -> torch.Tensor:
    """``AvgPool2d(3, stride, padding=1, count_include_pad=False)``: box sum / window count."""

    def box(t: torch.Tensor) -> torch.Tensor:
        p = F.pad(t, (1, 1, 1, 1))
        rows = p[..., :-2] + p[..., 1:-1] + p[..., 2:]
        return rows[..., :-2, :] + rows[..., 1:-1, :] + rows[..., 2:, :]

    count = box(torch.ones((1, 1) + x.shape[2:], dtype=x.dtype, device=x.device))
    out = box(x) / count
    return out if stride == 1 else out[:, :, ::stride, ::stride]


class _CellWalk:
    """One cell's nodes from its two (preprocessed) inputs; shared ReLUs and poolings per state."""

    def __init__(self, states: list[torch.Tensor], kernel: CodeKernel, rules: KernelRules) -> None:
        self.states, self.kernel, self.rules = states, kernel, rules
        self._relu: dict[int, torch.Tensor] = {}
        self._pools: dict[tuple, torch.Tensor] = {}

    def relu(self, j: int) -> torch.Tensor:
        if j not in self._relu:
            self._relu[j] = torch.relu(self.states[j])
        return self._relu[j]

    def pooled(self, j: int, kind: type, stride: int) -> torch.Tensor:
        key = (j, kind, stride)
        if key not in self._pools:
            fn = max_pool3 if kind is nn.MaxPool2d else avg_pool3
            self._pools[key] = fn(self.states[j], stride)
        return self._pools[key]

    def term(self, t: Term) -> torch.Tensor | None:
        """w * op(state), its inner codes added to the kernel; ``None`` for ``none``."""
        op, j, w = t.op, t.source, t.weight
        if isinstance(op, SepConv):
            mid = _dil_stage(op[0], self.relu(j), 1.0, self.rules)
            self.kernel.codes(mid, 1)  # the second stage's nn.ReLU
            return _dil_stage(op[1], torch.relu(mid), w, self.rules)
        if isinstance(op, DilConv):
            return _dil_stage(op, self.relu(j), w, self.rules)
        if isinstance(op, FactorizedReduce):
            return _factorized(op, self.relu(j), w, self.rules)
        if isinstance(op, nn.Identity):
            return self.states[j] * w
        if isinstance(op, Zero):
            return None
        pool, bn = (op[0], op[1]) if isinstance(op, nn.Sequential) else (op, None)
        if isinstance(pool, nn.MaxPool2d | nn.AvgPool2d):
            y = self.pooled(j, type(pool), int(pool.stride))
            if bn is None:
                return y * w
            if not self.rules.bn_eval:
                return _bn_batch(bn, y) * w
            return _affine(y, *_bn_eval(bn), w)
        return op(self.states[j]) * w  # e.g. S4's noise: no hooks inside

    def node(self, terms: list[Term], like: torch.Tensor, reduction: bool) -> torch.Tensor:
        acc = None
        for t in terms:
            out = self.term(t)
            if out is not None:
                acc = out if acc is None else acc.add_(out)  # every term is a fresh tensor
        if acc is None:  # every edge into the node removed (never under the official weights)
            b, c, h, w = like.shape
            shape = (b, c, (h + 1) // 2, (w + 1) // 2) if reduction else like.shape
            acc = like.new_zeros(shape)
        return acc


def _preprocess(op: nn.Module, s: torch.Tensor, kernel: CodeKernel, rules: KernelRules) -> torch.Tensor:
    r = torch.relu(s)
    if isinstance(op, FactorizedReduce):
        kernel.codes(s, 1)
        return _factorized(op, r, 1.0, rules)
    if not isinstance(op, ReLUConvBN):
        raise TypeError(f"unexpected DARTS preprocessing module {type(op).__name__}")
    kernel.codes(s, 2 if rules.wrapper_hooks else 1)  # the wrapper's hook and its inner nn.ReLU's
    return _pointwise(op[1], op[2], r, 1.0, rules)


def cell_kernel(
    s0: torch.Tensor,
    s1: torch.Tensor,
    pre: tuple[nn.Module, nn.Module],
    node_terms: list[list[Term]],
    reduction: bool,
    kernel: CodeKernel,
    rules: KernelRules,
) -> torch.Tensor:
    """One cell: preprocessing, the 4 nodes from their terms, each state's code counted once per
    hook that reads it; the concatenated node outputs."""
    states = [_preprocess(pre[0], s0, kernel, rules), _preprocess(pre[1], s1, kernel, rules)]
    walk = _CellWalk(states, kernel, rules)
    readers = [0] * (len(NODES) + 2)
    for terms in node_terms:
        for t in terms:
            readers[t.source] += hooks_of(t.op)
    for j in (0, 1):
        kernel.codes(states[j], readers[j])
    for m, terms in enumerate(node_terms):
        states.append(walk.node(terms, states[1], reduction))
        kernel.codes(states[-1], readers[m + 2])
    return torch.cat(states[2:], dim=1)


def _search_terms(cell: SearchCell, weights: list[list[float]]) -> list[list[Term]]:
    if cell.partial != 1:
        raise ValueError("the official Zero-Cost-PT kernel has no partial channels (darts_partial_channels=1)")
    terms: list[list[Term]] = [[] for _ in NODES]
    for r, (e, j, k) in enumerate(cell.rows):
        for i, name in enumerate(cell.op_names[r]):
            if name != "none" and weights[e][i] != 0:  # the official MixedOp skips weight-0 ops
                terms[NODES.index(k)].append(Term(cell.edge_ops[r][i], j, weights[e][i]))
    return terms


def _infer_terms(cell: InferCell) -> list[list[Term]]:
    return [[Term(cell.ops[2 * m + i], cell.sources[2 * m + i], 1.0) for i in (0, 1)] for m in range(len(NODES))]


def _stem(net: nn.Module, x: torch.Tensor, rules: KernelRules) -> torch.Tensor:
    if x.device.type == "cpu":  # depthwise convs: ~10x faster channels-last on CPU (docs/zc-pt.md)
        x = x.contiguous(memory_format=torch.channels_last)
    h = net.stem[0](x)
    if not rules.bn_eval:
        return _bn_batch(net.stem[1], h)
    scale, shift = _bn_eval(net.stem[1])
    return h * scale.view(1, -1, 1, 1) + shift.view(1, -1, 1, 1)


def _cells(cells, s0, s1, terms_of, kernel: CodeKernel, rules: KernelRules):
    for cell in cells:
        reduction = getattr(cell, "reduction", False)
        s0, s1 = s1, cell_kernel(s0, s1, (cell.pre0, cell.pre1), terms_of(cell), reduction, kernel, rules)
    return s0, s1


def _walk(net: nn.Module, x: torch.Tensor, terms_of, rules: KernelRules) -> torch.Tensor:
    kernel = CodeKernel(x.shape[0], x.device)
    with torch.inference_mode():
        h = _stem(net, x, rules)
        _cells(net.cells, h, h, terms_of, kernel, rules)
    return kernel.k


def supernet_kernel(net: DartsSupernet, x: torch.Tensor, weights: torch.Tensor, rules: KernelRules) -> torch.Tensor:
    """K of the supernet whose ops weigh ``weights`` [edges, ops] (0 = not run)."""
    rows = weights.detach().to("cpu", torch.float32).tolist()
    return _walk(net, x, lambda cell: _search_terms(cell, rows), rules)


def supernet_kernels(net: DartsSupernet, x: torch.Tensor, variants: list[torch.Tensor], rules: KernelRules) -> list:
    """``supernet_kernel`` of each weight matrix in ``variants``, computing the cells before the first
    one whose weights differ between them only once (a perturbation of a reduction-cell edge leaves
    the normal cells before the first reduction cell as they are): the same values, less work."""
    rows = [w.detach().to("cpu", torch.float32).tolist() for w in variants]
    cells = list(net.cells)
    start = next(
        (
            i
            for i, cell in enumerate(cells)
            if any(rows[v][e] != rows[0][e] for v in range(len(rows)) for e, _j, _k in cell.rows)
        ),
        len(cells),
    )
    shared = CodeKernel(x.shape[0], x.device)
    out = []
    with torch.inference_mode():
        h = _stem(net, x, rules)
        s0, s1 = _cells(cells[:start], h, h, lambda cell: _search_terms(cell, rows[0]), shared, rules)
        for r in rows:
            kernel = CodeKernel(x.shape[0], x.device)
            kernel.k = shared.k.clone()
            _cells(cells[start:], s0, s1, lambda cell, r=r: _search_terms(cell, r), kernel, rules)
            out.append(kernel.k)
    return out


def network_kernel(net: DartsNetwork, x: torch.Tensor, rules: KernelRules) -> torch.Tensor:
    """K of a discrete DARTS-cell network (the official validation score's kernel)."""
    return _walk(net, x, _infer_terms, rules)
