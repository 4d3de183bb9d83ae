"""The table of `nasbench correlate` studies: one row per (study, proxy).

It lives in the host, not in the correlate command's plugin, because `nasbench report` shows it
beside the trials table and the host does not import plugins. Rows are dicts of strings, the shape
``nasbench.report.render`` prints as markdown, CSV or LaTeX.
"""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path
from typing import Any

from nasbench.datasets import is_stand_in
from nasbench.errors import DataError


def _num(value: Any, fmt: str = "{:.3f}") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return fmt.format(value)


def _mib(value: Any) -> str:
    return "n/a" if value is None else f"{value / 2**20:.1f} MiB"


def images_label(summary: dict[str, Any]) -> str:
    """``set:count`` of the scoring images, marked when they stood in for the dataset's own."""
    name_count = ":".join(str(summary["images"]).split(":")[:2])
    return f"{name_count} (stand-in)" if is_stand_in(summary.get("images_note")) else name_count


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
        "archs/s": _num(summary["archs_per_second"], "{:.1f}"),
        "peak mem": _mib(summary["peak_memory_bytes"]),
        "NaN": str(summary["n_nan"]),
        "failed": str(summary["n_failed"]),
    }


def study_table(summaries: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Rows naming the study (space, benchmark, dataset, images, sample, seed, batch) and its proxy."""
    return [
        {
            "space": s["space"],
            "benchmark": s["benchmark"],
            "dataset": s["dataset"],
            "images": images_label(s),
            "sample": s["sample"],
            "seed": str(s["seed"]),
            "batch": str(s["batch_size"]),
            **proxy_columns(s),
        }
        for s in summaries
    ]


def stored_studies(path: str | Path, space: str | None = None) -> list[dict[str, Any]]:
    """Summary rows of the correlate studies in a store, read-only; [] when it has none."""
    try:
        conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise DataError(f"cannot open results store {path} ({exc})") from exc
    conn.row_factory = sqlite3.Row
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
