"""Scatter plots of proxy score against benchmark accuracy, one PNG per proxy (matplotlib, Agg)."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

#: a score range wider than this factor is drawn on a logarithmic axis
WIDE_RANGE = 1e3


def score_axis_scale(xs: list[float]) -> tuple[str, dict[str, float]]:
    """(matplotlib scale name, its keyword arguments) that shows every score.

    Proxy scores can span tens of orders of magnitude (synflow up to 1e43 on NB201, TE-NAS' -kappa
    alike): on a linear axis all but the largest pile up at zero. Positive scores over a wide range
    get a log axis (zero scores cannot be drawn there and are counted in the title instead); wide
    ranges with negative scores a symmetric log axis whose linear part ends at the smallest nonzero
    magnitude.
    """
    if not xs:
        return "linear", {}
    magnitudes = [abs(x) for x in xs if x != 0]
    if not magnitudes or max(magnitudes) / min(magnitudes) <= WIDE_RANGE:
        return "linear", {}
    if min(xs) >= 0:
        return "log", {}  # zeros (e.g. synflow of a network without an input-output path) are not drawn
    return "symlog", {"linthresh": min(magnitudes)}


def scatter_plots(per_arch: list[dict[str, Any]], summaries: list[dict[str, Any]], out_dir: str | Path) -> list[Path]:
    """Write ``<space>_<dataset>_<proxy>.png`` under ``out_dir`` for each summary row; return the paths."""
    import matplotlib

    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for row in summaries:
        points = [
            (float(r["score"]), r["accuracy"])
            for r in per_arch
            if r["proxy"] == row["proxy"] and isinstance(r["score"], (int, float)) and math.isfinite(r["score"])
        ]
        fig, ax = plt.subplots(figsize=(4.5, 3.5), dpi=120)
        scale, scale_args = score_axis_scale([x for x, _ in points])
        hidden = sum(1 for x, _ in points if x <= 0) if scale == "log" else 0
        drawn = [(x, y) for x, y in points if scale != "log" or x > 0]
        if drawn:
            xs, ys = zip(*drawn)
            ax.scatter(xs, ys, s=4, alpha=0.5, linewidths=0)
            ax.set_xscale(scale, **scale_args)
        rho = row["spearman"]
        rho_text = "n/a" if rho is None or rho != rho else f"{rho:.3f}"
        ax.set_title(
            f"{row['proxy']} on {row['space']} ({row['dataset']}), rho {rho_text}, {len(points)} finite"
            + (f", {hidden} at 0 not drawn" if hidden else ""),
            fontsize=8,
        )
        ax.set_xlabel(f"{row['proxy']} score" + ("" if scale == "linear" else f" ({scale} scale)"))
        ax.set_ylabel(f"{row['dataset']} accuracy (%)")
        fig.tight_layout()
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{row['space']}_{row['dataset']}_{row['proxy']}") + ".png"
        path = out / name
        fig.savefig(path)
        plt.close(fig)
        paths.append(path)
    return paths
