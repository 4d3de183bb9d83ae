"""TE-NAS as its authors' code runs it (``prune_tenas.py`` @9df78ff), item by item switchable.

Ops: round after round (``:422-441``) every active op of every edge that still has more than one
is a candidate (``:85-95``); it is switched off and the NTK condition number and the region count
are measured with and without it (``measure``); the round's candidates are ranked together
(``ranking``) and each edge loses its ``prune_number`` most prunable ops (``pruning.engine``).
Edges (DARTS-cell spaces, ``:443-448``): then, per cell type and node, every node with more than
2 incoming edges keeps the 2 whose removal costs most; the NTK network of this phase is built
once and keeps the mask it had at the phase's start (its ``set_alphas`` is never called again,
``:191-199``), while each candidate and the thin networks see the edges already pruned.

Which item is on is ``semantics.Semantics``; the networks are ``networks.Kit``'s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np
import torch
from scipy.stats import rankdata

from nasbench.api import BadInput, new_mask
from nasbench_plugins.proxies.tenas import CROP, LR_SAMPLES, linear_regions, random_crops
from nasbench_plugins.tenas.data import CropStream, NTKBatches
from nasbench_plugins.tenas.legacy import fixed_batch
from nasbench_plugins.tenas.measure import kappa, region_count
from nasbench_plugins.tenas.networks import Kit, masked
from nasbench_plugins.tenas.ranking import mean, ntk_change, rank_sum_order, region_change
from nasbench_plugins.tenas.semantics import Semantics

#: trial-seed streams (``SearchContext.torch_generator``): weights, NTK batches, crops
STREAM_WEIGHTS, STREAM_NTK, STREAM_CROPS, STREAM_V1_CROPS = 50, 51, 52, 31
#: crop batches per region measurement (``sample_batch=3``, ``prune_tenas.py:396``)
CROP_BATCHES = 3


@dataclass
class Candidate:
    """One switched-off op and what was measured: (before, after) per repeat."""

    edge: str
    op: str
    kappas: list[tuple[float, float]] = field(default_factory=list)
    regions: list[tuple[float, float]] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return (self.edge, self.op)

    def ntk_change(self) -> float:
        return mean([ntk_change(a, b) for a, b in self.kappas])

    def region_change(self) -> float:
        return mean([region_change(a, b) for a, b in self.regions])


def without(mask: torch.Tensor, net: Any, edge: str, op: str) -> torch.Tensor:
    out = mask.clone()
    e = net.edges.index(edge)
    out[e, net.edge_ops[e].index(op)] = False
    return out


class Measurer:
    """The networks and image streams of one search; measures candidates as the official code."""

    def __init__(self, ctx: Any, sem: Semantics, kit: Kit) -> None:
        self.ctx, self.sem, self.kit = ctx, sem, kit
        settings = ctx.settings
        self.repeats = int(settings.get("tenas_repeats", 3)) if sem.repeats else 1
        self.batch = int(settings.get("batch_size", 0)) or kit.batch_size
        raw = ctx.images.raw
        if raw is None:
            raise BadInput(f"{ctx.images.source}: TE-NAS' official semantics need the uint8 images")
        samples = int(settings.get("tenas_lr_samples", LR_SAMPLES))
        for what, size in (("batch_size", self.batch), ("tenas_lr_samples", samples)):
            if size > len(raw):
                raise BadInput(f"{what}={size} is larger than the {len(raw)} images of {ctx.images.source}")
        self.weights = ctx.torch_generator(STREAM_WEIGHTS)
        self.ntk_stream = NTKBatches(raw, self.batch, ctx.torch_generator(STREAM_NTK))
        self.crops = CropStream(raw, samples, ctx.torch_generator(STREAM_CROPS))
        self._fixed: tuple[torch.Tensor, list[torch.Tensor]] | None = None

    def ntk_network(self) -> Any:
        """A fresh NTK network (official: one per round), or the run's supernet (``ntk_net`` off)."""
        if not self.sem.ntk_net:
            return self.ctx.supernet
        return self.kit.ntk(self.ctx.num_classes, self.weights).to(self.ctx.device)

    def _inputs(self) -> list[tuple[torch.Tensor, list[torch.Tensor]]]:
        """Per repeat: the NTK batch and the region-count batches."""
        if self.sem.repeats:
            xs = [self.ntk_stream.next().to(self.ctx.device) for _ in range(self.repeats)]
            return [(x, self._region_inputs(x)) for x in xs]
        if self._fixed is None:
            x = fixed_batch(self.ctx, self.batch)[0]
            self._fixed = (x, self._region_inputs(x, self.ctx.torch_generator(STREAM_V1_CROPS)))
        return [self._fixed]

    def _region_inputs(self, x: torch.Tensor, generator: torch.Generator | None = None) -> list[torch.Tensor]:
        if self.sem.thin:
            return [self.crops.next().to(self.ctx.device) for _ in range(CROP_BATCHES)]
        gen = generator or self.ctx.torch_generator(STREAM_V1_CROPS)
        return [random_crops(x, LR_SAMPLES, CROP, gen)]

    def measure(self, net: Any, ntk_origin: torch.Tensor, current: torch.Tensor, edge: str, op: str) -> Candidate:
        """Kappa and regions before (``ntk_origin`` / ``current``) and after switching ``op`` off."""
        cand = Candidate(edge, op)
        after = without(current, net, edge, op)
        inputs = self._inputs()
        uniform = self.sem.ntk_net
        for x, _ in inputs:
            before = self._kappa(net, ntk_origin, x, uniform) if self.sem.rank else math.nan
            cand.kappas.append((before, self._kappa(net, after, x, uniform)))
        thin = self.kit.thin(self.ctx.num_classes, self.weights).to(self.ctx.device) if self.sem.thin else None
        counter, mixing = thin or net, thin is not None or uniform
        for _, batches in inputs:
            before = self._regions(counter, current, batches, mixing) if self.sem.rank else math.nan
            cand.regions.append((before, self._regions(counter, after, batches, mixing)))
        self.ctx.counters.perturbations += 1
        return cand

    def _kappa(self, net: Any, mask: torch.Tensor, x: torch.Tensor, uniform: bool) -> float:
        with masked(net, mask, uniform):
            self.ctx.counters.forward_passes += 1
            return kappa(net, x)

    def _regions(self, net: Any, mask: torch.Tensor, batches: list[torch.Tensor], uniform: bool) -> float:
        with masked(net, mask, uniform):
            self.ctx.counters.forward_passes += len(batches)
            if self.sem.thin:
                return region_count(net, batches)
            return linear_regions(net, batches[0])


