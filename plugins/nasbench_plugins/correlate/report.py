"""The tables of `nasbench correlate` studies: one row per (study, proxy), or one per proxy.

It lives in the host, not in the correlate command's plugin, because `nasbench report` shows it
beside the trials table and the host does not import plugins. Rows are dicts of strings, the shape
``nasbench.report.render`` prints as markdown, CSV or LaTeX.
"""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path
from typing import Any

from nasbench.api import BadInput, DataError, read_store
from nasbench_plugins.correlate.datasets import is_stand_in
from nasbench_plugins.correlate.scorecache import precision_of


def _num(value: Any, fmt: str = "{:.3f}") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return fmt.format(value)


def _rate(value: Any) -> str:
    """archs/s with one decimal, or two significant digits below 1: the NTK proxies score about
    0.02 archs/s on one CPU core, which one decimal would print as 0.0."""
    return _num(value, "{:.2g}" if value is not None and abs(value) < 1 else "{:.1f}")


def _mib(value: Any) -> str:
    return "n/a" if value is None else f"{value / 2**20:.1f} MiB"


def stood_in(summary: dict[str, Any]) -> bool:
    """Whether a study's images stood in for the dataset's own (older rows: told by their note)."""
    flag = summary.get("images_stand_in")
    return bool(flag) if flag is not None else is_stand_in(summary.get("images_note"))


def images_label(summary: dict[str, Any]) -> str:
    """``set:count`` of the scoring images, marked when they stood in for the dataset's own."""
    name_count = ":".join(str(summary["images"]).split(":")[:2])
    return f"{name_count} (stand-in)" if stood_in(summary) else name_count


def proxy_columns(summary: dict[str, Any]) -> dict[str, str]:
    """The per-proxy cells of one summary row (what `nasbench correlate` prints)."""
    return {
        "proxy": summary["proxy"],
        "n": str(summary["n"]),
        "Spearman": _num(summary["spearman"]),
        "Kendall": _num(summary["kendall"]),
        "top-10": _num(summary["top10"], "{:.2f}"),
        "top-50": _num(summary["top50"], "{:.2f}"),
        "top-100": _num(summary["top100"], "{:.2f}"),
        "archs/s": _rate(summary["archs_per_second"]),
        "peak mem": _mib(summary["peak_memory_bytes"]),
        "NaN": str(summary["n_nan"]),
        "failed": str(summary["n_failed"]),
    }


def study_precision(summary: dict[str, Any]) -> str:
    """fp32 or bf16: the numerics the study's networks ran in (kept in its proxy version)."""
    return precision_of(summary.get("proxy_version"))


