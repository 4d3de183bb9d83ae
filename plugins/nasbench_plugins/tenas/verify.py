"""``nasbench verify tenas REFERENCE_DIR``: recompute a folder of official TE-NAS numbers.

Every NTK condition number and region count the official code computed (per candidate, per
repeat, before and after the removal) is recomputed with nasbench's networks and ``measure``
(``replay``) and compared to ``--rtol``; then, round by round, the rounded changes, the
official ``ntk_all`` / ``regions_all`` means, the rank pairs and order of ``rankings_sum``, the
pruned ops and the final arch are recomputed with ``ranking`` and compared exactly. A rounded
change whose official value lies within the tolerance of a rounding boundary (x.xxx5) cannot be
decided by any reimplementation: it is counted as "at a boundary" and the official rounding is
used from there on. Exit 1 on any mismatch, 2 on a folder that cannot be read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import click

from nasbench.api import Check, DataError, hookimpl, mismatch_lines
from nasbench_plugins.tenas.ranking import PRECISION, mean, ntk_change, pruned, rank_sum_order, region_change
from nasbench_plugins.tenas.reference import load_reference
from nasbench_plugins.tenas.replay import Replay

NAMES = ("kappa", "regions", "ntk changes", "region changes", "means", "rankings", "pruned", "arch")
LABELS = {
    "kappa": "NTK condition numbers",
    "regions": "linear-region counts",
    "ntk changes": "rounded NTK changes",
    "region changes": "rounded region changes",
    "means": "ntk_all / regions_all means",
    "rankings": "rankings_sum (ranks, order)",
    "pruned": "pruned ops",
    "arch": "final arch",
}


def _rounded(check: Check, ours: float, theirs: float, exact: float, rtol: float, what: str) -> float:
    """Our rounded change, or the official one where its exact value is within tolerance of a boundary."""
    check.n += 1
    if ours == theirs:
        return ours
    step = 10.0**-PRECISION
    edge = (math.floor(exact / step) + 0.5) * step
    if abs(exact - edge) <= 4 * rtol * max(1.0, abs(exact)):
        check.boundary += 1
        return theirs
    check.mismatches.append(f"{what}: ours {ours!r}, official {theirs!r}")
    return ours


#: float32 machine epsilon: the official code's NTK eigenvalues are float32
FLOAT32_EPS = 2.0**-23


@dataclass(frozen=True)
class Tolerance:
    """Relative tolerances. kappa: ``kappa``, or eps32 x kappa where that is larger: the official
    code computes the NTK and its eigenvalues in float32, so lambda_min (and kappa) carry a relative
    error up to about eps32 x kappa (first-order perturbation). Region counts: ``regions`` (exact
    counts summed in float32 by both: one differing pattern is far above it)."""

    kappa: float = 1e-4
    regions: float = 1e-6

    def for_kappa(self, official: float) -> float:
        return max(self.kappa, FLOAT32_EPS * abs(official))


def _candidate(replay: Replay, calls: list[dict], repeat: int, checks: dict[str, Check], tol: Tolerance):
    """(key, ntk mean, regions mean) of one candidate from its ``repeat`` NTK and region calls."""
    ntk_calls, lr_calls = calls[:repeat], calls[repeat:]
    if [c.get("kind") for c in calls] != ["ntk"] * repeat + ["lr"] * repeat:
        raise DataError(f"{replay.ref.folder}: calls do not come as {repeat} NTK then {repeat} region calls")
    before, after = (replay.mask(m) for m in lr_calls[0]["masks"])
    gone = (before & ~after).nonzero().tolist()
    if len(gone) != 1:
        raise DataError(f"{replay.ref.folder}: a candidate's masks differ in {len(gone)} ops, not 1")
    key = _official_key(replay, lr_calls[0]["masks"])
    ntk, regions = [], []
    for r, call in enumerate(ntk_calls):
        ours, theirs = replay.kappas(call), [float(v) for v in call["values"]]
        for v, (a, b) in enumerate(zip(ours, theirs)):
            what = f"candidate {key} repeat {r} {('before', 'after')[v]}"
            checks["kappa"].value(a, b, tol.for_kappa(b), what)
        exact = (theirs[0] - theirs[1]) / theirs[0]
        band = max(tol.for_kappa(theirs[0]), tol.for_kappa(theirs[1]))
        ntk.append(_rounded(checks["ntk changes"], ntk_change(*ours), ntk_change(*theirs), exact, band, f"{key}/{r}"))
    for r, call in enumerate(lr_calls):
        ours, theirs = replay.regions(call), [float(v) for v in call["values"]]
        for v, (a, b) in enumerate(zip(ours, theirs)):
            checks["regions"].value(a, b, tol.regions, f"candidate {key} repeat {r} {('before', 'after')[v]}")
        exact = (theirs[0] - theirs[1]) / theirs[0]
        ours_r, theirs_r = region_change(*ours), region_change(*theirs)
        regions.append(_rounded(checks["region changes"], ours_r, theirs_r, exact, tol.regions, f"{key}/{r}"))
    return key, mean(ntk), mean(regions)


def _official_key(replay: Replay, masks: list) -> tuple[int, int, int]:
    before, after = masks
    for cell, (rows_b, rows_a) in enumerate(zip(before, after)):
        for edge, (b, a) in enumerate(zip(rows_b, rows_a)):
            for op, (x, y) in enumerate(zip(b, a)):
                if x == "1" and y == "0":
                    return (cell, edge, op)
    raise DataError(f"{replay.ref.folder}: a candidate switches no op off")


def check_round(replay: Replay, entry: dict, calls: list[dict], checks: dict[str, Check], tol: Tolerance) -> list:
    """Recompute one official ranking; returns the ops it prunes (ours)."""
    settings = replay.ref.spec["settings"]
    repeat = int(settings["repeat"])
    if len(calls) % (2 * repeat):
        raise DataError(f"{replay.ref.folder}: a round has {len(calls)} calls, not a multiple of {2 * repeat}")
    ntk, regions = {}, {}
    for c in range(0, len(calls), 2 * repeat):
        key, ntk[key], regions[key] = _candidate(replay, calls[c : c + 2 * repeat], repeat, checks, tol)
    for name, ours, theirs in (("ntk", ntk, entry["ntk_all"]), ("regions", regions, entry["regions_all"])):
        for value, key in theirs:
            checks["means"].same(ours.get(tuple(key)), float(value), f"{name} mean of {tuple(key)}")
    ranking = rank_sum_order(ntk, regions)
    ours_rank = [[list(r.candidate), [r.ntk_rank, r.region_rank]] for r in ranking]
    theirs_rank = [[list(k), list(v)] for k, v in entry["rankings_sum"]]
    checks["rankings"].same(ours_rank, theirs_rank, f"round after call {entry['after_call']}")
    if entry.get("kind", "ops") == "edges":
        chosen = [r.candidate for r in ranking[:-2]]
    else:
        first = next(iter(ntk))
        origin = replay.mask(calls[0]["masks"][0])
        active = int(origin[replay.kit.space.edges.index(replay.edge_name(first[0], first[1]))].sum())
        number = min(int(settings["prune_number"]), active - 1)
        chosen = pruned(ranking, lambda c: c[:2], number)
    checks["pruned"].same(
        sorted(map(list, chosen)), sorted(map(list, entry["pruned"])), f"round after call {entry['after_call']}"
    )
    return chosen


def _trailing(replay: Replay, calls: list[dict], checks: dict[str, Check], tol: Tolerance) -> None:
    """Calls after the last ranking (a folder cut short by ``--stop-after-calls``): measurements only."""
    repeat = int(replay.ref.spec["settings"]["repeat"])
    whole = len(calls) - len(calls) % (2 * repeat)
    for c in range(0, whole, 2 * repeat):
        _candidate(replay, calls[c : c + 2 * repeat], repeat, checks, tol)


def verify_reference(folder: str, data_dirs: list, tol: Tolerance) -> list[Check]:
    """Every check of the folder (see the module docstring); ``arch`` "" = the folder records none."""
    ref = load_reference(folder, data_dirs)
    checks = {n: Check(n) for n in NAMES}
    replay = Replay(ref)
    try:
        start = 0
        chosen = []
        for entry in ref.spec["rounds"]:
            end = int(entry["after_call"])
            chosen += check_round(replay, entry, ref.spec["calls"][start:end], checks, tol)
            start = end
        _trailing(replay, ref.spec["calls"][start:], checks, tol)
        if ref.spec["arch"]:
            checks["arch"].same(_final_arch(replay, chosen), _their_arch(replay, ref.spec["arch"]), "arch")
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise DataError(f"{ref.folder}/reference.json is malformed: {type(exc).__name__} {exc}") from None
    return list(checks.values())


def _final_arch(replay: Replay, chosen: list) -> str:
    """The arch our pruning decisions leave, in the space's notation."""
    space = replay.kit.space
    mask = replay.mask(
        [["".join("0" if op == "none" else "1" for op in replay.ops)] * len(replay.edges)] * len(replay.kinds)
    )
    for cell, edge, op in chosen:
        e = space.edges.index(replay.edge_name(cell, edge))
        mask[e, space.candidate_ops(space.edges[e]).index(replay.ops[op])] = False
    decisions = {}
    for e, name in enumerate(space.edges):
        ops = [o for k, o in enumerate(space.candidate_ops(name)) if bool(mask[e, k])]
        decisions[name] = ops[0] if len(ops) == 1 else "none"
    return space.format(space.complete(decisions))


