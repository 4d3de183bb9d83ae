"""``nasbench verify zc-pt`` on a folder of the authors' tenas route (``tenas_project``, NB201).

``scripts/make_reference_zcpt.py --space nb201 --proxy tenas`` records every NTK condition number
and region count ``tenas_project`` computes, with the minibatch and the crops each used, and every
decision. Each is recomputed here with ``tenas_route``: the supernet in its ``blocked`` mode and its
one-channel-stem twin (the official weights loaded under our names), the pair's op weights
(softmax(alpha), decided edges one-hot, the pair's op at 0). Every decided edge and kept op, and
every proposed arch, must match exactly.
"""

from __future__ import annotations

import torch

from nasbench.api import DataError
from nasbench_plugins.nb201.network import NB201Supernet
from nasbench_plugins.nb201.official import load_official
from nasbench_plugins.nb201.ops import OPS
from nasbench_plugins.proxies.tenas import crop_rows
from nasbench_plugins.zero_cost_pt.reference import Reference
from nasbench_plugins.zero_cost_pt.tenas_route import kappa_fp32, kept_op, regions_eval
from nasbench_plugins.zero_cost_pt.verify_checks import Check
from nasbench_plugins.zero_cost_pt.verify_nb201 import edge_index, op_index, proposal_weights, proposed_arch

NAMES = ("kappas", "regions", "decided", "ops", "archs")


def region_batches(ref: Reference, rows: torch.Tensor) -> list[torch.Tensor]:
    """The crops of one region count, one [samples, 1, 3, 3] tensor per batch, from their recorded
    (record, top, left, channel) rows and the folder's crop size, padding, mean and std."""
    spec = ref.spec["regions"]
    pad, size, samples = int(spec["pad"]), int(spec["size"]), int(spec["samples"])
    rows = rows.long().numpy()
    if rows.ndim != 2 or rows.shape[1] != 4 or len(rows) % samples:
        raise DataError(f"{ref.folder}: each region count needs (record, top, left, channel) rows in batches")
    if rows[:, 0].min() < 0 or rows[:, 0].max() >= len(ref.images) or rows[:, 1:3].max() > 32 + 2 * pad - size:
        raise DataError(f"{ref.folder}: a crop lies outside its padded record")
    x = crop_rows(ref.images, rows, pad, size, spec["mean"], spec["std"])
    return list(torch.split(x, samples))


def check_tenas_route(ref: Reference, rtol: float) -> list[Check]:
    """Every number and decision of the folder, recomputed."""
    checks = {n: Check(n) for n in NAMES}
    sn = ref.spec["supernet"]
    shape = (int(sn["num_classes"]), int(sn["C"]), int(sn["N"]))
    net = load_official(NB201Supernet(*shape, "blocked", conv_bias=False), ref.weights(sn["weights"]), "supernet")
    thin = NB201Supernet(*shape, "blocked", conv_bias=False, in_channels=1)
    load_official(thin, ref.weights(sn["thin_weights"]), "one-channel-stem supernet")
    alphas = ref.weights(sn["alphas"])
    crops = ref.weights(ref.spec["regions"]["crops"])["crops"]
    for p, proposal in enumerate(ref.spec["proposals"]):
        alpha, decided = alphas[proposal["alpha"]], {}
        for d, dec in enumerate(proposal["decisions"]):
            kappas, regions = [], []
            for i, (edge, op) in enumerate(dec["pairs"]):
                weights = proposal_weights(alpha, decided)
                weights[edge_index(ref, edge), op_index(ref, op)] = 0.0
                net.op_weights = thin.op_weights = weights
                kappas.append(kappa_fp32(net, ref.batch(dec["ntk_batches"][i])))
                regions.append(regions_eval(thin, region_batches(ref, crops[int(dec["crops"]) + i])))
                what = f"proposal {p} decision {d} {edge} {op}"
                checks["kappas"].value(kappas[-1], float(dec["ntks"][i]), rtol, what)
                checks["regions"].value(regions[-1], float(dec["lrs"][i]), rtol, what)
            checks["decided"].same(dec["edges"][0], dec["edge"], f"proposal {p} decision {d}")
            kept = OPS[kept_op(kappas, regions, len(OPS))]
            checks["ops"].same(kept, dec["chosen"], f"proposal {p} decision {d} edge {dec['edge']}")
            decided[edge_index(ref, dec["edge"])] = op_index(ref, dec["chosen"])
        checks["archs"].same(proposed_arch(decided), proposal["arch"], f"proposal {p}")
    net.op_weights = thin.op_weights = None
    return list(checks.values())
