"""``nasbench report-proxies``: every ``nasbench correlate`` study in a store, as a table.

A row per proxy and study, or per proxy (``--by-proxy``: definition, cost, Spearman/Kendall per
dataset); printed, or written between the markers of a document (``--write``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from nasbench.api import PRECISIONS, registry_of
from nasbench_plugins.correlate.correlate_command import with_options

#: the options of ``nasbench report-proxies``, top to bottom as ``--help`` lists them
REPORT_OPTIONS = (
    click.option("--store", default=None, help="results store (default results/nasbench.sqlite)"),
    click.option("--space", default=None, help="only studies on this space"),
    click.option("--sample", default=None, help="only studies of this sample, e.g. random:1000 or all"),
    click.option("--seed", type=int, default=None, help="only studies with this seed"),
    click.option("--batch-size", type=int, default=None, help="only studies with this batch size"),
    click.option("--precision", type=click.Choice(PRECISIONS), default=None, help="only studies run in this precision"),
    click.option("--by-proxy", is_flag=True, help="one row per proxy: definition, cost, Spearman/Kendall per dataset"),
    click.option(
        "--write",
        "write_to",
        default=None,
        help="write the table into this file between its <!-- report-proxies[-by-proxy] --> markers",
    ),
    click.option(
        "--format",
        "fmt",
        type=click.Choice(["markdown", "csv", "latex", "json"]),
        default="markdown",
        show_default=True,
    ),
)


def add_report_proxies(cli: click.Group) -> None:
    """Add ``report-proxies`` to ``cli`` (a fresh command per CLI: click options attach to the function)."""

    def report_proxies(store: str | None, fmt: str, by_proxy: bool, write_to: str | None, **only: Any) -> None:
        """Table of the `nasbench correlate` studies in the store: a row per proxy and study (or per proxy)."""
        print_report(store, fmt, by_proxy, write_to, only)

    cli.command("report-proxies")(with_options(REPORT_OPTIONS, report_proxies))


def print_report(store: str | None, fmt: str, by_proxy: bool, write_to: str | None, only: dict[str, Any]) -> None:
    """Print (or ``--write``) the studies of ``store`` that pass the ``only`` filters."""
    from nasbench.api import DEFAULT_STORE, BadInput, render, write_section
    from nasbench_plugins.correlate.report import by_proxy_table, stored_studies, study_table

    path = Path(store) if store else DEFAULT_STORE
    if not path.exists():
        raise BadInput(f"no results store at {path}: run `nasbench correlate` first or pass --store")
    rows = [r for r in stored_studies(path, only["space"]) if _matches(r, only)]
    if fmt == "json" and not by_proxy:
        for row in rows:
            click.echo(json.dumps(row))
        return
    if not rows:
        click.echo("no correlate studies in the store yet: run `nasbench correlate --space nb201` first")
        return
    legend: list[str] = []
    if by_proxy:
        table, legend = by_proxy_table(rows, _definitions(), _dataset_order(rows))
    else:
        table = study_table(rows)
    if fmt == "json":
        for row in table:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    text = render(table, fmt)
    if legend and fmt == "markdown":
        text += "\n" + "".join(f"- {line}\n" for line in legend)
    if write_to:
        write_section(write_to, "report-proxies-by-proxy" if by_proxy else "report-proxies", text)
        click.echo(f"wrote {len(table)} rows into {write_to}")
        return
    click.echo(text, nl=False)


def _matches(row: dict[str, Any], only: dict[str, Any]) -> bool:
    """Whether a stored study row passes the --sample / --seed / --batch-size / --precision filters."""
    from nasbench_plugins.correlate.report import study_precision

    wanted = {"sample": only["sample"], "seed": only["seed"], "batch_size": only["batch_size"]}
    if only.get("precision") not in (None, study_precision(row)):
        return False
    return all(v is None or row[k] == v for k, v in wanted.items())


def _definitions() -> dict[str, str]:
    """Proxy name -> the first line of its docstring, for every proxy loaded here."""
    return {row["name"]: row["summary"] for row in registry_of().describe()["proxy"]}


def _dataset_order(rows: list[dict[str, Any]]) -> list[str]:
    """The datasets in the order their benchmark lists them (when it is loaded here)."""
    from nasbench.api import UnknownName

    try:
        return list(registry_of().get("benchmark", rows[0]["benchmark"]).datasets)
    except UnknownName:
        return []
