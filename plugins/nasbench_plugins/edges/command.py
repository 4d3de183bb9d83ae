"""``nasbench edges``: per-edge Spearman rho of each scoring policy vs the oracles (Zero-Cost-PT Fig. 1-2).

For every run in the store, every recorded edge decision (``extra.edge_records``: *initial* =
all edges scored on A_0, *progressive* = each decision taken) gives one Spearman rho between
the policy's op scores and the ``best-acc`` / ``avg-acc`` oracle scores. Rho is averaged over
the edges of a trial, then over seeds (mean ± std across seeds). Output: a table and, with
``--png``, a bar plot (matplotlib Agg) with four bars per policy.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import click
import numpy as np

from nasbench.api import BadInput, EdgeScores, edge_spearman, hookimpl, varying_settings

SERIES = (("initial", "best-acc"), ("initial", "avg-acc"), ("progressive", "best-acc"), ("progressive", "avg-acc"))


def _label(row: dict[str, Any], settings: list[str], with_space: bool) -> str:
    """``scorer(proxy)/strategy``, plus the space when several are shown and every setting that
    tells two runs of the same components apart (DARTS-PT vs its fix-alpha run): such runs are
    separate policies, never pooled."""
    proxy = f"({row['proxy']})" if row["proxy"] else ""
    label = f"{row['scorer']}{proxy}/{row['strategy']}"
    extra = " ".join(f"{k}={row['settings'][k]}" for k in settings if k in row["settings"])
    return " ".join(part for part in (f"{row['space']}:" if with_space else "", label, extra) if part)


def edge_table(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per policy label: mean and std over seeds of the per-trial edge-averaged rho."""
    per: dict[str, dict[tuple[str, str], list[float]]] = {}
    settings = varying_settings(rows)
    with_space = len({row["space"] for row in rows}) > 1
    for row in rows:
        if row["status"] != "ok":
            continue
        records = row["extra"].get("edge_records", {})
        series = per.setdefault(_label(row, settings, with_space), {s: [] for s in SERIES})
        for stage, oracle in SERIES:
            recs = [EdgeScores(**r) for r in records.get(stage, [])]
            rho = edge_spearman(recs, oracle)
            if math.isfinite(rho):
                series[(stage, oracle)].append(rho)
    table = []
    for label, series in per.items():
        entry: dict[str, Any] = {"policy": label}
        for key, values in series.items():
            entry[key] = (float(np.mean(values)), float(np.std(values)), len(values)) if values else None
        table.append(entry)
    return table


def render(table: list[dict[str, Any]]) -> str:
    head = "| policy | " + " | ".join(f"ρ {s} vs {o}" for s, o in SERIES) + " |"
    lines = [head, "|---" * (len(SERIES) + 1) + "|"]
    for entry in table:
        cells = []
        for key in SERIES:
            v = entry[key]
            cells.append("-" if v is None else f"{v[0]:.2f} ± {v[1]:.2f} (n={v[2]})")
        lines.append(f"| {entry['policy']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot(table: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(max(6, 1.4 * len(table)), 4))
    width = 0.8 / len(SERIES)
    x = np.arange(len(table))
    for i, key in enumerate(SERIES):
        means = [e[key][0] if e[key] else np.nan for e in table]
        stds = [e[key][1] if e[key] else 0.0 for e in table]
        ax.bar(x + (i - 1.5) * width, means, width, yerr=stds, label=f"{key[0]} vs {key[1]}", capsize=2)
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_xticks(x, [e["policy"] for e in table], rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("Spearman ρ (mean over edges, seeds)")
    ax.set_ylim(-1, 1)
    ax.legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


@hookimpl
def nasbench_register_commands(cli: click.Group) -> None:
    @cli.command()
    @click.option("--store", default=None, help="results store (default results/nasbench.sqlite)")
    @click.option("--space", default=None, help="only runs on this space")
    @click.option("--png", default=None, type=click.Path(dir_okay=False), help="write the bar plot here")
    def edges(store: str | None, space: str | None, png: str | None) -> None:
        """Per-edge Spearman rho of every policy vs best-acc / avg-acc, initial and progressive."""
        from nasbench.api import DEFAULT_STORE, Store

        path = Path(store) if store else DEFAULT_STORE
        if not path.exists():
            raise BadInput(f"no results store at {path}: run `nasbench run` first or pass --store")
        with Store(path) as st:
            rows = st.rows("space=?", (space,)) if space else st.rows()
        table = edge_table(rows)
        if not table:
            raise BadInput(f"no successful trials in {path}")
        click.echo(render(table), nl=False)
        if png:
            plot(table, Path(png))
            click.echo(f"plot written to {png}")
