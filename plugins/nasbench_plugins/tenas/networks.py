"""The networks TE-NAS measures, per space, built from the spaces' own supernet classes.

NB201 (``prune_tenas.py:357-369``): the NTK network is the NAS-Bench-201 supernet with C=3, N=1
(5 layers: cell, residual block, cell, residual block, cell), stem, affine BNs, bias-free convs;
the thin network that counts linear regions is one cell of C=1 with no stem (``depth=1``,
``use_stem=False``), fed 1-channel 3x3 crops.

DARTS-cell spaces (``:370-388``, xautodl's ``NASNetworkDARTS``): C=1, N=1, depth 2 (a normal
and a reduction cell), stem multiplier 1, affine BNs, pools without a BN, a BN-ReLU before the
pooling; the thin network is the same without the stem (1-channel input into both cells).

Mixing (``search_cells.py:45,60``): an edge sums its active ops weighted by softmax(alpha), with
alpha = 0 for active ops and -1000 for removed ones, i.e. 1/k over the k ops still on, renormalised
after every removal (``uniform_weights``). Candidates are enumerated as the official code does:
cell type, edge, then op in the official op order (``cell_operations.py:20-21``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from nasbench.api import BadInput, reset_parameters
from nasbench_plugins.darts_space.network import DartsSupernet, Shape
from nasbench_plugins.darts_space.space import CellSpace
from nasbench_plugins.nb201.network import NB201Supernet
from nasbench_plugins.nb201.space import NB201Space

#: both official op lists (NAS_BENCH_201, DARTS_SPACE of ``cell_operations.py``) merged in order
OFFICIAL_OP_ORDER = (
    "none",
    "skip_connect",
    "nor_conv_1x1",
    "nor_conv_3x3",
    "sep_conv_3x3",
    "sep_conv_5x5",
    "dil_conv_3x3",
    "dil_conv_5x5",
    "avg_pool_3x3",
    "max_pool_3x3",
)


@dataclass(frozen=True)
class Kit:
    """How to build TE-NAS' two networks for one space."""

    space: Any
    darts: bool
    #: DARTS: 3 ops per edge per round on CIFAR-10 (``prune_launch.py:39``); NB201: 1 (``:31``)
    prune_number: int
    #: NTK minibatch (``prune_launch.py:32,40``)
    batch_size: int

    def ntk(self, num_classes: int, generator: torch.Generator) -> nn.Module:
        if self.darts:
            shape = Shape(stem_multiplier=1, reductions=(False, True), affine=True, head_bn=True)
            net = DartsSupernet(self.space.spec, num_classes, generator, channels=1, shape=shape)
        else:
            net = NB201Supernet(num_classes, 3, 1, "skip", conv_bias=False, affine=True)
        return reset_parameters(net, generator)

    def thin(self, num_classes: int, generator: torch.Generator) -> nn.Module:
        if self.darts:
            shape = Shape(stem_multiplier=1, stem=False, reductions=(False, True), affine=True, head_bn=True)
            net = DartsSupernet(self.space.spec, num_classes, generator, channels=1, shape=shape)
        else:
            net = NB201Supernet(num_classes, 1, 1, "skip", conv_bias=False, affine=True, stem=False, depth=1)
        return reset_parameters(net, generator)

    def candidates(self, mask: torch.Tensor, edges: list[str] | None = None) -> list[tuple[str, str]]:
        """Active (edge, op) pairs of edges with more than one op, in the official order."""
        out = []
        for e, name in enumerate(self.space.edges):
            if edges is not None and name not in edges:
                continue
            ops = self.space.candidate_ops(name)
            active = [ops[k] for k in range(len(ops)) if bool(mask[e, k])]
            if edges is None and len(active) < 2:
                continue
            out.extend((name, op) for op in sorted(active, key=op_rank))
        return out


def op_rank(op: str) -> int:
    return OFFICIAL_OP_ORDER.index(op) if op in OFFICIAL_OP_ORDER else len(OFFICIAL_OP_ORDER)


def kit_for(space: Any) -> Kit:
    """The kit of ``space``; one clear line for a space TE-NAS has no networks for."""
    if isinstance(space, NB201Space):
        return Kit(space, False, 1, 72)
    if isinstance(space, CellSpace):
        return Kit(space, True, 3, 14)
    raise BadInput(
        f"TE-NAS' official semantics are defined on NB201 and DARTS-cell spaces, not {space.name!r};"
        " run --set tenas_semantics=nasbench-v1 there"
    )


def uniform_weights(mask: torch.Tensor) -> torch.Tensor:
    """softmax over alpha = 0 (on) / -1000 (off): 1/k for each of an edge's k active ops."""
    count = mask.sum(dim=1, keepdim=True).clamp(min=1).float()
    return mask.float() / count


@contextmanager
def masked(net: nn.Module, mask: torch.Tensor, uniform: bool) -> Iterator[nn.Module]:
    """``net`` with ``mask`` on and 1/k mixing (``uniform``) or a plain sum; restored on exit."""
    before, weights = net.op_mask.clone(), net.op_weights
    net.op_mask.copy_(mask)
    device = next(net.parameters()).device
    net.op_weights = uniform_weights(mask).to(device) if uniform else None
    try:
        yield net
    finally:
        net.op_mask.copy_(before)
        net.op_weights = weights
