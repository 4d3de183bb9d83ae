"""The host's read-only commands: ``plugins`` (what is loaded), ``report`` (the comparison
table, plus the sections plugins add) and ``data files`` (what every plugin reads, and where)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click

from nasbench.clikit import data_dir_option
from nasbench.errors import BadInput


def add_plugins(cli: click.Group, registry: Callable[[], Any]) -> None:
    """Add ``plugins`` to ``cli``."""

    @cli.command()
    @click.option("--json", "as_json", is_flag=True, help="machine-readable listing")
    def plugins(as_json: bool) -> None:
        """List loaded plugins and the components they register."""
        from nasbench.plugins import plugin_info

        reg = registry()
        info = {"plugins": plugin_info(reg.pm), "components": reg.describe()}
        if as_json:
            click.echo(json.dumps(info, indent=2))
            return
        for kind, rows in info["components"].items():
            click.echo(f"{kind}:")
            for row in rows:
                click.echo(f"  {row['name']:<16} {row['summary']}  [{row['plugin']}]")
        click.echo(f"plugins loaded: {len(info['plugins'])}")


def add_report(cli: click.Group, registry: Callable[[], Any]) -> None:
    """Add ``report`` to ``cli``."""

    @cli.command()
    @click.option("--store", default=None, help="results store (default results/nasbench.sqlite)")
    @click.option(
        "--format", "fmt", type=click.Choice(["markdown", "csv", "latex"]), default="markdown", show_default=True
    )
    @click.option("--space", default=None, help="only runs on this space")
    @click.option(
        "--results",
        "results",
        multiple=True,
        type=click.Path(),
        help="report committed trials (a .jsonl file or a folder of them; repeatable) instead of a store",
    )
    @click.option(
        "--write",
        "write",
        default=None,
        type=click.Path(dir_okay=False),
        help="with one --results FILE: also write the table into this page between its <!-- report:FILE --> markers",
    )
    def report(store: str | None, fmt: str, space: str | None, results: tuple[str, ...], write: str | None) -> None:
        """Comparison table of every run in the store (one row per run spec), then its proxy studies."""
        from pathlib import Path

        from nasbench.docsections import write_section
        from nasbench.report import render, summarise
        from nasbench.store import DEFAULT_STORE, Store
        from nasbench.trial_lines import store_of

        if write and len(results) != 1:
            raise BadInput("--write names the table by its results file: give exactly one --results FILE")
        if results:
            if store:
                raise BadInput("give --store or --results, not both")
            with store_of(results) as st:
                rows = st.rows("space=?", (space,)) if space else st.rows()
            table = render(summarise(rows, registry().report_columns()), fmt)
            if write:
                write_section(write, f"report:{results[0]}", table)
            click.echo(table, nl=False)
            return
        path = Path(store) if store else DEFAULT_STORE
        if not path.exists():
            raise BadInput(f"no results store at {path}: run `nasbench run` first or pass --store")
        with Store(path) as st:
            rows = st.rows("space=?", (space,)) if space else st.rows()
        reg = registry()
        click.echo(render(summarise(rows, reg.report_columns()), fmt), nl=False)
        for section in reg.pm.hook.nasbench_report_sections(store=path, space=space, fmt=fmt):
            if section:
                click.echo("\n" + section, nl=False)


def add_data(cli: click.Group, registry: Callable[[], Any]) -> None:
    """Add the ``data`` group and ``data files`` to ``cli``."""

    @cli.group()
    def data() -> None:
        """The data files nasbench and its plugins read (see docs/data.md)."""

    @data.command("files")
    @data_dir_option()
    def data_files(data_dir: str | None) -> None:
        """Every registered data file: where it goes under the data dir, and whether it is there."""
        from nasbench.data import data_dirs

        for name, entry in registry().data_files().items():
            found = next((root / entry.path for root in data_dirs(data_dir) if (root / entry.path).is_file()), None)
            where = f"found at {found}" if found else "missing"
            click.echo(f"{name:<26} {entry.path:<40} {where}")