def importance(sem: Semantics, measured: list[Candidate]) -> dict[tuple[str, str], float]:
    """Higher = keep. Official: the rank sum, in ``rankings_sum`` order (its ties in NTK order);
    ``rank`` off: average ranks of kappa-after (high = keep) plus regions-after (low = keep)."""
    if sem.rank:
        ntk = {c.key: c.ntk_change() for c in measured}
        regions = {c.key: c.region_change() for c in measured}
        return {r.candidate: float(r.total) for r in rank_sum_order(ntk, regions)}
    kappas = np.array([np.mean([k if not math.isnan(k) else math.inf for _, k in c.kappas]) for c in measured])
    regions = np.array([np.mean([r for _, r in c.regions]) for c in measured])
    return {c.key: float(s) for c, s in zip(measured, rankdata(kappas) + rankdata(-regions))}


def mask_holder(space: Any, sem: Semantics) -> SimpleNamespace:
    """The search's op mask over the space's edges (``none`` off first when that item is on)."""
    edge_ops = tuple(tuple(space.candidate_ops(e)) for e in space.edges)
    mask = new_mask(edge_ops)
    if sem.none:
        for e, ops in enumerate(edge_ops):
            if "none" in ops and len(ops) > 1:
                mask[e, ops.index("none")] = False
    return SimpleNamespace(edges=tuple(space.edges), edge_ops=edge_ops, op_mask=mask)
