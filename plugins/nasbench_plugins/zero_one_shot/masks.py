"""Search masks: which candidate ops of each edge a one-shot search may use (Sec. 4.1).

A mask is a bool tensor [n_edges, max_ops] over the supernet's ``edge_ops`` (True = kept), the
same shape as ``op_mask``. It comes from one of three sources (setting ``mask_source``):

``prune``   Algorithm 1 (``nasbench_plugins.zero_one_shot.pruning``) with the ``rankers``;
``random``  RND: every candidate kept with probability ``xi`` (Bernoulli), then every edge left
            empty keeps one op drawn uniformly; a function of the trial seed only;
``file``    the ``mask`` setting: a JSON file (or inline JSON) ``{"kept": {edge: [ops]}}`` as a
            trial stores it in ``info["mask"]`` (a bare ``{edge: [ops]}`` object works too);
``none``    the full space (plain DARTS / PC-DARTS / beta-DARTS).

As text a mask is one object, edge -> kept ops in candidate order, so a stored mask prints and
reads back unchanged (``mask_to_dict`` / ``mask_from_dict``; ``format_mask`` for people).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import torch

from nasbench.api import BadInput, Setting, new_mask

#: stream offset of the trial seed for RND masks (``SearchContext.torch_generator``)
STREAM_RANDOM_MASK = 41


def _check_xi(value: float) -> None:
    if not 0.0 < value < 1.0:
        raise BadInput(f"setting xi={value}: the pruning level must lie in (0, 1)")


MASK_SETTINGS: dict[str, Setting] = {
    "mask_source": Setting(
        "none",
        "search mask: none (full space), prune (Algorithm 1), random (RND), file",
        choices=("none", "prune", "random", "file"),
    ),
    "mask": Setting(
        "", "mask_source=file: a JSON mask file (or inline JSON), as stored in a trial's info.mask", path="json"
    ),
    "xi": Setting(
        0.5, "pruning level xi: prune until the fraction of archs left is <= xi; RND keep probability", check=_check_xi
    ),
}


def log_size(mask: torch.Tensor) -> float:
    """log of the number of op combinations prod_e |E_e| the mask leaves (the hypergraph size)."""
    return float(sum(math.log(int(n)) for n in mask.sum(dim=1).tolist()))


def fraction_left(mask: torch.Tensor, full: torch.Tensor, measure: str = "archs") -> float:
    """The fraction of the space the mask leaves: of architectures, prod_e |E_e^t| / prod_e |E_e^0|
    (``archs``, Algorithm 1 as printed), or of candidate ops, sum_e |E_e^t| / sum_e |E_e^0| (``ops``,
    the measure RND's xi has: "1 - xi operations are masked on average")."""
    if measure == "ops":
        return float(mask.sum()) / float(full.sum())
    return math.exp(log_size(mask) - log_size(full))


def random_mask(edge_ops: tuple[tuple[str, ...], ...], xi: float, generator: torch.Generator) -> torch.Tensor:
    """RND: each candidate kept with probability ``xi``; an edge left empty keeps one uniform op."""
    full = new_mask(edge_ops)
    mask = (torch.rand(full.shape, generator=generator) < xi) & full
    for e, ops in enumerate(edge_ops):
        if not bool(mask[e].any()):
            mask[e, int(torch.randint(len(ops), (1,), generator=generator))] = True
    return mask


def mask_to_dict(net: Any, mask: torch.Tensor) -> dict[str, list[str]]:
    """edge -> kept ops (candidate order): the stored, printable form."""
    return {
        e: [op for k, op in enumerate(ops) if bool(mask[i, k])]
        for i, (e, ops) in enumerate(zip(net.edges, net.edge_ops))
    }


def mask_from_dict(net: Any, kept: dict[str, list[str]]) -> torch.Tensor:
    """The mask of ``kept`` over ``net``; ``BadInput`` on an unknown edge or op, a missing or empty edge."""
    mask = torch.zeros_like(new_mask(net.edge_ops))
    unknown = sorted(set(kept) - set(net.edges))
    if unknown:
        raise BadInput(f"mask names edge {unknown[0]!r}, which this space does not have")
    for i, (edge, ops) in enumerate(zip(net.edges, net.edge_ops)):
        if edge not in kept:
            raise BadInput(f"mask has no entry for edge {edge!r}: list the kept ops of every edge")
        if not kept[edge]:
            raise BadInput(f"mask keeps no op on edge {edge!r}: keep at least one")
        for op in kept[edge]:
            if op not in ops:
                raise BadInput(f"mask keeps op {op!r} on edge {edge!r}; candidates: {', '.join(ops)}")
            mask[i, ops.index(op)] = True
    return mask


def read_mask(net: Any, text: str) -> torch.Tensor:
    """A mask from the ``mask`` setting: inline JSON or a path to a JSON file."""
    if not text:
        raise BadInput("mask_source=file needs --set mask=PATH (a JSON mask, e.g. a trial's info.mask)")
    raw = text if text.lstrip().startswith("{") else None
    if raw is None:
        path = Path(text).expanduser()
        if not path.is_file():
            raise BadInput(f"mask file {path} does not exist")
        raw = path.read_text()
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BadInput(f"mask is not valid JSON ({exc})") from exc
    if isinstance(data, dict) and isinstance(data.get("kept"), dict):
        data = data["kept"]
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        raise BadInput('a mask is a JSON object {"kept": {edge: [ops, ...]}} or {edge: [ops, ...]}')
    return mask_from_dict(net, data)


def check_mask_settings(run: Any) -> None:
    """When the run's settings are read: a ``mask`` is given exactly when ``mask_source=file``, and
    it fits the run's space (its edges and candidate ops), so a bad mask never reaches a trial."""
    settings, space = run.settings, run.space
    source, text = settings.get("mask_source"), str(settings.get("mask", ""))
    if text and source != "file":
        raise BadInput(f"setting mask is read only with mask_source=file (this run: mask_source={source})")
    if source != "file":
        return
    edges = SimpleNamespace(
        edges=tuple(space.edges), edge_ops=tuple(tuple(space.candidate_ops(e)) for e in space.edges)
    )
    try:
        read_mask(edges, text)
    except BadInput as exc:
        raise BadInput(f"setting mask={text!r}: {exc}") from None


def format_mask(kept: dict[str, list[str]]) -> str:
    """One line per edge, for people: ``normal:0->2  sep_conv_3x3 skip_connect``."""
    width = max((len(e) for e in kept), default=0)
    return "\n".join(f"{edge:<{width}}  {' '.join(ops)}" for edge, ops in kept.items())
