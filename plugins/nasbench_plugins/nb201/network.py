"""The NAS-Bench-201 network (C=16, N=5 cells per stage) and its masked supernet.

Both share the macro skeleton: stem conv -> N cells -> residual reduction -> N cells ->
residual reduction -> N cells -> BN-ReLU -> global pool -> linear. Only the cell differs:
``InferCell`` holds the one op per edge of an arch; ``SearchCell`` holds every candidate op and
reads the supernet's ``op_mask`` / ``op_weights`` at each forward, so perturbing an op is a
flag flip, not a new network.

Removed ops, three semantics (``removed_ops``):

``skip``     a masked op is not executed (the supernet really is A - (e, o); cheapest, and what
             Zero-One-Shot's masked mixed op does).
``blocked``  the official Zero-Cost-PT / DARTS-PT code (``nasbench201/search_cells.py:49``): every
             op runs and is multiplied by its weight; an op of weight 0 (removed, or not chosen on
             a decided edge) runs on its input times 0 (``block_input``), so its inner ReLU sees
             zeros while a hook on the op itself sees the real input. Weights: 1 on an edge with
             one op left, else ``op_weights`` (softmax of the proposal's alphas; 1 when ``None``)
             times the mask, not renormalised after a removal.
``zero``     every op runs on its real input and is multiplied by 0 if removed, 1 on a
             discretized edge, else 1/|ops|. Not what the official code does (its removed ops
             see a blocked input); kept for the measured comparison in docs/zc-pt.md.

Sums follow the official order: each edge sums its ops in op order, then a node sums its edges.
"""

from __future__ import annotations

import torch
from torch import nn

from nasbench.api import new_mask
from nasbench_plugins.nb201.ops import OPS, ReLUConvBN, ResNetBasicblock, make_op

#: edges in arch-string order: (target node, source node)
EDGES = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
EDGE_NAMES = tuple(f"{j}->{i}" for i, j in EDGES)
REMOVED_OPS = ("skip", "blocked", "zero")


class InferCell(nn.Module):
    def __init__(self, ops: tuple[str, ...], channels: int) -> None:
        super().__init__()
        self.ops = ops
        self.layers = nn.ModuleList([make_op(name, channels, affine=True) or nn.Identity() for name in ops])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for target in (1, 2, 3):
            acc = None
            for e, (i, j) in enumerate(EDGES):
                if i != target or self.ops[e] == "none":
                    continue
                out = self.layers[e](nodes[j])
                acc = out if acc is None else acc + out
            nodes.append(acc if acc is not None else torch.zeros_like(x))
        return nodes[3]


class SearchCell(nn.Module):
    """All candidate ops on every edge; which run is decided by the owner's mask."""

    def __init__(self, channels: int, owner_ref: list[nn.Module], conv_bias: bool = True, affine: bool = False) -> None:
        super().__init__()
        self._owner_ref = owner_ref  # a list so the owner is not registered as a submodule
        self.edge_layers = nn.ModuleList(
            [
                nn.ModuleList([make_op(op, channels, affine=affine, bias=conv_bias) or nn.Identity() for op in OPS])
                for _ in EDGES
            ]
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        owner = self._owner_ref[0]
        mask, weights, mode = owner.op_mask, owner.op_weights, owner.removed_ops
        if mode == "zero" and weights is None:
            weights = zero_mode_weights(mask)
        elif mode == "blocked":
            weights = blocked_mode_weights(mask, weights)
        nodes = [x]
        for target in (1, 2, 3):
            node = None
            for e, (i, j) in enumerate(EDGES):
                if i != target:
                    continue
                edge = self._edge(e, nodes[j], mask, weights, mode)
                if edge is not None:
                    node = edge if node is None else node + edge
            nodes.append(node if node is not None else torch.zeros_like(x))
        return nodes[3]

    def _edge(self, e: int, x: torch.Tensor, mask, weights, mode: str) -> torch.Tensor | None:
        acc = None
        for k, name in enumerate(OPS):
            if name == "none":
                continue
            layer = self.edge_layers[e][k]
            if mode == "blocked":
                w = weights[e, k]
                if float(w.detach()) == 0.0:
                    if isinstance(layer, ReLUConvBN):
                        layer(x, block_input=True)  # runs for its hooks; x * 0 through the op adds 0
                    continue
                out = layer(x) * w
            elif mode == "zero":
                out = layer(x) * (weights[e, k] if mask[e, k] else 0.0)
            else:
                if not mask[e, k]:
                    continue
                out = layer(x) if weights is None else layer(x) * weights[e, k]
            acc = out if acc is None else acc + out
        return acc


def blocked_mode_weights(mask: torch.Tensor, base: torch.Tensor | None) -> torch.Tensor:
    """Op weights of the official supernet: one-hot on an edge with one op left, else ``base``
    (the proposal's softmax(alpha); 1 when ``None``) times the mask (removed ops weigh 0).
    ``base`` is not detached: a DARTS training in this mode differentiates alpha through it."""
    base = torch.ones(mask.shape) if base is None else base.float()
    mask = mask.to(base.device)
    active = mask.sum(dim=1, keepdim=True)
    return torch.where(active == 1, mask.to(base.dtype), base * mask)


def zero_mode_weights(mask: torch.Tensor) -> torch.Tensor:
    """Op weights for ``removed_ops="zero"``: 0 removed, 1 on an edge with one op left,
    1/|ops| elsewhere (removing an op does not renormalise the others)."""
    active = mask.sum(dim=1, keepdim=True)
    uniform = torch.full(mask.shape, 1.0 / mask.shape[1])
    return torch.where(active == 1, torch.ones_like(uniform), uniform) * mask


def _skeleton(
    cell_factory, channels: int, cells_per_stage: int, num_classes: int, depth: int = 0, in_channels: int = 3
) -> tuple:
    """Stem, layers, head; ``depth`` > 0 keeps only the first ``depth`` layers (cells and
    reduction blocks counted alike, as xautodl's ``TinyNetworkDarts(depth=...)``)."""
    stem = nn.Sequential(nn.Conv2d(in_channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels))
    layers = nn.ModuleList()
    c = channels
    for stage in range(3):
        if stage > 0:
            layers.append(ResNetBasicblock(c, 2 * c))
            c *= 2
        for _ in range(cells_per_stage):
            layers.append(cell_factory(c))
    if depth > 0:
        layers = layers[:depth]
        c = channels * 2 ** sum(isinstance(m, ResNetBasicblock) for m in layers)
    head = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(inplace=False), nn.AdaptiveAvgPool2d(1), nn.Flatten())
    return stem, layers, head, c


