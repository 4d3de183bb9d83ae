"""``nasbench verify zc-pt`` on a Macro reference folder (``scripts/make_reference_zcpt.py --space macro``).

Recomputed with nasbench's ``MacroSupernet`` (official weights: ``features.{i}._ops.{k}`` ->
``features.{i}.{k}``) and ``macro_kernel``: every step's op weights (the official rule, as
``official_paths.macro_weights`` has it), every score S(A - (e, o)), the kept op (nanargmin), and
each proposal's arch, layer by layer. The official code registers its ReLU hooks once more for
every proposal (``network_proposal.py:105-106``), so proposal p's scores are those of (p+1) K; the
kernel is scaled the same way here (no choice depends on it). Its arch string joins the kept ops
in decision order (line 129), not layer order; the folder keeps both, verify checks the layers.
The official Macro code has no validation stage, so the folder has none.
"""

from __future__ import annotations

import numpy as np
import torch

from nasbench.api import BadInput, discretize, reset, torch_generator
from nasbench_plugins.macro.network import EDGES, MACRO_OPS
from nasbench_plugins.macro.space import MacroSpace
from nasbench_plugins.zero_cost_pt.code_kernel import KernelRules
from nasbench_plugins.zero_cost_pt.codes import logdet
from nasbench_plugins.zero_cost_pt.macro_kernel import supernet_kernel
from nasbench_plugins.zero_cost_pt.official_paths import macro_weights
from nasbench_plugins.zero_cost_pt.reference import Reference
from nasbench_plugins.zero_cost_pt.verify_checks import Check

NAMES = ("weights", "scores", "ops", "archs")
HEAD = 1280  # the official Macro head width (model.py:114)


def load_official(net, state: dict[str, torch.Tensor]):
    ours = {name.replace("._ops.", ".", 1) if name.startswith("features.") else name: v for name, v in state.items()}
    expected = net.state_dict()
    bad = sorted(set(expected) ^ set(ours)) or [n for n in ours if ours[n].shape != expected[n].shape]
    if bad:
        raise BadInput(f"official state_dict does not fit this Macro supernet, e.g. {bad[0]!r} (another stem width?)")
    net.load_state_dict(ours, strict=True)
    return net


def _check_step(net, ref: Reference, step: dict, times: int, rtol: float, checks: dict, where: str) -> str:
    layer, x = int(step["layer"]), ref.batch(step["batch"])
    weights = macro_weights(net.op_mask, True)
    first = weights.clone()
    first[layer, 0] = 0.0
    theirs = torch.tensor(step["weights"], dtype=torch.float64).float()  # the code's float64 rows, as used
    checks["weights"].same(str(first.tolist()), str(theirs.tolist()), f"{where} layer {layer}")
    ours = []
    for k in range(len(MACRO_OPS)):
        perturbed = weights.clone()
        perturbed[layer, k] = 0.0
        ours.append(logdet(supernet_kernel(net, x, perturbed, KernelRules(), times)))
        checks["scores"].value(ours[k], float(step["scores"][k]), rtol, f"{where} layer {layer} op {k}")
    kept = MACRO_OPS[int(np.nanargmin(ours))]
    checks["ops"].same(kept, MACRO_OPS[int(step["chosen"])], f"{where} layer {layer}")
    discretize(net, EDGES[layer], kept)
    return kept


def check_macro(ref: Reference, rtol: float) -> list[Check]:
    checks = {n: Check(n) for n in NAMES}
    sn = ref.spec["supernet"]
    space = MacroSpace({"macro_channels": int(sn["init_channels"]), "macro_head_channels": HEAD})
    net = load_official(space.build_supernet(int(sn["num_classes"]), torch_generator(0)), ref.weights(sn["weights"]))
    net.eval()
    for p, proposal in enumerate(ref.spec["proposals"]):
        reset(net)
        kept = {}
        for s, step in enumerate(proposal["steps"]):
            kept[int(step["layer"])] = _check_step(net, ref, step, p + 1, rtol, checks, f"proposal {p} step {s}")
        ours = "".join(str(MACRO_OPS.index(kept[i])) for i in range(len(EDGES))) if len(kept) == len(EDGES) else "-"
        checks["archs"].same(ours, proposal["arch"], f"proposal {p}")
    return list(checks.values())
