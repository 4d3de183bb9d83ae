"""In-place op masking for supernets: the shared vocabulary of perturbation and discretization.

A supernet is any ``nn.Module`` with these attributes (see ``MaskedSupernet``):

``edges``      edge names, as in the space
``edge_ops``   candidate op names per edge
``op_mask``    CPU bool tensor [n_edges, max_ops]; False = the op is removed (not executed; a
               supernet may instead run it with weight 0, as NB201's ``removed_ops='zero'``)
``op_weights`` optional float tensor [n_edges, max_ops] multiplying each op's output
               (DARTS softmax(alpha)); ``None`` = plain sum of the active ops

Perturbing ``A - (e, o)`` flips one mask entry and flips it back: no deep copy, no new module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, runtime_checkable

import torch


@runtime_checkable
class MaskedSupernet(Protocol):
    edges: tuple[str, ...]
    edge_ops: tuple[tuple[str, ...], ...]
    op_mask: torch.Tensor
    op_weights: torch.Tensor | None


def new_mask(edge_ops: tuple[tuple[str, ...], ...]) -> torch.Tensor:
    """All candidate ops on, padding entries (edges with fewer ops) off."""
    width = max(len(ops) for ops in edge_ops)
    mask = torch.zeros(len(edge_ops), width, dtype=torch.bool)
    for e, ops in enumerate(edge_ops):
        mask[e, : len(ops)] = True
    return mask


def _index(net: MaskedSupernet, edge: str, op: str) -> tuple[int, int]:
    e = net.edges.index(edge)
    return e, net.edge_ops[e].index(op)


def active_ops(net: MaskedSupernet, edge: str) -> tuple[str, ...]:
    """Ops still on ``edge``."""
    e = net.edges.index(edge)
    return tuple(op for k, op in enumerate(net.edge_ops[e]) if bool(net.op_mask[e, k]))


def discretize(net: MaskedSupernet, edge: str, op: str) -> None:
    """Permanently keep only ``op`` on ``edge``."""
    e, k = _index(net, edge, op)
    net.op_mask[e].zero_()
    net.op_mask[e, k] = True


def reset(net: MaskedSupernet) -> None:
    """Every candidate op back on (the untouched supernet A_0)."""
    net.op_mask.copy_(new_mask(net.edge_ops))


@contextmanager
def removed(net: MaskedSupernet, edge: str, op: str) -> Iterator[None]:
    """``A - (e, o)``: the supernet with ``op`` switched off on ``edge``, restored on exit."""
    e, k = _index(net, edge, op)
    before = bool(net.op_mask[e, k])
    net.op_mask[e, k] = False
    try:
        yield
    finally:
        net.op_mask[e, k] = before


@contextmanager
def only(net: MaskedSupernet, edge: str, op: str) -> Iterator[None]:
    """``A + (e, o)``: ``edge`` discretized to ``op``, restored on exit."""
    e, k = _index(net, edge, op)
    before = net.op_mask[e].clone()
    net.op_mask[e].zero_()
    net.op_mask[e, k] = True
    try:
        yield
    finally:
        net.op_mask[e].copy_(before)


def perturbation_scores(
    net: MaskedSupernet, edge: str, value: Callable[[], float], keep: bool = False, counters: Any = None
) -> dict[str, float]:
    """``value()`` measured once per active op of ``edge`` with that op removed (``A - (e, o)``,
    the perturbation of Zero-Cost-PT and DARTS-PT) or, with ``keep``, with the edge discretized
    to it (``A + (e, o)``, the disc-* policies); mask restored after each. One implementation for
    every such policy: each turns the raw values into scores its own way (a removal that hurts
    most marks the best op, so removal policies negate). ``counters.perturbations`` counts them."""
    mask = only if keep else removed
    values = {}
    for op in active_ops(net, edge):
        with mask(net, edge, op):
            values[op] = value()
        if counters is not None:
            counters.perturbations += 1
    return values
