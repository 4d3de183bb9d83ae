"""DARTS networks: the masked search supernet and the discrete network of a genotype.

Both follow the DARTS code (``model_search.Network`` / ``model.NetworkCIFAR``): a 3x3 stem to
3C channels, ``cells`` cells with reductions at cells//3 and 2*cells//3 (channels doubled), each
cell reading the two previous cells through ReLUConvBN / FactorizedReduce preprocessing and
concatenating its 4 intermediate nodes; global pooling and a linear classifier. The discrete
network optionally carries DARTS' CIFAR auxiliary head after cell 2*cells//3 (returned by
``forward_with_aux``; ``forward`` returns the main logits only, which is what proxies need).

The supernet follows ``nasbench.supernet``: every candidate op on every edge, ``op_mask`` read at
each forward (switched-off ops are not executed), ``op_weights`` optionally scaling outputs.
With ``partial_channels=K`` > 1 each edge runs its ops on 1/K of the channels and passes the
rest through (PC-DARTS, Xu et al. 2020), followed by a channel shuffle; an edge whose ops are
all switched off contributes nothing. ``edge_scale`` (optional float tensor [n_edges], PC-DARTS
edge normalisation, set by the trainer) multiplies each edge's output before the node sums them;
``edge_node`` names the intermediate node each edge feeds (``<kind>:<node>``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from nasbench.api import new_mask
from nasbench_plugins.darts_space.ops import FactorizedReduce, ReLUConvBN, make_op
from nasbench_plugins.darts_space.spec import NODES, CellSpaceSpec, Genotype

STEM_MULTIPLIER = 3


def _preprocess(c_pp: int, c_prev: int, c: int, reduction_prev: bool, affine: bool) -> tuple[nn.Module, nn.Module]:
    pre0 = FactorizedReduce(c_pp, c, affine) if reduction_prev else ReLUConvBN(c_pp, c, 1, 1, 0, affine)
    return pre0, ReLUConvBN(c_prev, c, 1, 1, 0, affine)


@dataclass(frozen=True)
class Shape:
    """Skeleton options of a supernet (defaults: DARTS' ``model_search.Network``)."""

    stem_multiplier: int = STEM_MULTIPLIER
    stem: bool = True
    #: which cells reduce; ``None``: DARTS' layout (cells//3 and 2*cells//3)
    reductions: tuple[bool, ...] | None = None
    affine: bool = False
    #: a BN-ReLU between the last cell and the pooling (xautodl's ``lastact``)
    head_bn: bool = False


def _seed(generator: torch.Generator) -> int:
    return int(torch.randint(0, 2**31 - 1, (1,), generator=generator))


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    b, c, h, w = x.shape
    return x.view(b, groups, c // groups, h, w).transpose(1, 2).reshape(b, c, h, w)


def _node_of(edge: str) -> str:
    """``normal:3->5`` -> ``normal:5``: the intermediate node an edge feeds."""
    kind, pair = edge.split(":")
    return f"{kind}:{pair.split('->')[1]}"


def _layout(cells: int) -> list[bool]:
    """Which cells reduce (DARTS: cells//3 and 2*cells//3)."""
    return [i in (cells // 3, 2 * cells // 3) for i in range(cells)]


class SearchCell(nn.Module):
    """Every candidate op on every edge of one cell; the owner's mask decides which run."""

    def __init__(
        self,
        spec: CellSpaceSpec,
        c_pp: int,
        c_prev: int,
        c: int,
        reduction: bool,
        reduction_prev: bool,
        owner_ref: list[nn.Module],
        partial: int,
        generator: torch.Generator,
        affine: bool = False,
    ) -> None:
        super().__init__()
        self._owner_ref = owner_ref  # a list so that the owner is not registered as a submodule
        self.reduction = reduction
        self.partial = partial
        kind = spec.kind_of(reduction)
        self.rows = [(spec.edge_index(kind, j, k), j, k) for j, k in spec.pairs]
        self.pre0, self.pre1 = _preprocess(c_pp, c_prev, c, reduction_prev, affine=affine)
        c_op = c // partial
        self.edge_ops = nn.ModuleList()
        for e, j, _k in self.rows:
            stride = 2 if reduction and j < 2 else 1
            self.edge_ops.append(
                nn.ModuleList([make_op(op, c_op, stride, affine, _seed(generator)) for op in spec.edge_ops[e]])
            )
        self.op_names = [spec.edge_ops[e] for e, _, _ in self.rows]
        self.bypass_pool = nn.MaxPool2d(2, 2) if reduction else nn.Identity()

    def _edge(self, r: int, x: torch.Tensor, mask: torch.Tensor, weights: torch.Tensor | None) -> torch.Tensor | None:
        e = self.rows[r][0]
        head = x[:, : x.shape[1] // self.partial] if self.partial > 1 else x
        acc = None
        for k, name in enumerate(self.op_names[r]):
            if name == "none" or not mask[e, k]:
                continue
            out = self.edge_ops[r][k](head)
            if weights is not None:
                out = out * weights[e, k]
            acc = out if acc is None else acc + out
        if acc is None or self.partial == 1:
            return acc
        stride = 2 if self.reduction and self.rows[r][1] < 2 else 1
        rest = x[:, x.shape[1] // self.partial :]
        rest = self.bypass_pool(rest) if stride == 2 else rest
        return channel_shuffle(torch.cat([acc, rest], dim=1), self.partial)

    def forward(self, s0: torch.Tensor, s1: torch.Tensor) -> torch.Tensor:
        owner = self._owner_ref[0]
        mask, weights = owner.op_mask, owner.op_weights
        scale = getattr(owner, "edge_scale", None)
        states = [self.pre0(s0), self.pre1(s1)]
        for target in NODES:
            acc = None
            for r, (e, j, k) in enumerate(self.rows):
                if k != target:
                    continue
                out = self._edge(r, states[j], mask, weights)
                if out is not None and scale is not None:
                    out = out * scale[e]
                if out is not None:
                    acc = out if acc is None else acc + out
            if acc is None:
                ref = states[1]
                h, w = ref.shape[2:]
                shape = (ref.shape[0], ref.shape[1], (h + 1) // 2, (w + 1) // 2) if self.reduction else ref.shape
                acc = ref.new_zeros(shape)
            states.append(acc)
        return torch.cat(states[2:], dim=1)


class InferCell(nn.Module):
    """The discrete cell of one genotype kind: 2 ops per intermediate node."""

    def __init__(
        self,
        pairs: list[tuple[str, int]],
        c_pp: int,
        c_prev: int,
        c: int,
        reduction: bool,
        reduction_prev: bool,
        generator: torch.Generator,
    ) -> None:
        super().__init__()
        self.pre0, self.pre1 = _preprocess(c_pp, c_prev, c, reduction_prev, affine=True)
        self.sources = [j for _op, j in pairs]
        self.ops = nn.ModuleList(
            [make_op(op, c, 2 if reduction and j < 2 else 1, True, _seed(generator)) for op, j in pairs]
        )

    def forward(self, s0: torch.Tensor, s1: torch.Tensor) -> torch.Tensor:
        states = [self.pre0(s0), self.pre1(s1)]
        for m in range(len(NODES)):
            a, b = 2 * m, 2 * m + 1
            states.append(self.ops[a](states[self.sources[a]]) + self.ops[b](states[self.sources[b]]))
        return torch.cat(states[2:], dim=1)


class AuxiliaryHeadCIFAR(nn.Module):
    """DARTS' auxiliary classifier for 8x8 feature maps."""

    def __init__(self, c: int, num_classes: int) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.AvgPool2d(5, stride=3, padding=0, count_include_pad=False),
            nn.Conv2d(c, 128, 1, bias=False),
            nn.BatchNorm2d(128),
            nn.ReLU(inplace=False),
            nn.Conv2d(128, 768, 2, bias=False),
            nn.BatchNorm2d(768),
            nn.ReLU(inplace=False),
        )
        self.classifier = nn.Linear(768, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).flatten(1))


class _Backbone(nn.Module):
    """Stem, cells and classifier shared by the supernet and the discrete network."""

    def _build(
        self,
        make_cell,
        channels: int,
        cells: int,
        num_classes: int,
        aux_classes: int | None,
        shape: Shape | None = None,
    ) -> None:
        shape = shape or Shape()
        c_stem = shape.stem_multiplier * channels
        self.stem = nn.Sequential(nn.Conv2d(3, c_stem, 3, padding=1, bias=False), nn.BatchNorm2d(c_stem))
        if not shape.stem:
            self.stem = nn.Identity()
        c_pp, c_prev, c = c_stem, c_stem, channels
        self.cells = nn.ModuleList()
        self.aux_after = -1
        self.aux_head = None
        reduction_prev = False
        for i, reduction in enumerate(shape.reductions or _layout(cells)):
            c = c * 2 if reduction else c
            self.cells.append(make_cell(c_pp, c_prev, c, reduction, reduction_prev))
            reduction_prev = reduction
            c_pp, c_prev = c_prev, len(NODES) * c
            if aux_classes is not None and i == 2 * cells // 3:
                self.aux_after = i
                self.aux_head = AuxiliaryHeadCIFAR(c_prev, aux_classes)
        self.lastact = nn.Sequential(nn.BatchNorm2d(c_prev), nn.ReLU(inplace=False)) if shape.head_bn else nn.Identity()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c_prev, num_classes)

    def _run(self, x: torch.Tensor, with_aux: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
        s0 = s1 = self.stem(x)
        aux = None
        for i, cell in enumerate(self.cells):
            s0, s1 = s1, cell(s0, s1)
            if with_aux and i == self.aux_after and self.aux_head is not None:
                aux = self.aux_head(s1)
        return self.classifier(self.pool(self.lastact(s1)).flatten(1)), aux

    def forward_with_aux(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(logits, auxiliary logits or ``None``), for training with DARTS' auxiliary loss."""
        return self._run(x, True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._run(x, False)[0]


class DartsSupernet(_Backbone):
    """The masked DARTS search network (DARTS: C=16, 8 cells).

    ``shape`` changes the skeleton to xautodl's NASNet search network as TE-NAS builds it
    (``prune_tenas.py:371-388``, ``search_model_darts_nasnet.py``): stem multiplier 1, affine
    BNs (pools without a BN), a BN-ReLU before the pooling, its own reduction layout
    (C=1, N=1, depth 2: a normal then a reduction cell), and for the thin region-count network
    no stem (1-channel input straight into the cells).
    """

    def __init__(
        self,
        spec: CellSpaceSpec,
        num_classes: int,
        generator: torch.Generator,
        channels: int = 16,
        cells: int = 8,
        partial_channels: int = 1,
        shape: Shape | None = None,
    ) -> None:
        super().__init__()
        if channels % partial_channels:
            raise ValueError(f"channels={channels} must be divisible by partial_channels={partial_channels}")
        self.edges = spec.edges
        self.edge_ops = spec.edge_ops
        self.op_mask = new_mask(self.edge_ops)
        self.op_weights: torch.Tensor | None = None
        self.edge_scale: torch.Tensor | None = None
        self.edge_node = tuple(_node_of(edge) for edge in spec.edges)
        ref: list[nn.Module] = [self]
        affine = shape is not None and shape.affine
        self._build(
            lambda c_pp, c_prev, c, red, red_prev: SearchCell(
                spec, c_pp, c_prev, c, red, red_prev, ref, partial_channels, generator, affine
            ),
            channels,
            cells,
            num_classes,
            None,
            shape,
        )


class DartsNetwork(_Backbone):
    """The discrete network of a genotype (DARTS evaluation: C=36, 20 cells, auxiliary head)."""

    def __init__(
        self,
        genotype: Genotype,
        num_classes: int,
        generator: torch.Generator,
        channels: int = 36,
        cells: int = 20,
        auxiliary: bool = True,
    ) -> None:
        super().__init__()
        self.genotype = genotype
        self._build(
            lambda c_pp, c_prev, c, red, red_prev: InferCell(
                genotype["reduce" if red else "normal"], c_pp, c_prev, c, red, red_prev, generator
            ),
            channels,
            cells,
            num_classes,
            num_classes if auxiliary else None,
        )
