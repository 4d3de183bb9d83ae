"""``nasbench zc-pt-study``: the tables of docs/zc-pt.md, printed from the store.

``table2``   Algorithm 1 (progressive) runs of zc-pt on NB201: one row per seed, then mean ± std,
             per semantics (official, an ablated item, nasbench-v1), beside the paper's Table 2.
``ablation`` Table 1 protocol (independent selection on A_0): per semantics, each seed's test
             error / rank and the means, so every item's effect is read against the official row.
``darts``, ``spaces``, ``macro``  the DARTS-cell (s5, S1-S4) and Macro tables (``study_darts``).
``--write FILE`` puts each table between its ``<!-- zcpt-table2 -->`` / ``<!-- zcpt-ablation -->`` /
``<!-- zcpt-darts -->`` / ``<!-- zcpt-spaces -->`` / ``<!-- zcpt-macro -->`` markers in FILE
(nasbench.docsections), leaving the prose as written.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from pathlib import Path

import click
import numpy as np

from nasbench.api import DEFAULT_STORE, BadInput, Store, hookimpl, write_section

#: Zero-Cost-PT paper, Table 2 (zc-pt, nwot, random order, 4 seeds) and Table 1 (zc-pt nwot)
PAPER_TABLE2 = "5.97 ± 0.17"
PAPER_TABLE1 = "5.81 (rank 14)"


def semantics_label(settings: dict) -> str:
    name = settings.get("zcpt_semantics", "nasbench-v1 (before the setting existed)")
    ablate = settings.get("zcpt_ablate", "")
    return f"{name} without {ablate}" if ablate else name


def _zcpt_rows(rows: list[dict], strategy: str) -> OrderedDict[str, list[dict]]:
    groups: OrderedDict[str, list[dict]] = OrderedDict()
    for row in rows:
        if (row["scorer"], row["space"], row["strategy"], row["status"]) != ("zc-pt", "nb201", strategy, "ok"):
            continue
        s = row["settings"]
        key = semantics_label(s)
        if strategy == "progressive":
            n, v, order = s.get("proposals"), s.get("validation"), s.get("edge_order")
            key += f" (N={n}, V={v}, {order}, batch {s.get('batch_size')})"
        else:
            key += f" (batch {s.get('batch_size')})"
        groups.setdefault(key, []).append(row)
    for trials in groups.values():
        trials.sort(key=lambda r: r["seed"])
    return groups


def _mean_std(values: list[float], digits: int = 2) -> str:
    vals = [v for v in values if v is not None and not math.isnan(v)]
    if not vals:
        return "-"
    if len(vals) == 1:
        return f"{vals[0]:.{digits}f}"
    return f"{np.mean(vals):.{digits}f} ± {np.std(vals, ddof=0):.{digits}f}"  # as `nasbench report`


def _rho(value) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.2f}"


def table2(rows: list[dict]) -> str:
    head = ("semantics (protocol)", "seed", "chosen arch", "test error %", "rank", "ρ init", "ρ prog", "search min")
    lines = ["| " + " | ".join(head) + " | peak RSS MiB |", "|---" * (len(head) + 1) + "|"]
    for label, trials in _zcpt_rows(rows, "progressive").items():
        for t in trials:
            arch = t["arch"].replace("|", "\\|")
            lines.append(
                f"| {label} | {t['seed']} | {arch} | {t['test_error']:.2f} | {int(t['rank']):,} | "
                f"{_rho(t['edge_spearman_initial'])} | {_rho(t['edge_spearman_progressive'])} | "
                f"{t['search_seconds'] / 60:.1f} | {t['peak_memory_bytes'] / 2**20:.0f} |"
            )
        errors, ranks = [t["test_error"] for t in trials], [t["rank"] for t in trials]
        lines.append(
            f"| **{label}** | {len(trials)} seeds | | **{_mean_std(errors)}** | {np.mean(ranks):,.0f} | "
            f"{_mean_std([t['edge_spearman_initial'] for t in trials])} | "
            f"{_mean_std([t['edge_spearman_progressive'] for t in trials])} | "
            f"{np.mean([t['search_seconds'] for t in trials]) / 60:.1f} | |"
        )
    lines.append(f"| paper, Table 2 (zc-pt nwot, random) | 4 seeds | | {PAPER_TABLE2} | | | | | |")
    return "\n".join(lines)


def ablation(rows: list[dict]) -> str:
    groups = _zcpt_rows(rows, "independent")
    seeds = sorted({t["seed"] for trials in groups.values() for t in trials})
    head = "| semantics | " + " | ".join(f"seed {s}: error % / rank" for s in seeds)
    lines = [head + " | mean error % | mean rank | mean ρ init | search s |", "|---" * (len(seeds) + 5) + "|"]
    for label, trials in groups.items():
        by_seed = {t["seed"]: t for t in trials}
        cells = [
            f"{by_seed[s]['test_error']:.2f} / {int(by_seed[s]['rank']):,}" if s in by_seed else "-" for s in seeds
        ]
        rho = _mean_std([t["edge_spearman_initial"] for t in trials])
        lines.append(
            f"| {label} | " + " | ".join(cells) + f" | {_mean_std([t['test_error'] for t in trials])} | "
            f"{np.mean([t['rank'] for t in trials]):,.0f} | {rho} | "
            f"{np.mean([t['search_seconds'] for t in trials]):.0f} |"
        )
    lines.append("| paper, Table 1 (zc-pt nwot) | " + " | ".join("" for _ in seeds) + f" | {PAPER_TABLE1} | | | |")
    return "\n".join(lines)


def _tables(rows: list[dict]) -> dict[str, str]:
    """Every table the rows have runs for (a store without NB201 runs leaves NB201's tables alone)."""
    from nasbench.api import registry_of
    from nasbench_plugins.zero_cost_pt import study_darts

    spaces = {r["space"] for r in rows if r["scorer"] == "zc-pt"}
    tables = {"zcpt-table2": table2(rows), "zcpt-ablation": ablation(rows)} if "nb201" in spaces else {}
    registry = registry_of()
    if "s5" in spaces:
        tables["zcpt-darts"] = study_darts.darts_table(rows, registry)
    if spaces & {"s1", "s2", "s3", "s4"}:
        tables["zcpt-spaces"] = study_darts.spaces_table(rows, registry)
    if "macro" in spaces:
        tables["zcpt-macro"] = study_darts.macro_table(rows, registry)
    return tables


@hookimpl
def nasbench_register_commands(cli: click.Group) -> None:
    @cli.command("zc-pt-study")
    @click.option(
        "--store", "stores", multiple=True, default=(str(DEFAULT_STORE),), show_default=True, help="results store(s)"
    )
    @click.option("--write", "write_to", default=None, help="write the tables between their markers in this file")
    def zc_pt_study(stores: tuple[str, ...], write_to: str | None) -> None:
        """Zero-Cost-PT from the store: NB201's Table 2 and ablation, and the DARTS-cell and Macro tables."""
        rows = []
        for store in stores:
            if not Path(store).is_file():
                raise BadInput(f"no results store at {store}: run the main job first or pass --store")
            with Store(store) as st:
                rows.extend(st.rows())
        for name, text in _tables(rows).items():
            click.echo(text + "\n")
            if write_to:
                write_section(write_to, name, text)
