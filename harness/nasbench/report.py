"""Comparison tables (markdown / csv / latex) built from the store: one row per run spec."""

from __future__ import annotations

import csv
import io
import json
import math
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

FORMATS = ("markdown", "csv", "latex")


def _finite(values: list[Any]) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(float(v))]


def _mean_std(values: list[Any], digits: int = 2) -> str:
    vals = _finite(values)
    if not vals:
        return "-"
    if len(vals) == 1:
        return f"{vals[0]:.{digits}f}"
    return f"{np.mean(vals):.{digits}f} ± {np.std(vals, ddof=0):.{digits}f}"


def _mean(values: list[Any], digits: int = 2) -> str:
    vals = _finite(values)
    return f"{np.mean(vals):.{digits}f}" if vals else "-"


def _mib(values: list[Any]) -> str:
    vals = _finite(values)
    return f"{max(vals) / 2**20:.0f}" if vals else "-"


@dataclass(frozen=True)
class ReportColumn:
    """What a plugin adds to ``nasbench report`` (``nasbench_register_report_columns``).

    With ``metric``: a column ``name`` holding the mean over a run's ok trials of that value,
    read from the row's stored metric of that name or, failing that, from the trial's
    ``SearchOutcome.info`` (``extra.info``); placed after "mean rank", in registration order.
    With ``setting``: that setting is always printed in the settings cell when a run has it
    (any other setting is printed only when it tells two rows apart).
    """

    name: str
    metric: str | None = None
    setting: str | None = None
    digits: int = 2


def _metric(row: dict[str, Any], key: str) -> Any:
    if key in row:
        return row[key]
    return ((row.get("extra") or {}).get("info") or {}).get(key)


def varying_settings(rows: list[dict[str, Any]], shown: tuple[str, ...] = ()) -> list[str]:
    """Setting names whose value differs between runs of the same components (space, scorer, ...):
    without them, two such runs would print as identical rows."""
    groups: dict[tuple, dict[str, dict[str, Any]]] = {}
    for row in rows:
        who = tuple(row[k] for k in ("space", "benchmark", "dataset", "scorer", "proxy", "strategy"))
        groups.setdefault(who, {})[row["run_key"]] = row["settings"]
    names: set[str] = set()
    for runs in groups.values():
        keys = set().union(*(settings.keys() for settings in runs.values()))
        for key in keys:
            values = {json.dumps(s.get(key, "<absent>"), sort_keys=True, default=str) for s in runs.values()}
            if len(values) > 1:
                names.add(key)
    return sorted(names - set(shown))


def _settings_label(settings: dict[str, Any], keys: list[str]) -> str:
    return " ".join(f"{k}={settings[k]}" for k in keys if k in settings)


def summarise(rows: list[dict[str, Any]], columns: list[ReportColumn] = ()) -> list[dict[str, str]]:
    """Group trial rows by run spec and aggregate them into table rows; ``columns`` are the
    plugins' report columns (``Registry.report_columns()``)."""
    groups: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
    for row in rows:
        groups.setdefault(row["run_key"], []).append(row)
    shown = tuple(dict.fromkeys(c.setting for c in columns if c.setting))
    keys = [*shown, *varying_settings(rows, (*shown, "precision"))]  # precision has its own column
    metrics = [c for c in columns if c.metric]
    table = []
    for trials in groups.values():
        first = trials[0]
        ok = [t for t in trials if t["status"] == "ok"]
        added = {c.name: _mean([_metric(t, c.metric) for t in ok], c.digits) for c in metrics}
        table.append(
            {
                "space": first["space"],
                "benchmark": first["benchmark"],
                "dataset": first["dataset"],
                "scorer": first["scorer"],
                "proxy": first["proxy"] or "-",
                "strategy": first["strategy"],
                "settings": _settings_label(first["settings"], keys) or "-",
                "device": first["device_type"],
                # runs stored before precision was a setting ran in fp32
                "precision": (first["settings"] or {}).get("precision", "fp32"),
                "test error %": _mean_std([t["test_error"] for t in ok]),
                "mean rank": _mean([t["rank"] for t in ok], 0),
                **added,
                "search s": _mean([t["search_seconds"] for t in ok], 1),
                "peak MiB": _mib([t["peak_memory_bytes"] for t in ok]),
                "trials": f"{len(ok)}/{len(trials)}",
            }
        )
    return table


#: characters of table cells that LaTeX needs spelled otherwise
LATEX_ESCAPES = {"_": r"\_", "%": r"\%", "±": r"$\pm$", "ρ": r"$\rho$", "τ": r"$\tau$", "°": r"$^\circ$"}


def _latex(text: object) -> str:
    return "".join(LATEX_ESCAPES.get(c, c) for c in str(text))


def render(table: list[dict[str, str]], fmt: str = "markdown") -> str:
    if not table:
        return "no trials in the store yet: run `nasbench run --scorer zc-pt --space nb201` first\n"
    headers = list(table[0])
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=headers, lineterminator="\n")
        writer.writeheader()
        writer.writerows(table)
        return buf.getvalue()
    if fmt == "latex":
        lines = [r"\begin{tabular}{" + "l" * len(headers) + "}", r"\toprule"]
        lines.append(" & ".join(_latex(h) for h in headers) + r" \\")
        lines.append(r"\midrule")
        lines += [" & ".join(_latex(row[h]) for h in headers) + r" \\" for row in table]
        lines += [r"\bottomrule", r"\end{tabular}"]
        return "\n".join(lines) + "\n"
    cells = [headers] + [[str(row[h]).replace("|", "\\|") for h in headers] for row in table]  # a | ends a cell
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    out = [line(cells[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in cells[1:]]
    return "\n".join(out) + "\n"