def study_table(summaries: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Rows naming the study (space, benchmark, dataset, images, sample, seed, batch) and its proxy;
    a ``precision`` column too when any study did not run in fp32."""
    show_precision = any(study_precision(s) != "fp32" for s in summaries)
    rows = []
    for s in summaries:
        row = {
            "space": s["space"],
            "benchmark": s["benchmark"],
            "dataset": s["dataset"],
            "images": images_label(s),
            "sample": s["sample"],
            "seed": str(s["seed"]),
            "batch": str(s["batch_size"]),
        }
        if show_precision:
            row["precision"] = study_precision(s)
        rows.append({**row, **proxy_columns(s)})
    return rows


def stored_studies(path: str | Path, space: str | None = None) -> list[dict[str, Any]]:
    """Summary rows of the correlate studies in a store, read-only; [] when it has none."""
    conn = read_store(path)
    try:
        found = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='proxy_correlations'")
        if found.fetchone() is None:
            return []
        sql = "SELECT * FROM proxy_correlations" + (" WHERE space=?" if space else "")
        sql += " ORDER BY space, benchmark, dataset, sample, seed, spearman DESC"
        return [dict(r) for r in conn.execute(sql, (space,) if space else ())]
    except sqlite3.DatabaseError as exc:
        raise DataError(f"{path} is not a nasbench results store ({exc})") from exc
    finally:
        conn.close()


def _precision_note(summary: dict[str, Any]) -> str:
    precision = study_precision(summary)
    return "" if precision == "fp32" else f", {precision}"


#: marks a rho/tau cell whose images stood in for the dataset's own (see ``images_label``)
STAND_IN_MARK = "°"


def check_one_study_each(summaries: list[dict[str, Any]]) -> None:
    """Raise unless the rows hold one study per (proxy, dataset), on one space and benchmark.

    A per-proxy table has one cell per dataset; two studies of the same proxy and dataset (another
    sample, seed, batch size or precision) would compete for it, so the caller must narrow them
    down first.
    """
    spaces = sorted({(s["space"], s["benchmark"]) for s in summaries})
    if len(spaces) > 1:
        names = ", ".join(f"{sp} ({b})" for sp, b in spaces)
        raise BadInput(f"the store holds studies of several spaces: {names}; pick one with --space")
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for s in summaries:
        other = seen.setdefault((s["proxy"], s["dataset"]), s)
        if other is not s:
            a, b = (
                f"sample {r['sample']} seed {r['seed']} batch {r['batch_size']} {study_precision(r)}"
                for r in (other, s)
            )
            raise BadInput(
                f"the store holds two studies of {s['proxy']} on {s['dataset']} ({a}; {b}); "
                "pick one with --sample, --seed, --batch-size and --precision"
            )


def by_proxy_table(
    summaries: list[dict[str, Any]], definitions: dict[str, str], dataset_order: list[str]
) -> tuple[list[dict[str, str]], list[str]]:
    """One row per proxy: definition, cost, and Spearman / Kendall per dataset; plus legend lines.

    Cost (archs/s, peak memory, n) is read from the proxy's study on the first dataset of
    ``dataset_order`` it has, which the legend names. A cell marked ``STAND_IN_MARK`` was scored
    on images that stood in for the dataset's own.
    """
    check_one_study_each(summaries)
    rows = summaries
    order = {d: i for i, d in enumerate(dataset_order)}
    datasets = sorted({r["dataset"] for r in rows}, key=lambda d: (order.get(d, len(order)), d))
    by_proxy: dict[str, dict[str, dict[str, Any]]] = {}
    for r in rows:
        by_proxy.setdefault(r["proxy"], {})[r["dataset"]] = r
    first = datasets[0] if datasets else ""

    def spearman_of(proxy: str) -> float:
        for d in datasets:
            value = by_proxy[proxy].get(d, {}).get("spearman")
            if value is not None and not math.isnan(value):
                return float(value)
        return -math.inf

    table = []
    for proxy in sorted(by_proxy, key=lambda p: (-spearman_of(p), p)):
        cells = by_proxy[proxy]
        cost = next(cells[d] for d in datasets if d in cells)
        row = {
            "proxy": proxy,
            "definition": definitions.get(proxy, "(not registered here)"),
            "n": str(cost["n"]),
            "archs/s": _rate(cost["archs_per_second"]),
            "peak mem": _mib(cost["peak_memory_bytes"]),
        }
        for d in datasets:
            s = cells.get(d)
            mark = STAND_IN_MARK if s is not None and stood_in(s) else ""
            row[f"ρ {d}"] = "-" if s is None else _num(s["spearman"]) + mark
            row[f"τ {d}"] = "-" if s is None else _num(s["kendall"]) + mark
        table.append(row)
    legend = []
    if rows:
        r = rows[0]
        legend.append(
            f"{r['space']} archs scored against {r['benchmark']} accuracy; sample {r['sample']}, seed {r['seed']}, "
            f"batch {r['batch_size']}{_precision_note(r)}; ρ = Spearman, τ = Kendall; n, archs/s and peak mem "
            f"from the {first} study (or the first dataset the proxy has)."
        )
        for d in datasets:
            labels = sorted({images_label(s) for s in rows if s["dataset"] == d})
            legend.append(f"{d}: images {', '.join(labels)}")
        if any(stood_in(s) for s in rows):
            legend.append(
                f"{STAND_IN_MARK} scored on stand-in images: the dataset's own were not in the data directory."
            )
    return table, legend
