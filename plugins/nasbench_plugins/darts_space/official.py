"""Official DARTS-family parameter names -> nasbench's, so official checkpoints load into our networks.

Two official layouts, both from the DARTS code as DARTS-PT and Zero-Cost-PT ship it:

``supernet``  ``sota/cnn/model_search.py`` ``Network``: ``cells.{i}.preprocess{0,1}.op.{n}`` (or a
              FactorizedReduce's ``conv_1``/``conv_2``/``bn``), ``cells.{i}._ops.{e}._ops.{k}...`` per
              edge e (DARTS' edge order) and op k, a pooling op's BN as ``...{k}.1``.
``network``   ``pycls/models/nas/nas.py`` ``NetworkCIFAR`` (the validation / evaluation network):
              ``cells.{i}._ops.{m}.op.{n}`` for its 8 ops, ``classifier.classifier``.

An official ``SepConv`` is one ``op`` Sequential (ReLU, dw, pw, BN, ReLU, dw, pw, BN: indices 0-7);
nasbench's is two ``DilConv`` stages, so ``op.{1,2,3}`` -> ``0.{1,2,3}`` and ``op.{5,6,7}`` ->
``1.{1,2,3}``; ``DilConv`` and ``ReLUConvBN`` keep their indices without the ``op.`` level.
"""

from __future__ import annotations

import re

import torch
from torch import nn

from nasbench.api import BadInput
from nasbench_plugins.darts_space.ops import SepConv

_PRE = re.compile(r"^cells\.(\d+)\.preprocess([01])\.(?:op\.)?(.+)$")
_SEARCH_OP = re.compile(r"^cells\.(\d+)\._ops\.(\d+)\._ops\.(\d+)\.(.+)$")
_NET_OP = re.compile(r"^cells\.(\d+)\._ops\.(\d+)\.(.+)$")


def _op_rest(module: nn.Module, rest: str) -> str:
    """The name inside one op: drop the official ``op.`` level, split a SepConv into its stages."""
    if not rest.startswith("op."):
        return rest  # FactorizedReduce's conv_1 / conv_2 / bn, a pooling op's "1." BN
    index, _, leaf = rest[len("op.") :].partition(".")
    if isinstance(module, SepConv):
        n = int(index)
        return f"{0 if n < 4 else 1}.{n % 4}.{leaf}"
    return f"{index}.{leaf}"


def _our_name(name: str, net: nn.Module) -> str:
    if m := _PRE.match(name):
        return f"cells.{m.group(1)}.pre{m.group(2)}.{m.group(3)}"
    if m := _SEARCH_OP.match(name):
        cell, e, k, rest = m.groups()
        op = net.cells[int(cell)].edge_ops[int(e)][int(k)]
        return f"cells.{cell}.edge_ops.{e}.{k}.{_op_rest(op, rest)}"
    if m := _NET_OP.match(name):
        cell, i, rest = m.groups()
        return f"cells.{cell}.ops.{i}.{_op_rest(net.cells[int(cell)].ops[int(i)], rest)}"
    if name.startswith("classifier.classifier."):
        return name[len("classifier.") :]
    return name


def load_official(
    net: nn.Module, state: dict[str, torch.Tensor], what: str = "network", bn_stats_optional: bool = False
) -> nn.Module:
    """Load an official DARTS-family state_dict into ``net`` (``DartsSupernet`` or ``DartsNetwork``).

    Every parameter and buffer must be matched by name and shape; anything else is one
    ``BadInput`` line naming the first mismatch, never a partial load. ``bn_stats_optional``: BN
    running statistics absent from ``state`` keep ``net``'s (DARTS-PT's search BN is affine-free
    and its exported folders leave the statistics out).
    """
    try:
        ours = {_our_name(name, net): value for name, value in state.items()}
    except (IndexError, AttributeError, ValueError) as exc:
        raise BadInput(f"official state_dict does not fit this DARTS {what}: {exc}") from None
    expected = net.state_dict()
    if bn_stats_optional:
        stats = ("running_mean", "running_var", "num_batches_tracked")
        ours = {**{k: v for k, v in expected.items() if k.rsplit(".", 1)[-1] in stats}, **ours}
    missing, extra = sorted(set(expected) - set(ours)), sorted(set(ours) - set(expected))
    if missing or extra:
        first = f"missing {missing[0]!r}" if missing else f"unexpected {extra[0]!r}"
        raise BadInput(
            f"official state_dict does not fit this DARTS {what}: {len(missing)} missing, {len(extra)} unexpected"
            f" entries, e.g. {first} (another C or number of cells?)"
        )
    for name, value in ours.items():
        if tuple(value.shape) != tuple(expected[name].shape):
            raise BadInput(
                f"official state_dict does not fit this DARTS {what}: {name} has shape {tuple(value.shape)},"
                f" the {what} needs {tuple(expected[name].shape)}"
            )
    net.load_state_dict(ours, strict=True)
    return net
