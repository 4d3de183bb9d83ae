"""The masked mixed op and edge normalisation as the trainer drives them (Half Search Space Eq. 1,
PC-DARTS): which ops an edge may use (the search mask), the op weights softmax(alpha) over the
unmasked ops only, per-node edge scales softmax(beta), and alpha's creation.
"""

from __future__ import annotations

import json
import math
from typing import Any

import torch
from torch import nn

from nasbench.api import DataError, new_mask


def edge_weights(
    alpha: torch.Tensor, mask: torch.Tensor, candidates: torch.Tensor, decided: torch.Tensor | None = None
) -> torch.Tensor:
    """Softmax of alpha over each edge's candidates; discretized edges one-hot on their op.

    Which edges are discretized: those in ``decided`` (bool [n_edges]) when given, as DARTS-PT's
    code tracks them (``candidate_flags``): an edge left with one op by a perturbation keeps that
    op's softmax weight (``projection.py:41-44``). Without it, every edge with one active op."""
    mask = mask.to(alpha.device)
    logits = alpha.masked_fill(~candidates.to(alpha.device), -math.inf)
    weights = torch.softmax(logits, dim=1)
    if decided is not None:
        single = decided.to(alpha.device).view(-1, 1)
        return torch.where(single, mask.to(weights.dtype), weights)
    single = mask.sum(dim=1, keepdim=True) == 1
    return torch.where(single, mask.to(weights.dtype), weights)


def search_candidates(net: nn.Module) -> torch.Tensor:
    """The ops the one-shot search runs over: every candidate, or the supernet's ``search_mask``."""
    full = new_mask(net.edge_ops)
    mask = getattr(net, "search_mask", None)
    return full if mask is None else full & mask.cpu()


def apply_search_mask(net: nn.Module, mask: torch.Tensor) -> None:
    """Make ``mask`` (bool [n_edges, max_ops]) the supernet's search space: pruned ops never run."""
    full = new_mask(net.edge_ops)
    mask = mask.to(torch.bool).cpu() & full
    if not bool(mask.any(dim=1).all()):
        raise ValueError("a search mask must keep at least one op on every edge")
    net.search_mask = mask.clone()
    net.op_mask.copy_(mask)


def restore_mask(net: nn.Module) -> None:
    """Back to the search space: every op of the search mask on (``reset`` for unmasked supernets)."""
    net.op_mask.copy_(search_candidates(net))


def node_groups(net: nn.Module) -> list[list[int]]:
    """Edge indices per intermediate node, from the supernet's ``edge_node`` (PC-DARTS needs it)."""
    nodes = getattr(net, "edge_node", None)
    if nodes is None:
        raise DataError(f"{type(net).__name__} declares no edge_node: edge normalisation needs a cell supernet")
    groups: dict[str, list[int]] = {}
    for e, node in enumerate(nodes):
        groups.setdefault(node, []).append(e)
    return list(groups.values())


def edge_scales(beta: torch.Tensor, groups: list[list[int]], live: torch.Tensor) -> torch.Tensor:
    """softmax(beta) over each node's live incoming edges (PC-DARTS edge normalisation); dead edges 0."""
    out = torch.zeros_like(beta)
    for idx in groups:
        index = torch.tensor(idx, device=beta.device)
        logits = beta[index].masked_fill(~live.to(beta.device)[index], -math.inf)
        out = out.index_put((index,), torch.softmax(logits, dim=0))
    return out


class AlphaDriver:
    """Forward pre-hook that sets ``net.op_weights`` (and ``edge_scale``) from alpha (and beta)."""

    def __init__(self, net: nn.Module, alpha: torch.Tensor, beta: torch.Tensor | None = None) -> None:
        self.alpha, self.beta = alpha, beta
        self.candidates = search_candidates(net)
        #: bool [n_edges] of discretized edges, set by a strategy that tracks them (``edge_weights``)
        self.decided: torch.Tensor | None = None
        self.groups = node_groups(net) if beta is not None else []
        self.handle = net.register_forward_pre_hook(self)

    def __call__(self, module: nn.Module, _inputs: Any) -> None:
        module.op_weights = edge_weights(self.alpha, module.op_mask, self.candidates, self.decided)
        if self.beta is not None:
            module.edge_scale = edge_scales(self.beta, self.groups, module.op_mask.any(dim=1))


def new_alpha(net: nn.Module, generator: torch.Generator, fixed: bool, device: torch.device) -> torch.Tensor:
    """1e-3 * randn per (edge, op) as DARTS does; zeros (uniform weights) for fix-alpha."""
    shape = tuple(net.op_mask.shape)
    alpha = torch.zeros(shape) if fixed else 1e-3 * torch.randn(shape, generator=generator)
    return alpha.to(device).requires_grad_(not fixed)


# -- the trainer -----------------------------------------------------------------------------


def mask_text(net: nn.Module) -> str:
    """The supernet's search mask as canonical text (edge -> kept ops), "" when it has none."""
    mask = getattr(net, "search_mask", None)
    if mask is None:
        return ""
    kept = {
        e: [op for k, op in enumerate(ops) if bool(mask[i, k])]
        for i, (e, ops) in enumerate(zip(net.edges, net.edge_ops))
    }
    return json.dumps(kept, sort_keys=True)
