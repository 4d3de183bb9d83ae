"""``nasbench verify zc-pt REFERENCE_DIR``: recompute a folder of official Zero-Cost-PT numbers.

Every per-op proposal score S(A - (e, o)), every kept op, every proposed arch, every validation
score and total, and the validation's choice are recomputed with nasbench's own code (the
NB201 supernet and networks, the official weights loaded under our names, ``code_kernel``) and
compared: scores to ``--rtol`` (1e-5 by default: the official code accumulates K in float32),
ops and archs exactly. Prints the largest relative error per quantity; exits 1 on any mismatch.
In fp32 unless ``--precision bf16`` (the agreement measurement of docs/precision.md), on the CPU
unless ``--device`` names another.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import click
import numpy as np
import torch

from nasbench.api import Arch, DataError, hookimpl, precision_scope, resolve_device
from nasbench_plugins.nb201.network import EDGES, NB201Network, NB201Supernet
from nasbench_plugins.nb201.official import load_official
from nasbench_plugins.nb201.ops import OPS
from nasbench_plugins.nb201.space import NB201Space
from nasbench_plugins.zero_cost_pt.code_kernel import KernelRules, logdet, network_kernel, supernet_kernel
from nasbench_plugins.zero_cost_pt.reference import Reference, load_reference

EDGE_NAMES = tuple(f"{i}<-{j}" for i, j in EDGES)


@dataclass
class Check:
    """One quantity: how many values, the worst relative error, how many exact matches failed."""

    name: str
    n: int = 0
    worst: float = 0.0
    mismatches: list[str] = field(default_factory=list)

    def value(self, ours: float, theirs: float, rtol: float, what: str) -> None:
        self.n += 1
        rel = abs(ours - theirs) / max(abs(theirs), 1e-300)
        if math.isnan(rel) and math.isnan(ours) and math.isnan(theirs):
            rel = 0.0
        self.worst = max(self.worst, rel) if not math.isnan(rel) else math.inf
        if not rel <= rtol:
            self.mismatches.append(f"{what}: ours {ours!r}, official {theirs!r}")

    def same(self, ours: str, theirs: str, what: str) -> None:
        self.n += 1
        if ours != theirs:
            self.mismatches.append(f"{what}: ours {ours}, official {theirs}")


def _edge(ref: Reference, name: str) -> int:
    if name not in EDGE_NAMES:
        raise DataError(f"{ref.folder}: unknown edge {name!r}; NB201 edges are {', '.join(EDGE_NAMES)}")
    return EDGE_NAMES.index(name)


def _op(ref: Reference, name: str) -> int:
    if name not in OPS:
        raise DataError(f"{ref.folder}: unknown op {name!r}; NB201 ops are {', '.join(OPS)}")
    return OPS.index(name)


def check_proposals(ref: Reference, rtol: float, checks: dict[str, Check], device: torch.device) -> None:
    sn = ref.spec["supernet"]
    net = NB201Supernet(int(sn["num_classes"]), int(sn["C"]), int(sn["N"]), removed_ops="blocked", conv_bias=False)
    load_official(net, ref.weights(sn["weights"]), "supernet").eval().to(device)
    alpha = ref.weights(sn["arch_parameters"]).get("arch_parameters")
    if alpha is None or tuple(alpha.shape) != (len(EDGES), len(OPS)):
        raise DataError(f"{ref.folder}: arch_parameters must be a [{len(EDGES)}, {len(OPS)}] tensor")
    space = NB201Space()
    for p, proposal in enumerate(ref.spec["proposals"]):
        decided: dict[int, int] = {}
        for s, step in enumerate(proposal["steps"]):
            e = _edge(ref, step["edge"])
            weights = torch.softmax(alpha.float(), dim=-1)
            for de, dk in decided.items():
                weights[de] = 0.0
                weights[de, dk] = 1.0
            x = ref.batch(step["batch"]).to(device)
            ours = []
            for k in range(len(OPS)):
                perturbed = weights.clone()
                perturbed[e, k] = 0.0
                ours.append(logdet(supernet_kernel(net, x, perturbed, KernelRules())))
                checks["scores"].value(ours[k], float(step["scores"][k]), rtol, f"proposal {p} step {s} {OPS[k]}")
            kept = int(np.nanargmin(ours))
            checks["ops"].same(OPS[kept], step["chosen"], f"proposal {p} step {s} edge {step['edge']}")
            _op(ref, step["chosen"])
            decided[e] = kept
        if len(decided) == len(EDGES):
            ours_arch = space.format(Arch(space.name, tuple(OPS[decided[e]] for e in range(len(EDGES)))))
        else:
            ours_arch = f"(edges left undecided: {len(EDGES) - len(decided)})"
        checks["archs"].same(ours_arch, proposal["arch"], f"proposal {p}")


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


def verify_reference(
    folder: str, data_dirs: list, rtol: float, precision: str = "fp32", device: str = "cpu"
) -> list[Check]:
    ref = load_reference(folder, data_dirs)
    names = ("scores", "ops", "archs", "validation scores", "validation totals", "validation choice")
    checks = {n: Check(n) for n in names}
    dev = resolve_device(device)
    try:
        with precision_scope(precision, dev):
            check_proposals(ref, rtol, checks, dev)
            check_validation(ref, rtol, checks, dev)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise DataError(f"{ref.folder}/reference.json is malformed: {type(exc).__name__} {exc}") from None
    return list(checks.values())


LABELS = {
    "scores": "proposal scores S(A-(e,o))",
    "ops": "kept ops (nanargmin)",
    "archs": "proposed archs",
    "validation scores": "validation scores",
    "validation totals": "validation totals",
    "validation choice": "validation choice (nanargmax)",
}


def report(checks: list[Check], rtol: float) -> tuple[str, bool]:
    lines = [f"{'quantity':<32} {'n':>4}  result"]
    ok = True
    for c in checks:
        if c.name in ("ops", "archs", "validation choice"):
            result = f"{c.n - len(c.mismatches)}/{c.n} match"
        else:
            result = f"max rel. error {c.worst:.2e} ({'within' if not c.mismatches else 'OVER'} {rtol:g})"
        lines.append(f"{LABELS[c.name]:<32} {c.n:>4}  {result}")
        ok = ok and not c.mismatches and c.n > 0
    for c in checks:
        lines.extend(f"  mismatch: {m}" for m in c.mismatches[:5])
    lines.append(
        "OK: every score within rtol, every kept op, arch and choice matches"
        if ok
        else "FAILED: nasbench does not reproduce this reference"
    )
    return "\n".join(lines), ok


@hookimpl
def nasbench_register_commands(cli: click.Group) -> None:
    from nasbench.api import PRECISIONS, command_group, data_dirs

    verify = command_group(cli, "verify", "Check nasbench against numbers made with a method's official code.")

    @verify.command("zc-pt")
    @click.argument("reference_dir")
    @click.option("--rtol", default=1e-5, show_default=True, help="relative tolerance for scores")
    @click.option("--data-dir", default=None, help="where the reference's image file is (default $NASBENCH_DATA)")
    @click.option(
        "--precision",
        type=click.Choice(PRECISIONS),
        default="fp32",
        show_default=True,
        help="numerics of the networks (bf16: the agreement check of docs/precision.md)",
    )
    @click.option("--device", default="cpu", show_default=True, help="cpu, cuda, cuda:N")
    def zc_pt(reference_dir: str, rtol: float, data_dir: str | None, precision: str, device: str) -> None:
        """Recompute a Zero-Cost-PT NB201 reference folder (format: its reference.json)."""
        click.echo(
            f"reference: {reference_dir}"
            + ("" if (precision, device) == ("fp32", "cpu") else f" ({precision}, {device})")
        )
        checks = verify_reference(reference_dir, list(data_dirs(data_dir)), rtol, precision, device)
        text, ok = report(checks, rtol)
        click.echo(text)
        if not ok:
            raise SystemExit(1)
