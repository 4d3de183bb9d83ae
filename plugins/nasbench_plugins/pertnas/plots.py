"""PNGs of the PertNAS studies (matplotlib, Agg)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def fig5_png(result: dict[str, Any], path: Path) -> None:
    """Bars: stage-1 peak memory per |O| for both variants; line: random-model NB301 accuracy."""
    plt = _plt()
    rows = result["memory"]
    sizes = sorted({r["ops"] for r in rows})
    fig, ax = plt.subplots(figsize=(6, 3.5))
    width = 0.38
    for i, variant in enumerate(("supernet", "evolutionary")):
        mib = [
            next(r for r in rows if r["ops"] == n and r["variant"] == variant)["median_bytes"] / 2**20 for n in sizes
        ]
        ax.bar([n + (i - 0.5) * width for n in sizes], mib, width, label=variant)
    ax.set_xlabel("|O|")
    ax.set_ylabel(f"peak memory, MiB ({rows[0]['memory_device']})")
    ax.legend(loc="upper left")
    if result.get("accuracy"):
        ax2 = ax.twinx()
        ax2.plot([a["ops"] for a in result["accuracy"]], [a["mean"] for a in result["accuracy"]], "k.-")
        ax2.set_ylabel("mean NB301 acc. of random models (%)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
