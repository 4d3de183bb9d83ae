"""``nasbench verify zc-pt`` on an NB201 reference folder (the shared ``zcpt_official_nb201``).

Every per-op proposal score S(A - (e, o)), every kept op and proposed arch, every validation
score and total, and the validation's choice, recomputed with the NB201 supernet and networks
(the official weights loaded under our names) and ``code_kernel``.
"""

from __future__ import annotations

import numpy as np
import torch

from nasbench.api import Arch, DataError
from nasbench_plugins.nb201.network import EDGES, NB201Network, NB201Supernet
from nasbench_plugins.nb201.official import load_official
from nasbench_plugins.nb201.ops import OPS
from nasbench_plugins.nb201.space import NB201Space
from nasbench_plugins.zero_cost_pt.code_kernel import KernelRules, logdet, network_kernel, supernet_kernel
from nasbench_plugins.zero_cost_pt.reference import Reference
from nasbench_plugins.zero_cost_pt.verify_checks import Check

EDGE_NAMES = tuple(f"{i}<-{j}" for i, j in EDGES)
NAMES = ("scores", "ops", "archs", "validation scores", "validation totals", "validation choice")


def edge_index(ref: Reference, name: str) -> int:
    if name not in EDGE_NAMES:
        raise DataError(f"{ref.folder}: unknown edge {name!r}; NB201 edges are {', '.join(EDGE_NAMES)}")
    return EDGE_NAMES.index(name)


def op_index(ref: Reference, name: str) -> int:
    if name not in OPS:
        raise DataError(f"{ref.folder}: unknown op {name!r}; NB201 ops are {', '.join(OPS)}")
    return OPS.index(name)


def proposal_weights(alpha: torch.Tensor, decided: dict[int, int]) -> torch.Tensor:
    """The official op weights of a proposal step: softmax(alpha), decided edges one-hot."""
    weights = torch.softmax(alpha.float(), dim=-1)
    for de, dk in decided.items():
        weights[de] = 0.0
        weights[de, dk] = 1.0
    return weights


def proposed_arch(decided: dict[int, int]) -> str:
    """The arch string of a proposal's decisions (or how many edges it left undecided)."""
    if len(decided) != len(EDGES):
        return f"(edges left undecided: {len(EDGES) - len(decided)})"
    space = NB201Space()
    return space.format(Arch(space.name, tuple(OPS[decided[e]] for e in range(len(EDGES)))))


def check_proposals(ref: Reference, rtol: float, checks: dict[str, Check], device: torch.device) -> None:
    sn = ref.spec["supernet"]
    net = NB201Supernet(int(sn["num_classes"]), int(sn["C"]), int(sn["N"]), removed_ops="blocked", conv_bias=False)
    load_official(net, ref.weights(sn["weights"]), "supernet").eval().to(device)
    alpha = ref.weights(sn["arch_parameters"]).get("arch_parameters")
    if alpha is None or tuple(alpha.shape) != (len(EDGES), len(OPS)):
        raise DataError(f"{ref.folder}: arch_parameters must be a [{len(EDGES)}, {len(OPS)}] tensor")
    for p, proposal in enumerate(ref.spec["proposals"]):
        decided: dict[int, int] = {}
        for s, step in enumerate(proposal["steps"]):
            e = edge_index(ref, step["edge"])
            weights = proposal_weights(alpha, decided)
            x = ref.batch(step["batch"]).to(device)
            ours = []
            for k in range(len(OPS)):
                perturbed = weights.clone()
                perturbed[e, k] = 0.0
                ours.append(logdet(supernet_kernel(net, x, perturbed, KernelRules())))
                checks["scores"].value(ours[k], float(step["scores"][k]), rtol, f"proposal {p} step {s} {OPS[k]}")
            kept = int(np.nanargmin(ours))
            checks["ops"].same(OPS[kept], step["chosen"], f"proposal {p} step {s} edge {step['edge']}")
            op_index(ref, step["chosen"])
            decided[e] = kept
        checks["archs"].same(proposed_arch(decided), proposal["arch"], f"proposal {p}")


def check_validation(ref: Reference, rtol: float, checks: dict[str, Check], device: torch.device) -> None:
    sn = ref.spec["supernet"]
    space = NB201Space()
    totals = []
    for v, entry in enumerate(ref.spec["validation"]):
        arch = space.parse(entry["arch"])
        net = NB201Network(arch.ops, int(sn["num_classes"]), int(sn["C"]), int(sn["N"]))
        load_official(net, ref.weights(entry["weights"]), "network").eval().to(device)
        total = 0.0
        for b, batch in enumerate(entry["batches"]):
            score = logdet(network_kernel(net, ref.batch(batch).to(device), KernelRules()))
            checks["validation scores"].value(score, float(entry["scores"][b]), rtol, f"net {v} batch {b}")
            total += score
        checks["validation totals"].value(total, float(entry["total"]), rtol, f"net {v}")
        totals.append(total)
    if totals:
        theirs = int(np.nanargmax([float(e["total"]) for e in ref.spec["validation"]]))
        checks["validation choice"].same(
            ref.spec["validation"][int(np.nanargmax(totals))]["arch"], ref.spec["validation"][theirs]["arch"], "choice"
        )


def check_nb201(ref: Reference, rtol: float, device: torch.device | None = None) -> list[Check]:
    """Every number of an NB201 folder, recomputed on ``device`` (default the CPU)."""
    device = device or torch.device("cpu")
    checks = {n: Check(n) for n in NAMES}
    check_proposals(ref, rtol, checks, device)
    check_validation(ref, rtol, checks, device)
    return list(checks.values())
