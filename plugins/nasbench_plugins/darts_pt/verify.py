"""``nasbench verify darts-pt REFERENCE_DIR``: recompute a whole official DARTS-PT projection.

From the folder's supernet (official weights, alpha and the architecture Adam's state as the
official projection started), nasbench's own code (the NB201 / DARTS supernet, the engine's
trainer, ``darts_pt.projection`` and ``darts_pt.schedule``) replays the projection on the recorded
batches: every perturbation accuracy and loss (ops and node eliminations), the op kept per edge,
the inputs kept per node, the tuning epochs between steps (run on the recorded (weight, alpha)
batches) and the final genotype. The folder only supplies data and the official random choices
(which edge / node each step takes); every decision is ours. fp32 NCHW on CPU: the authors'
layout (channels-last reorders the sums, which five tuning epochs grow to 4.5e-5 relative in the
NB201 folder's losses, over its 1e-5). Exit 0 when everything matches, 1 on any mismatch (table),
2 with one line on a broken folder.
"""

from __future__ import annotations

import click
import torch

from nasbench.api import Check, DataError, hookimpl, mismatch_lines, precision_scope
from nasbench_plugins.darts_pt.projection import Projection
from nasbench_plugins.darts_pt.reference import Reference, load_reference
from nasbench_plugins.darts_pt.replay import build, plan_of


class Replay:
    """Expected measurements and tuning epochs, handed out in the order our projection asks."""

    def __init__(self, ref: Reference, checks: dict[str, Check], rtol: float) -> None:
        self.ref, self.checks, self.rtol = ref, checks, rtol
        self.expected: list[tuple[str, list, float, float]] = []
        self.epochs: list[list] = []
        self.current: tuple | None = None

    def measure_batches(self) -> list[tuple[torch.Tensor, torch.Tensor]]:
        if not self.expected:
            raise Mismatch("our projection measures more than the official one did")
        self.current = self.expected.pop(0)
        return [self.ref.batch(b) for b in self.current[1]]

    def tune_pairs(self) -> list:
        if not self.epochs:
            raise Mismatch("our schedule tunes more epochs than the official one did")
        return [(self.ref.batch(w), self.ref.batch(v)) for w, v in self.epochs.pop(0)]

    def compare(self, value: tuple[float, float]) -> None:
        what, _, acc, loss = self.current
        self.checks["acc"].value(value[0], float(acc), self.rtol, what)
        self.checks["loss"].value(value[1], float(loss), self.rtol, what)


class Mismatch(Exception):
    """Our projection left the official one's path (reported, not a broken folder)."""


class CheckedProjection(Projection):
    def value(self) -> tuple[float, float]:
        out = super().value()
        self.data.compare(out)
        return out


def replay(ref: Reference, rtol: float) -> list[Check]:
    names = ("acc", "loss", "ops", "nodes", "schedule", "genotype")
    checks = {n: Check(n, floor=1.0) for n in names}
    trainer, space = build(ref)
    data = Replay(ref, checks, rtol)
    proj = CheckedProjection(trainer, data, str(ref.spec.get("crit", "acc")))
    trainer.reset_optimizer(trainer.config.lr / 10)
    plan, expected = plan_of(ref, space)
    decisions: dict[str, str] = {}
    rule = getattr(space, "topology", None)
    try:
        for i, (step, (ref_step, actions)) in enumerate(zip(plan, expected)):
            for (what, name), (label, values, official) in zip(step.actions, actions):
                data.expected = [(f"{label} {k}", *v) for k, v in values]
                if what == "op":
                    scores = {op: proj.score(v) for op, v in proj.op_values(name).items()}
                    decisions[name] = max(scores, key=scores.get)
                    checks["ops"].same(decisions[name], official, f"{label}: kept op")
                    proj.decide(name, decisions[name])
                else:
                    kept, _ = proj.eliminate(list(rule.groups[name]), rule.keep)
                    checks["nodes"].same(sorted(kept), sorted(official), f"{label}: kept inputs")
                    decisions.update({e: rule.none_op for e in rule.groups[name] if e not in kept})
                if data.expected:
                    raise Mismatch(f"{label}: the official projection measured {len(data.expected)} more times")
            if i < len(plan) - 1:
                checks["schedule"].same(step.tune, len(ref_step["tuning"]), f"step {i}: tuning epochs")
                data.epochs = list(ref_step["tuning"])
                proj.tune(min(step.tune, len(ref_step["tuning"])))
        arch = space.complete(decisions)
        checks["genotype"].same(arch, space.parse(ref.spec["genotype"]), "final genotype")
    except Mismatch as exc:
        checks["schedule"].same("stopped", "completed", str(exc))
    return list(checks.values())


LABELS = {
    "acc": "perturbation accuracies",
    "loss": "perturbation losses",
    "ops": "kept ops",
    "nodes": "kept node inputs",
    "schedule": "tuning epochs per step",
    "genotype": "final genotype",
}


def report(checks: list[Check], rtol: float) -> tuple[str, bool]:
    lines = [f"{'quantity':<26} {'n':>5}  result"]
    ok = True
    for c in checks:
        if c.name in ("acc", "loss"):
            result = f"max rel. error {c.worst:.2e} ({'within' if not c.mismatches else 'OVER'} {rtol:g})"
        else:
            result = f"{c.n - len(c.mismatches)}/{c.n} match"
        lines.append(f"{LABELS[c.name]:<26} {c.n:>5}  {result}")
        ok = ok and not c.mismatches and (c.n > 0 or c.name == "nodes")
    lines.extend(mismatch_lines(checks))
    lines.append("OK: nasbench reproduces this projection" if ok else "FAILED: nasbench does not reproduce it")
    return "\n".join(lines), ok


def verify_reference(folder: str, data_dirs: list, rtol: float) -> list[Check]:
    ref = load_reference(folder, data_dirs)
    try:
        with precision_scope("fp32", "cpu", channels_last=False):
            return replay(ref, rtol)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise DataError(f"{ref.folder}/reference.json is malformed: {type(exc).__name__} {exc}") from None


@hookimpl
def nasbench_register_commands(cli: click.Group) -> None:
    from nasbench.api import command_group, data_dirs

    verify = command_group(cli, "verify", "Check nasbench against numbers made with a method's official code.")

    @verify.command("darts-pt")
    @click.argument("reference_dir")
    @click.option("--rtol", default=1e-5, show_default=True, help="tolerance for accuracies and losses")
    @click.option("--data-dir", default=None, help="where the reference's image file is (default $NASBENCH_DATA)")
    def darts_pt(reference_dir: str, rtol: float, data_dir: str | None) -> None:
        """Replay a DARTS-PT reference folder (NB201 or s5; format: docs/darts-pt.md)."""
        click.echo(f"reference: {reference_dir}")
        text, ok = report(verify_reference(reference_dir, list(data_dirs(data_dir)), rtol), rtol)
        click.echo(text)
        if not ok:
            raise SystemExit(1)