class NB201Network(nn.Module):
    """The discrete NAS-Bench-201 network of one arch (``ops`` in arch-string order)."""

    def __init__(self, ops: tuple[str, ...], num_classes: int, channels: int = 16, cells_per_stage: int = 5) -> None:
        super().__init__()
        self.arch_ops = tuple(ops)
        self.stem, self.cells, self.head, c = _skeleton(
            lambda ch: InferCell(self.arch_ops, ch), channels, cells_per_stage, num_classes
        )
        self.classifier = nn.Linear(c, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for layer in self.cells:
            x = layer(x)
        return self.classifier(self.head(x))


class NB201Supernet(nn.Module):
    """The NAS-Bench-201 supernet: a mixed op on each of the 6 edges, shared by all cells.

    ``affine``: the cells' BNs learn a scale and shift (TE-NAS' supernets, ``prune_tenas.py:358-369``;
    the DARTS-PT / Zero-Cost-PT one does not). ``stem=False`` feeds the input straight to the
    first cell (which then needs ``channels`` input channels) and ``depth`` keeps the first
    layers only: TE-NAS' thin region-count network is ``channels=1, cells_per_stage=1,
    stem=False, depth=1``, one cell on 1-channel crops. ``in_channels``: the stem's input
    channels; Zero-Cost-PT's region-count twin of the supernet has a 1-channel stem
    (``networks_proposal.py:134``, ``stem_channels=1``).
    """

    def __init__(
        self,
        num_classes: int,
        channels: int = 16,
        cells_per_stage: int = 5,
        removed_ops: str = "skip",
        conv_bias: bool = True,
        affine: bool = False,
        stem: bool = True,
        depth: int = 0,
        in_channels: int = 3,
    ) -> None:
        super().__init__()
        if removed_ops not in REMOVED_OPS:
            raise ValueError(f"removed_ops must be one of {REMOVED_OPS}, not {removed_ops!r}")
        self.removed_ops = removed_ops
        self._shape = dict(num_classes=num_classes, channels=channels, cells_per_stage=cells_per_stage,
                           conv_bias=conv_bias, affine=affine, stem=stem, depth=depth)  # fmt: skip
        self.edges = EDGE_NAMES
        self.edge_ops = tuple(OPS for _ in EDGES)
        self.op_mask = new_mask(self.edge_ops)
        self.op_weights: torch.Tensor | None = None
        ref: list[nn.Module] = [self]
        cell = lambda ch: SearchCell(ch, ref, conv_bias, affine)  # noqa: E731
        self.stem, self.cells, self.head, c = _skeleton(
            cell, channels, cells_per_stage, num_classes, depth, in_channels=in_channels
        )
        if not stem:
            del self.stem
            self.stem = nn.Identity()
        self.classifier = nn.Linear(c, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for layer in self.cells:
            x = layer(x)
        return self.classifier(self.head(x))

    def twin(self, in_channels: int) -> NB201Supernet:
        """A freshly built supernet of the same shape and removed-op mode whose stem takes
        ``in_channels`` (Zero-Cost-PT's region-count twin: 1); parameters at PyTorch's default init."""
        return NB201Supernet(removed_ops=self.removed_ops, in_channels=in_channels, **self._shape)
