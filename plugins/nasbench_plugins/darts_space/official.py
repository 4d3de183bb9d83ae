"""Official DARTS search-network parameter names <-> nasbench's, so a state_dict of the DARTS /
DARTS-PT code (``sota/cnn/model_search.py`` ``Network``) loads into ``DartsSupernet``.

Official: ``cells.{c}.preprocess{0,1}.op.{n}`` (``FactorizedReduce``: ``conv_1/conv_2/bn``),
``cells.{c}._ops.{e}._ops.{k}`` (``.op.{n}`` for ReLU-conv-BN stacks; ``SepConv`` is one flat
``op.0-7`` sequence; a pool is ``Sequential(pool, BN)``: ``.1.*``). Ours: ``pre{0,1}.{n}``,
``edge_ops.{e}.{k}`` with ``SepConv`` as two ``DilConv`` halves (``0.{1-3}``, ``1.{1-3}``).
"""

from __future__ import annotations

import re

import torch
from torch import nn

from nasbench.api import BadInput

_PRE = re.compile(r"^cells\.(\d+)\.preprocess([01])\.(?:op\.)?(.+)$")
_OP = re.compile(r"^cells\.(\d+)\._ops\.(\d+)\._ops\.(\d+)\.(.+)$")


def _op_rest(op: str, rest: str) -> str:
    if op.startswith("sep_conv") and rest.startswith("op."):
        index, tail = rest[3:].split(".", 1)
        i = int(index)
        return f"{0 if i < 4 else 1}.{i % 4}.{tail}"
    return rest[3:] if rest.startswith("op.") else rest


def from_official(state: dict[str, torch.Tensor], edge_ops: list[tuple[str, ...]]) -> dict[str, torch.Tensor]:
    """An official DARTS search state_dict under nasbench's names (``edge_ops``: per cell edge, its
    ops in the space's order; the same in every cell of a kind for the spaces verify reads)."""
    out: dict[str, torch.Tensor] = {}
    for name, value in state.items():
        if m := _PRE.match(name):
            name = f"cells.{m.group(1)}.pre{m.group(2)}.{m.group(3)}"
        elif m := _OP.match(name):
            cell, e, k, rest = m.groups()
            if int(e) >= len(edge_ops) or int(k) >= len(edge_ops[int(e)]):
                raise BadInput(f"official state_dict names an op this space does not have ({name})")
            name = f"cells.{cell}.edge_ops.{e}.{k}.{_op_rest(edge_ops[int(e)][int(k)], rest)}"
        out[name] = value
    return out


def load_official(
    net: nn.Module, state: dict[str, torch.Tensor], edge_ops: list[tuple[str, ...]], bn_stats_optional: bool = False
) -> nn.Module:
    """Load an official DARTS search state_dict into ``net``; any mismatch is one ``BadInput`` line.
    ``bn_stats_optional``: BN running statistics absent from ``state`` keep ``net``'s."""
    ours = from_official(state, edge_ops)
    expected = net.state_dict()
    if bn_stats_optional:
        stats = ("running_mean", "running_var", "num_batches_tracked")
        ours = {**{k: v for k, v in expected.items() if k.rsplit(".", 1)[-1] in stats}, **ours}
    missing, extra = sorted(set(expected) - set(ours)), sorted(set(ours) - set(expected))
    if missing or extra:
        first = f"missing {missing[0]!r}" if missing else f"unexpected {extra[0]!r}"
        raise BadInput(f"official state_dict does not fit this DARTS supernet: {first}")
    for name, value in ours.items():
        if tuple(value.shape) != tuple(expected[name].shape):
            raise BadInput(f"official state_dict does not fit: {name} has shape {tuple(value.shape)}")
    net.load_state_dict(ours, strict=True)
    return net
