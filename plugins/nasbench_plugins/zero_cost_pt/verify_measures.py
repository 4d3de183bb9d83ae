"""``nasbench verify zc-pt`` on a folder of the official branch for proxies other than nwot (NB201).

``scripts/make_reference_zcpt.py --space nb201 --proxy P`` records every ``find_measures`` value of
``pt_project``'s branch (``init_projection.py:348-366``) with the minibatch it drew. Each is
recomputed here as zc-pt's ``measures`` item computes it: the supernet in its ``blocked`` mode
(the official weights loaded under our names), undecided edges at softmax(α), decided ones one-hot,
the perturbed edge's other ops at 1/|O|, nasbench's proxy on that op's own minibatch. Every kept op
(nanargmin) and proposed arch must match exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from nasbench.api import DataError
from nasbench_plugins.nb201.network import EDGES, NB201Supernet
from nasbench_plugins.nb201.official import load_official
from nasbench_plugins.nb201.ops import OPS
from nasbench_plugins.zero_cost_pt.reference import Reference
from nasbench_plugins.zero_cost_pt.verify_checks import Check
from nasbench_plugins.zero_cost_pt.verify_nb201 import edge_index, op_index, proposal_weights, proposed_arch

#: the official ``proj_crit`` names of the branch -> nasbench's proxies
PROXIES = {"snip": "snip", "grad_norm": "grad_norm", "fisher": "fisher", "grasp": "grasp", "synflow": "synflow",
           "jacob_cov": "jacov"}  # fmt: skip
NAMES = ("scores", "ops", "archs")


def proxy_name(ref: Reference) -> str:
    """nasbench's name of the folder's official ``proj_crit``; an unknown one is one clear line."""
    crit = str(ref.spec.get("proxy"))
    if crit not in PROXIES:
        raise DataError(f"{ref.folder}: proxy {crit!r} has no find_measures branch; one of {', '.join(PROXIES)}")
    return PROXIES[crit]


def check_measures(ref: Reference, rtol: float, proxy: Any) -> list[Check]:
    """Every number of the folder, recomputed with ``proxy`` (the registry's ``proxy_name(ref)``)."""
    checks = {n: Check(n) for n in NAMES}
    sn = ref.spec["supernet"]
    net = NB201Supernet(int(sn["num_classes"]), int(sn["C"]), int(sn["N"]), removed_ops="blocked", conv_bias=False)
    load_official(net, ref.weights(sn["weights"]), "supernet")
    alphas = ref.weights(sn["alphas"])
    for p, proposal in enumerate(ref.spec["proposals"]):
        alpha = alphas.get(proposal["alpha"])
        if alpha is None or tuple(alpha.shape) != (len(EDGES), len(OPS)):
            raise DataError(f"{ref.folder}: alphas {proposal['alpha']!r} must be a [{len(EDGES)}, {len(OPS)}] tensor")
        decided: dict[int, int] = {}
        for s, step in enumerate(proposal["steps"]):
            e = edge_index(ref, step["edge"])
            ours = [
                _score(ref, net, proxy, _weights(alpha, decided, e, k), step["op_batches"][k]) for k in range(len(OPS))
            ]
            for k, value in enumerate(ours):
                checks["scores"].value(value, float(step["scores"][k]), rtol, f"proposal {p} step {s} {OPS[k]}")
            kept = int(np.nanargmin(ours))
            checks["ops"].same(OPS[kept], step["chosen"], f"proposal {p} step {s} edge {step['edge']}")
            decided[e] = op_index(ref, step["chosen"])
        checks["archs"].same(proposed_arch(decided), proposal["arch"], f"proposal {p}")
    return list(checks.values())


def _weights(alpha: torch.Tensor, decided: dict[int, int], e: int, k: int) -> torch.Tensor:
    """The op weights of A - (e, o_k) as the official branch sets them."""
    weights = proposal_weights(alpha, decided)
    weights[e] = 1.0 / len(OPS)
    weights[e, k] = 0.0
    return weights


def _score(ref: Reference, net: NB201Supernet, proxy: Any, weights: torch.Tensor, batch: list[int]) -> float:
    net.op_weights = weights
    try:
        return float(proxy.score(net, ref.batch(batch), ref.targets(batch), torch.Generator().manual_seed(0)))
    finally:
        net.op_weights = None
