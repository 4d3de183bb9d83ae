"""A suite's table as a picture: each check's paper value and tolerance beside the measured seeds.

Why a dot plot and not a picture of the table: what a reader wants from a paper table re-run is
whether each measured mean lands inside the paper's band, and how far the seeds spread. One row
per check (cell / metric), the target ± tolerance as a grey band, the paper's printed value as a
black tick, the measured mean ± std as a point coloured by its status, every seed as a small dot.
One panel per metric; ranks on a log axis.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

_COLOURS = {"ok": "tab:green", "FAIL": "tab:red", "info": "tab:blue", "missing": "tab:gray"}


def _groups(outcomes: list[Any]) -> dict[str, list[Any]]:
    groups: dict[str, list[Any]] = {}
    for o in outcomes:
        groups.setdefault(o.check.metric, []).append(o)
    return groups


def suite_png(title: str, outcomes: list[Any], path: str | Path) -> Path:
    """Write the plot of ``outcomes`` (``engine.Outcome``) to ``path``; one panel per metric."""
    import matplotlib

    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    groups = _groups(outcomes)
    heights = [max(1.5, 0.35 * len(g) + 0.8) for g in groups.values()]
    fig, axes = plt.subplots(len(groups), 1, figsize=(8, sum(heights)), gridspec_kw={"height_ratios": heights})
    axes = [axes] if len(groups) == 1 else list(axes)
    for ax, (metric, group) in zip(axes, groups.items()):
        for y, o in enumerate(group):
            if o.check.target is not None:
                t, tol = float(o.check.target), float(o.check.tolerance)
                ax.fill_betweenx([y - 0.3, y + 0.3], t - tol, t + tol, color="0.88", lw=0)
            if o.check.paper is not None:
                ax.plot([o.check.paper] * 2, [y - 0.3, y + 0.3], color="black", lw=1.5)
            if o.values:
                colour = _COLOURS.get(o.status, "tab:blue")
                ax.scatter(o.values, [y] * len(o.values), s=8, color=colour, alpha=0.5, zorder=3)
                ax.errorbar(o.mean, y, xerr=o.std or 0.0, fmt="o", color=colour, capsize=3, zorder=4)
        ax.set_yticks(range(len(group)), [f"{o.cell} ({o.status}, n={len(o.values)})" for o in group], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel(metric)
        if metric.split(":")[0] in ("rank", "rank_on"):
            ax.set_xscale("log")  # ranks run from 1 to the population (15,625 on NB201)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_title(f"{title}\ngrey: paper ± tolerance, black: paper, dot: mean ± std over seeds", fontsize=9)
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