def _their_arch(replay: Replay, text: str) -> str:
    try:
        return replay.kit.space.format(replay.kit.space.parse(text))
    except Exception as exc:  # noqa: BLE001 - any unreadable arch is the folder's fault
        raise DataError(
            f"{replay.ref.folder}: arch {text!r} is not a {replay.ref.spec['space']} arch ({exc})"
        ) from None


def report(checks: list[Check], tol: Tolerance) -> tuple[str, bool]:
    lines = [f"{'quantity':<30} {'n':>5}  result"]
    ok = True
    for c in checks:
        if c.name in ("kappa", "regions"):
            bound = f"{tol.kappa:g} or eps32 x kappa" if c.name == "kappa" else f"{tol.regions:g}"
            result = f"max rel. error {c.worst:.2e} ({'within' if not c.mismatches else 'OVER'} {bound})"
        elif c.n == 0 and c.name in ("means", "rankings", "pruned", "arch"):
            lines.append(f"{LABELS[c.name]:<30} {c.n:>5}  not recorded in this folder")
            continue
        else:
            result = f"{c.n - len(c.mismatches)}/{c.n} match"
            if c.boundary:
                result += f" ({c.boundary} at a rounding boundary: official rounding kept)"
        lines.append(f"{LABELS[c.name]:<30} {c.n:>5}  {result}")
        ok = ok and not c.mismatches and c.n > 0
    lines.extend(mismatch_lines(checks))
    lines.append(
        "OK: every measurement within rtol; every change, ranking, pruned op and the arch match"
        if ok
        else "FAILED: nasbench does not reproduce this reference"
    )
    return "\n".join(lines), ok


@hookimpl
def nasbench_register_commands(cli: click.Group) -> None:
    from nasbench.api import command_group, data_dirs

    verify = command_group(cli, "verify", "Check nasbench against numbers made with a method's official code.")

    @verify.command("tenas")
    @click.argument("reference_dir")
    @click.option(
        "--rtol", default=Tolerance.kappa, show_default=True, help="relative tolerance for kappa (or eps32 x kappa)"
    )
    @click.option(
        "--regions-rtol", default=Tolerance.regions, show_default=True, help="relative tolerance for region counts"
    )
    @click.option("--data-dir", default=None, help="where the reference's image files are (default $NASBENCH_DATA)")
    def tenas(reference_dir: str, rtol: float, regions_rtol: float, data_dir: str | None) -> None:
        """Recompute a TE-NAS reference folder (format: docs/tenas.md)."""
        click.echo(f"reference: {reference_dir}")
        tol = Tolerance(rtol, regions_rtol)
        text, ok = report(verify_reference(reference_dir, list(data_dirs(data_dir)), tol), tol)
        click.echo(text)
        if not ok:
            raise SystemExit(1)
