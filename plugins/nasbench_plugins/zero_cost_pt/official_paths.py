"""What the authors' Zero-Cost-PT code does differently on each space it has a path for.

visionbasicagent/zerocost_operation_score @55fc52b has three search paths, and nasbench follows
each on its own spaces (one ``OfficialPath`` per path; any other space runs ``nasbench-v1``):

``nb201``  ``nasbench201/`` (verified first; see ``code_kernel``): removed ops run on x*0, alpha
           redrawn for every proposal, a fresh minibatch per edge decision.
``darts``  ``sota/cnn/`` (s5 = the DARTS space, S1-S4, and any DARTS-cell space with normal and
           reduction cells): weight-0 ops are skipped (``model_search.py:23-25``), alpha drawn once
           when the supernet is built and kept for every proposal (``model_search.py:101-115``;
           ``reset_arch_parameters`` resets only the projection, ``model_search_darts_proj.py:
           125-128``), one minibatch per step that decides a normal and then a reduction edge
           (``init_projection.py:194-234``), then topology by perturbation (``darts_topology``).
``macro``  ``nasbench_macro/``: removed ops run on x*0, every op weighs 1/3 and a decided layer's
           kept op 1 while its others keep 1/3 (``network_proposal.py:91-127``), a fresh
           minibatch per layer decision.

Every path scores with eval-mode BN and ReLU-class hooks and validates each candidate as its own
freshly initialised network (``zerocostnas/post_validate.py``; the Macro code has no validation
of its own, ``nasbench_macro/post_validate.py`` is empty, so its candidates are validated the same
way).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from nasbench_plugins.darts_space.network import DartsNetwork, DartsSupernet
from nasbench_plugins.darts_space.spec import SPLIT_KINDS
from nasbench_plugins.macro.network import MacroNetwork, MacroSupernet
from nasbench_plugins.nb201.network import NB201Network, NB201Supernet, blocked_mode_weights
from nasbench_plugins.zero_cost_pt import code_kernel, darts_kernel, macro_kernel


def _masked_softmax(alpha: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """softmax over each edge's own ops (a narrower edge's padding weighs 0)."""
    if bool(valid.all()):
        return torch.softmax(alpha, dim=-1)
    return torch.softmax(alpha.masked_fill(~valid, float("-inf")), dim=-1).nan_to_num(0.0)


def macro_weights(mask: torch.Tensor, decided_keeps_others: bool) -> torch.Tensor:
    """The official Macro op weights: 1/3 each; a decided layer's kept op 1 and, officially, its
    other ops still 1/3 (``weights[block][best] = 1`` on the 1/3 row); ablated: only the kept op."""
    third = torch.full(mask.shape, 1.0 / mask.shape[1])
    decided = mask.sum(dim=1, keepdim=True) == 1
    if decided_keeps_others:
        return torch.where(decided & mask, torch.ones_like(third), third)
    return torch.where(decided, mask.float(), third * mask)


@dataclass(frozen=True)
class OfficialPath:
    """One space family's official search: its weights, kernels and schedule."""

    name: str
    items: tuple[str, ...]  # the zcpt_ablate items that mean something on this path
    supernet_types: tuple[type, ...]
    network_types: tuple[type, ...]
    supernet_kernel: Callable
    network_kernel: Callable
    alpha: str  # "per-proposal", "per-trial" or "none"
    topology: bool = False  # topology selected by perturbation (DARTS)
    #: several weight matrices at once, sharing the unchanged prefix of the network (same values)
    supernet_kernels: Callable | None = None

    def weights(self, net: nn.Module, alpha: torch.Tensor | None, sem) -> torch.Tensor:
        """Op weights of the supernet's current state (decisions are its op mask)."""
        mask = net.op_mask
        if self.name == "macro":
            return macro_weights(mask, sem.decided)
        base = _masked_softmax(alpha, _valid(net)) if sem.alpha and alpha is not None else None
        return blocked_mode_weights(mask, base)

    def decisions_per_batch(self, space) -> int:
        """How many edge decisions share one minibatch (DARTS: a normal and a reduction edge)."""
        return len(getattr(getattr(space, "spec", None), "kinds", ())) if self.name == "darts" else 1


def _valid(net: nn.Module) -> torch.Tensor:
    valid = torch.zeros(net.op_mask.shape, dtype=torch.bool)
    for e, ops in enumerate(net.edge_ops):
        valid[e, : len(ops)] = True
    return valid


ITEMS_NB201 = ("bn", "hooks", "blocked", "alpha", "data", "measures", "tenas_project", "validation")
PATHS = (
    OfficialPath(
        "nb201",
        ITEMS_NB201,
        (NB201Supernet,),
        (NB201Network,),
        code_kernel.supernet_kernel,
        code_kernel.network_kernel,
        "per-proposal",
    ),
    OfficialPath(
        "darts",
        ("bn", "hooks", "alpha", "data", "validation", "topology"),
        (DartsSupernet,),
        (DartsNetwork,),
        darts_kernel.supernet_kernel,
        darts_kernel.network_kernel,
        "per-trial",
        topology=True,
        supernet_kernels=darts_kernel.supernet_kernels,
    ),
    OfficialPath(
        "macro",
        ("bn", "blocked", "decided", "data", "validation"),
        (MacroSupernet,),
        (MacroNetwork,),
        macro_kernel.supernet_kernel,
        macro_kernel.network_kernel,
        "none",
        supernet_kernels=macro_kernel.supernet_kernels,
    ),
)


def path_of(space, net: nn.Module | None = None) -> OfficialPath | None:
    """The official path for a space (and, given, its supernet), or ``None`` (the trial then runs
    nasbench-v1): NB201's, Macro's, and that of DARTS-cell spaces laid out as the DARTS code builds
    them (separate normal and reduction cells, 14 edges each, topology searched)."""
    spec = getattr(space, "spec", None)
    if spec is not None and tuple(spec.kinds) == SPLIT_KINDS and len(spec.pairs) == 14 and spec.search_topology:
        found = PATHS[1]
    else:
        found = {"nb201": PATHS[0], "macro": PATHS[2]}.get(getattr(space, "name", ""))
    if net is not None:  # what the supernet is decides (a third-party space may reuse a network)
        found = next((p for p in PATHS if isinstance(net, p.supernet_types)), None)
        if found is not None and found.name == "darts" and path_of(space) is None:
            found = None
    return found
