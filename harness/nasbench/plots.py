"""Scatter plots of proxy score against benchmark accuracy, one PNG per proxy (matplotlib, Agg)."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any


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
        if points:
            xs, ys = zip(*points)
            ax.scatter(xs, ys, s=4, alpha=0.5, linewidths=0)
        rho = row["spearman"]
        rho_text = "n/a" if rho is None or rho != rho else f"{rho:.3f}"
        ax.set_title(
            f"{row['proxy']} on {row['space']} ({row['dataset']}), rho {rho_text}, {len(points)} finite", fontsize=8
        )
        ax.set_xlabel(f"{row['proxy']} score")
        ax.set_ylabel(f"{row['dataset']} accuracy (%)")
        fig.tight_layout()
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{row['space']}_{row['dataset']}_{row['proxy']}") + ".png"
        path = out / name
        fig.savefig(path)
        plt.close(fig)
        paths.append(path)
    return paths
