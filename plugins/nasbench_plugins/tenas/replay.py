"""Recompute a reference folder's measurements with nasbench's own networks and code.

The official names map onto nasbench's: NB201 edges "i<-j" are ``j->i`` and its state_dicts
load through ``nb201.official``; DARTS edges "i<-j" of cell type t are ``<kind>:j->i+2`` and
their parameters are renamed here (``darts_names``). Networks come from ``networks.Kit`` (the same
builders the ``tenas`` strategy uses), masks from the recorded "1"/"0" strings, images from the
recorded draws (``data.ntk_images`` / ``data.crop_images``), values from ``measure``.
"""

from __future__ import annotations

import re
from typing import Any

import torch
from torch import nn

from nasbench.api import DataError
from nasbench_plugins.darts_space.space import CellSpace
from nasbench_plugins.nb201.official import from_official
from nasbench_plugins.nb201.space import NB201Space
from nasbench_plugins.tenas.data import crop_images, ntk_images
from nasbench_plugins.tenas.measure import kappa, region_count
from nasbench_plugins.tenas.networks import Kit, masked
from nasbench_plugins.tenas.reference import Reference

_DARTS_EDGE = re.compile(r"^cells\.(\d+)\.edges\.(\d)<-(\d)\._ops\.(\d+)\.(.+)$")
_DARTS_PRE = re.compile(r"^cells\.(\d+)\.preprocess([01])\.(.+)$")
_INNER = ((r"^op_a\.op\.", "0."), (r"^op_b\.op\.", "1."), (r"^op\.", ""), (r"^convs\.0\.", "conv_1."))
_INNER += ((r"^convs\.1\.", "conv_2."),)


def _inner(rest: str) -> str:
    for pattern, repl in _INNER:
        rest = re.sub(pattern, repl, rest)
    return rest


def darts_names(state: dict[str, torch.Tensor], net: Any, ops: list[str]) -> dict[str, torch.Tensor]:
    """An official NASNet search-network state_dict under the names of nasbench's ``DartsSupernet``."""
    out = {}
    for name, value in state.items():
        if m := _DARTS_EDGE.match(name):
            cell, i, j, k, rest = m.groups()
            kind = net.cells[int(cell)]
            row = [r for r, (_e, src, dst) in enumerate(kind.rows) if (src, dst) == (int(j), int(i) + 2)]
            ours = kind.op_names[row[0]].index(ops[int(k)]) if row and ops[int(k)] in kind.op_names[row[0]] else -1
            if not row or ours < 0:
                raise DataError(f"official state_dict entry {name} has no place in nasbench's DARTS supernet")
            name = f"cells.{cell}.edge_ops.{row[0]}.{ours}.{_inner(rest)}"
        elif m := _DARTS_PRE.match(name):
            name = f"cells.{m.group(1)}.pre{m.group(2)}.{_inner(m.group(3))}"
        out[name] = value
    return out


class Replay:
    """The reference's networks, masks and batches as nasbench builds them."""

    def __init__(self, ref: Reference) -> None:
        self.ref = ref
        darts = ref.spec["space"] == "darts"
        space = CellSpace(_darts_spec()) if darts else NB201Space()
        self.kit = Kit(space, darts, 1, 1)
        self.ops = [str(o) for o in ref.spec["ops"]]
        self.edges = [str(e) for e in ref.spec["edges"]]
        self.kinds = [str(k) for k in ref.spec["cell_types"]]
        self._nets: dict[str, nn.Module] = {}

    def edge_name(self, cell: int, edge: int) -> str:
        i, j = (int(v) for v in self.edges[edge].split("<-"))
        if self.kit.darts:
            return f"{self.kinds[cell]}:{j}->{i + 2}"
        return f"{j}->{i}"

    def mask(self, masks: Any) -> torch.Tensor:
        """Our op mask from the official per-cell, per-edge '1'/'0' strings."""
        space = self.kit.space
        out = torch.zeros(len(space.edges), max(len(space.candidate_ops(e)) for e in space.edges), dtype=torch.bool)
        try:
            for cell, rows in enumerate(masks):
                for edge, bits in enumerate(rows):
                    e = space.edges.index(self.edge_name(cell, edge))
                    ops = space.candidate_ops(space.edges[e])
                    for k, bit in enumerate(bits):
                        if bit == "1":
                            out[e, ops.index(self.ops[k])] = True
        except (ValueError, IndexError, TypeError) as exc:
            raise DataError(
                f"{self.ref.folder}: a mask does not fit the {self.ref.spec['space']} space ({exc})"
            ) from None
        return out

    def network(self, name: str, thin: bool) -> nn.Module:
        if name not in self._nets:
            build = self.kit.thin if thin else self.kit.ntk
            net = build(10, torch.Generator().manual_seed(0))
            official = {k: v for k, v in self.ref.parameters(name).items() if not (thin and k.startswith("stem."))}
            ours = darts_names(official, net, self.ops) if self.kit.darts else from_official(official)
            _load_parameters(net, ours, self.ref.folder)
            self._nets[name] = net
        return self._nets[name]

    def kappas(self, call: dict) -> tuple[float, float]:
        net = self.network(str(call["weights"]), thin=False)
        x = ntk_images(self.ref.raw, self.ref.ntk_draw(call["batch"]))
        before, after = (self.mask(m) for m in call["masks"])
        return _on(net, before, lambda: kappa(net, x)), _on(net, after, lambda: kappa(net, x))

    def regions(self, call: dict) -> tuple[float, float]:
        net = self.network(str(call["weights"]), thin=True)
        batches = [crop_images(self.ref.raw, self.ref.crop_draw(row)) for row in call["batches"]]
        before, after = (self.mask(m) for m in call["masks"])
        return _on(net, before, lambda: region_count(net, batches)), _on(net, after, lambda: region_count(net, batches))


def _on(net: nn.Module, mask: torch.Tensor, compute) -> float:
    with masked(net, mask, uniform=True):
        return compute()


def _load_parameters(net: nn.Module, params: dict[str, torch.Tensor], folder: Any) -> None:
    """Copy ``params`` into ``net``'s parameters; every one must be matched by name and shape."""
    expected = dict(net.named_parameters())
    missing, extra = sorted(set(expected) - set(params)), sorted(set(params) - set(expected))
    if missing or extra:
        first = f"missing {missing[0]!r}" if missing else f"unexpected {extra[0]!r}"
        raise DataError(f"{folder}: official parameters do not fit nasbench's network: {first}")
    with torch.no_grad():
        for name, value in params.items():
            if tuple(value.shape) != tuple(expected[name].shape):
                raise DataError(
                    f"{folder}: official parameters do not fit nasbench's network: {name} has shape"
                    f" {tuple(value.shape)}, ours {tuple(expected[name].shape)}"
                )
            expected[name].copy_(value)


def _darts_spec():
    from nasbench_plugins.darts_space.reduced_spaces import SPECS

    return next(s for s in SPECS if s.name == "darts")
