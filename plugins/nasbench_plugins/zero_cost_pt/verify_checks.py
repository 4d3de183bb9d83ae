"""The printed table of ``nasbench verify zc-pt`` (labels shared by every reference format); its
quantities are ``nasbench.api.Check``s."""

from __future__ import annotations

from nasbench.api import Check, mismatch_lines

LABELS = {
    "scores": "proposal scores S(A-(e,o))",
    "ops": "kept ops (nanargmin)",
    "edge scores": "topology scores S(A-e)",
    "edges": "kept edges (topology)",
    "weights": "op weights",
    "archs": "proposed archs",
    "kappas": "NTK condition numbers",
    "regions": "linear-region counts",
    "decided": "decided edges (first remaining)",
    "validation scores": "validation scores",
    "validation totals": "validation totals",
    "validation choice": "validation choice (nanargmax)",
}
EXACT = ("ops", "edges", "decided", "weights", "archs", "validation choice")


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
    lines.extend(mismatch_lines(checks))
    lines.append(
        "OK: every score within rtol, every kept op, arch and choice matches"
        if ok
        else "FAILED: nasbench does not reproduce this reference"
    )
    return "\n".join(lines), ok
