"""One verified quantity of ``nasbench verify zc-pt``: how many values, the worst relative error,
which exact matches failed; and the printed table (labels shared by every reference format)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


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


LABELS = {
    "scores": "proposal scores S(A-(e,o))",
    "ops": "kept ops (nanargmin)",
    "edge scores": "topology scores S(A-e)",
    "edges": "kept edges (topology)",
    "weights": "op weights",
    "archs": "proposed archs",
    "validation scores": "validation scores",
    "validation totals": "validation totals",
    "validation choice": "validation choice (nanargmax)",
}
EXACT = ("ops", "edges", "weights", "archs", "validation choice")


def report(checks: list[Check], rtol: float) -> tuple[str, bool]:
    lines = [f"{'quantity':<32} {'n':>4}  result"]
    ok = True
    for c in checks:
        if c.name in EXACT:
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
