"""Official NB201 parameter names <-> nasbench's, so official checkpoints load into our networks.

The official search network (``TinyNetworkDartsProj`` of the Zero-Cost-PT / DARTS-PT code) names a
cell op ``cells.{c}.edges.{i}<-{j}.{k}.op.{n}``; its discrete ``cell_infers.TinyNetwork`` names it
``cells.{c}.layers.{l}.op.{n}``; ``ResNetBasicblock`` convs are ``conv_a.op.{n}``, the last BN
``lastact.0``. Ours: ``edge_layers.{e}.{k}.{n}``, ``layers.{l}.{n}``, ``conv_a.{n}``, ``head.0``.
The official masked layers' ``weight_mask`` buffers are folded into the weights (W * mask is what
their forward uses); their ``score`` / ``bias_mask`` buffers carry no forward state and are dropped.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import torch
from torch import nn

from nasbench.api import BadInput, DataError
from nasbench_plugins.nb201.network import EDGES

_EDGE = re.compile(r"^cells\.(\d+)\.edges\.(\d)<-(\d)\.(\d+)\.op\.(.+)$")
_LAYER = re.compile(r"^cells\.(\d+)\.layers\.(\d+)\.op\.(.+)$")
_BLOCK = re.compile(r"^cells\.(\d+)\.(conv_a|conv_b)\.op\.(.+)$")


def _our_name(name: str) -> str:
    if m := _EDGE.match(name):
        cell, i, j, k, rest = m.groups()
        if (int(i), int(j)) not in EDGES:
            raise BadInput(f"official state_dict names an edge {i}<-{j} that NB201 does not have ({name})")
        return f"cells.{cell}.edge_layers.{EDGES.index((int(i), int(j)))}.{k}.{rest}"
    if m := _LAYER.match(name):
        return f"cells.{m.group(1)}.layers.{m.group(2)}.{m.group(3)}"
    if m := _BLOCK.match(name):
        return f"cells.{m.group(1)}.{m.group(2)}.{m.group(3)}"
    if name.startswith("lastact.0."):
        return "head.0." + name[len("lastact.0.") :]
    return name


def from_official(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """An official NB201 state_dict (search or discrete network) under nasbench's names."""
    out: dict[str, torch.Tensor] = {}
    for name, value in state.items():
        if not isinstance(value, torch.Tensor):
            raise BadInput(f"official state_dict entry {name!r} is not a tensor")
        leaf = name.rsplit(".", 1)[-1]
        if leaf in ("score", "bias_mask", "weight_mask"):
            continue
        mask = state.get(name[: -len("weight")] + "weight_mask") if leaf == "weight" else None
        out[_our_name(name)] = value * mask if mask is not None else value
    return out


def load_official(
    net: nn.Module, state: dict[str, torch.Tensor], what: str = "network", bn_stats_optional: bool = False
) -> nn.Module:
    """Load an official NB201 state_dict into ``net`` (an ``NB201Supernet`` or ``NB201Network``).

    Every parameter and buffer must be matched by name and shape; anything else is one
    ``BadInput`` line naming the first mismatch, never a partial load. ``bn_stats_optional``: BN
    running statistics absent from ``state`` keep ``net``'s (for files of train-mode BN use only).
    """
    ours = fitted(net.state_dict(), state, what, keep=is_bn_stat if bn_stats_optional else None)
    net.load_state_dict(ours, strict=True)
    return net


def fitted(
    expected: dict[str, torch.Tensor], state: dict[str, torch.Tensor], what: str, keep: Any = None
) -> dict[str, torch.Tensor]:
    """``state`` under nasbench's names, checked to have exactly ``expected``'s names and shapes
    (``expected`` may live on the meta device: only shapes are read). Entries of ``expected`` whose
    name passes ``keep`` and that ``state`` lacks are taken from ``expected``."""
    ours = from_official(state)
    if keep is not None:
        ours = {**{k: v for k, v in expected.items() if keep(k)}, **ours}
    missing = sorted(set(expected) - set(ours))
    extra = sorted(set(ours) - set(expected))
    if missing or extra:
        hint = ""
        if any(k.endswith(".bias") and ".edge_layers." in k for k in missing):
            hint = " (this supernet has conv biases; official ones have none: --set nb201_conv_bias=false)"
        first = f"missing {missing[0]!r}" if missing else f"unexpected {extra[0]!r}"
        raise BadInput(
            f"official state_dict does not fit this NB201 {what}: {len(missing)} missing, {len(extra)} unexpected"
            f" entries, e.g. {first}{hint}"
        )
    for name, value in ours.items():
        if tuple(value.shape) != tuple(expected[name].shape):
            raise BadInput(
                f"official state_dict does not fit this NB201 {what}: {name} has shape {tuple(value.shape)},"
                f" the {what} needs {tuple(expected[name].shape)} (another C or N?)"
            )
    return ours


def is_bn_stat(name: str) -> bool:
    """A BN running statistic (never read by a BN in train mode)."""
    return name.rsplit(".", 1)[-1] in ("running_mean", "running_var", "num_batches_tracked")


def load_weights(path: Path) -> dict[str, torch.Tensor]:
    """A state_dict (or a dict of tensors) from ``path``; one clear line if missing or not one."""
    if not path.is_file():
        raise DataError(f"missing reference file {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the same user error
        raise DataError(f"{path} is not a readable torch state_dict ({type(exc).__name__})") from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise DataError(f"{path} is not a state_dict (a dict of tensors)")
    return state
