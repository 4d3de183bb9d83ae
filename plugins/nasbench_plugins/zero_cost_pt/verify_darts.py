"""``nasbench verify zc-pt`` on a DARTS-cell reference folder (``scripts/make_reference_zcpt.py --space s5``).

Recomputed with nasbench's ``DartsSupernet`` / ``DartsNetwork`` (official weights loaded under our
names, ``darts_space.official``) and ``darts_kernel``: every op score S(A - (e, o)) of every op
step, the kept op (the official first strict minimum, ``init_projection.py:50-74``), every edge
score S(A - e) of every round of every topology step, the kept edges, each proposal's genotype,
and the validation networks' scores, totals and choice.
"""

from __future__ import annotations

import json
import math

import torch

from nasbench.api import DataError, discretize, reset, torch_generator
from nasbench_plugins.darts_space.official import load_official
from nasbench_plugins.darts_space.reduced_spaces import SPECS
from nasbench_plugins.darts_space.space import make_space
from nasbench_plugins.zero_cost_pt.code_kernel import KernelRules
from nasbench_plugins.zero_cost_pt.codes import logdet
from nasbench_plugins.zero_cost_pt.darts_kernel import network_kernel, supernet_kernels
from nasbench_plugins.zero_cost_pt.darts_topology import keep_edges
from nasbench_plugins.zero_cost_pt.official_paths import PATHS
from nasbench_plugins.zero_cost_pt.reference import Reference
from nasbench_plugins.zero_cost_pt.semantics import Semantics
from nasbench_plugins.zero_cost_pt.verify_checks import Check

NAMES = ("scores", "ops", "edge scores", "edges", "archs")
NAMES += ("validation scores", "validation totals", "validation choice")
_PATH = PATHS[1]


def first_min(scores: list[float]) -> int:
    """The official op choice: the first score strictly below every earlier one (a NaN first
    score is kept, as ``crit < NaN`` is never true)."""
    best, extreme = 0, None
    for k, crit in enumerate(scores):
        if extreme is None or crit < extreme:
            best, extreme = k, crit
    return best


def _space(ref: Reference, **sizes):
    spec = next((s for s in SPECS if s.name == ref.space), None)
    if spec is None:
        raise DataError(f"{ref.folder}: unknown DARTS-cell space {ref.space!r}")
    return make_space(spec).with_settings(sizes)


def _genotype_text(genotype: dict) -> str:
    return json.dumps({kind: [[op, int(j)] for op, j in genotype[kind]] for kind in ("normal", "reduce")})


class _Proposals:
    """Replays the folder's proposals on nasbench's supernet, step by step."""

    def __init__(self, ref: Reference, rtol: float, checks: dict[str, Check]) -> None:
        sn = ref.spec["supernet"]
        self.ref, self.rtol, self.checks = ref, rtol, checks
        self.space = _space(ref, darts_channels=int(sn["C"]), darts_cells=int(sn["layers"]))
        self.net = self.space.build_supernet(int(sn["num_classes"]), torch_generator(0))
        load_official(self.net, ref.weights(sn["weights"]), "supernet").eval()
        alphas = ref.weights(sn["alphas"])
        self.alpha = torch.cat([alphas["normal"], alphas["reduce"]]).float()
        if tuple(self.alpha.shape) != tuple(self.net.op_mask.shape):
            raise DataError(f"{ref.folder}: alphas must be two [14, ops] tensors (normal, reduce)")
        self.sem = Semantics()

    def _scores(self, variants: list[torch.Tensor], x: torch.Tensor) -> list[float]:
        return [logdet(k) for k in supernet_kernels(self.net, x, variants, KernelRules())]

    def op_step(self, where: str, step: dict, decisions: dict) -> None:
        edge, x = step["edge"], self.ref.batch(step["batch"])
        e = self.space.edges.index(edge)
        ops = self.space.candidate_ops(edge)
        weights = _PATH.weights(self.net, self.alpha, self.sem)
        variants = [weights.clone() for _ in ops]
        for k, perturbed in enumerate(variants):
            perturbed[e, k] = 0.0
        ours = self._scores(variants, x)
        for k, op in enumerate(ops):
            self.checks["scores"].value(ours[k], float(step["scores"][k]), self.rtol, f"{where} {edge} {op}")
        kept = ops[first_min(ours)]
        self.checks["ops"].same(kept, step["chosen"], f"{where} edge {edge}")
        discretize(self.net, edge, kept)
        decisions[edge] = kept

    def topology_step(self, where: str, step: dict, decisions: dict) -> None:
        rule, x = self.space.topology, self.ref.batch(step["batch"])
        edges = rule.groups[step["node"]]
        variants = []
        for edge in edges:
            variants.append(_PATH.weights(self.net, self.alpha, self.sem))
            variants[-1][self.space.edges.index(edge)] = 0.0
        ours = dict(zip(edges, self._scores(variants, x)))
        for r, scores in enumerate(step["rounds"]):
            for edge, value in scores.items():
                self.checks["edge scores"].value(ours[edge], float(value), self.rtol, f"{where} round {r} {edge}")
        kept = keep_edges(ours, rule.keep)
        self.checks["edges"].same(", ".join(kept), ", ".join(step["kept"]), f"{where} node {step['node']}")
        for edge in edges:
            if edge not in kept:
                self.net.op_mask[self.space.edges.index(edge)] = False
                decisions[edge] = rule.none_op

    def run(self) -> None:
        for p, proposal in enumerate(self.ref.spec["proposals"]):
            reset(self.net)
            decisions: dict[str, str] = {}
            for s, step in enumerate(proposal["steps"]):
                where = f"proposal {p} step {s}"
                (self.op_step if step["kind"] == "op" else self.topology_step)(where, step, decisions)
            try:
                ours = _genotype_text(self.space.genotype(self.space.complete(decisions)))
            except Exception as exc:  # noqa: BLE001 - an incomplete replay is a mismatch, not a crash
                ours = f"(no arch: {exc})"
            self.checks["archs"].same(ours, _genotype_text(proposal["genotype"]), f"proposal {p}")


def _check_validation(ref: Reference, rtol: float, checks: dict[str, Check]) -> None:
    val = ref.spec.get("validation")
    if not val:
        return
    space = _space(ref, darts_eval_channels=int(val["C"]), darts_eval_cells=int(val["layers"]))
    totals = []
    for v, entry in enumerate(val["networks"]):
        arch = space.parse(json.dumps(entry["genotype"]))
        net = space.build_network(arch, int(ref.spec["supernet"]["num_classes"]), torch_generator(0))
        load_official(net, ref.weights(entry["weights"]), "network").eval()
        total = 0.0
        for b, batch in enumerate(entry["batches"]):
            score = logdet(network_kernel(net, ref.batch(batch), KernelRules()))
            checks["validation scores"].value(score, float(entry["scores"][b]), rtol, f"net {v} batch {b}")
            total += score
        checks["validation totals"].value(total, float(entry["total"]), rtol, f"net {v}")
        totals.append(-math.inf if math.isnan(total) else total)
    best = max(range(len(totals)), key=lambda i: totals[i])
    ours = _genotype_text(val["networks"][best]["genotype"])
    checks["validation choice"].same(ours, _genotype_text(val["choice"]), "choice")


def check_darts(ref: Reference, rtol: float) -> list[Check]:
    checks = {n: Check(n) for n in NAMES}
    _Proposals(ref, rtol, checks).run()
    _check_validation(ref, rtol, checks)
    return [c for c in checks.values() if c.n or not c.name.startswith("validation")]
