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


def fig3_png(result: dict[str, Any], path: Path) -> None:
    """Heatmaps edge x op: benchmark average and best accuracy, and each variant's -Delta V."""
    import numpy as np

    plt = _plt()
    truth = result["benchmark"]
    edges = list(truth["avg-acc"])
    ops = list(truth["avg-acc"][edges[0]])
    panels = [("NB301 avg-acc", truth["avg-acc"]), ("NB301 best-acc", truth["best-acc"])]
    panels += [(f"-dV {v}", {e: {o: -d[e][o] for o in ops} for e in edges}) for v, d in
               ((v, r["delta_v"]) for v, r in result["variants"].items())]  # fmt: skip
    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3.6), squeeze=False)
    for ax, (title, values) in zip(axes[0], panels):
        m = np.array([[values[e][o] for o in ops] for e in edges])
        ax.imshow(m, aspect="auto", cmap="viridis")
        ranks = np.argsort(np.argsort(-m, axis=1), axis=1) + 1
        for i in range(len(edges)):
            for j in range(len(ops)):
                ax.text(j, i, str(ranks[i, j]), ha="center", va="center", color="w", fontsize=7)
        ax.set_title(title, fontsize=9)
        ax.set_xticks(range(len(ops)), [o.replace("_", "\n", 1) for o in ops], fontsize=6)
        ax.set_yticks(range(len(edges)), edges, fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def fig6a_png(lines: list[dict], all_acc, path: Path) -> None:
    """Histogram of all O1 accuracies with the chosen archs marked."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.hist(all_acc, bins=100, color="0.7")
    for i, line in enumerate(lines):
        ax.axvline(
            line["accuracy"], color=f"C{i % 10}", label=f"{line['method']} s{line['seed']} (rank {line['rank']})"
        )
    ax.set_xlabel("NB301 stand-in accuracy (%), all 65,536 O1 archs")
    ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def fig6b_png(lines: list[dict], acc, depths, path: Path) -> None:
    """The 180 O2 topologies: accuracy vs cell depth, chosen ones marked."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.scatter(depths, acc, s=10, color="0.6")
    for i, line in enumerate(lines):
        ax.scatter([line["depth"]], [line["accuracy"]], s=60, marker="*", color=f"C{i % 10}",
                   label=f"{line['method']} s{line['seed']} (rank {line['rank']})")  # fmt: skip
    ax.set_xlabel("cell depth")
    ax.set_ylabel("NB301 stand-in accuracy (%)")
    ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
