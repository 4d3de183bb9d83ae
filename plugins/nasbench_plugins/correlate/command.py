"""``nasbench correlate`` (proxy score vs benchmark accuracy) and ``nasbench report-proxies``.

Thin click layer over ``nasbench_plugins.correlate.engine``: parse options, pick the executor, print the table
or JSON. Scores land in the score cache of the store (``--store``) as they arrive, so a re-run
is a look-up and ``report-proxies`` can print every study done so far.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from nasbench.api import hookimpl, registry_of


def _registry() -> Any:
    return registry_of()


@hookimpl
def nasbench_register_commands(cli: click.Group) -> None:
    @cli.command()
    @click.option("--space", default="nb201", show_default=True, help="search space")
    @click.option("--proxy", "proxies", default="nwot", show_default=True, help="comma list of proxies, or `all`")
    @click.option("--dataset", default="cifar10", show_default=True, help="benchmark dataset the accuracy is read on")
    @click.option("--benchmark", default=None, help="benchmark (default: the one covering --space)")
    @click.option("--sample", default="1000", show_default=True, help="number of random archs, or `all`")
    @click.option("--archs", "archs_file", default=None, help="file of arch strings, one a line (instead of --sample)")
    @click.option("--seed", type=int, default=0, show_default=True, help="seed of the sample, init and minibatch")
    @click.option("--batch-size", type=int, default=64, show_default=True, help="minibatch size the proxies see")
    @click.option("--workers", type=int, default=1, show_default=True, help="parallel workers (one core each)")
    @click.option(
        "--executor",
        type=click.Choice(["serial", "process", "ray"]),
        default=None,
        help="default: serial for 1 worker, process pool for more, ray when --address is given",
    )
    @click.option("--address", default=None, help="Ray cluster address (with --executor ray)")
    @click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda, cuda:N")
    @click.option("--store", default=None, help="results store (default results/nasbench.sqlite)")
    @click.option("--data-dir", default=None, envvar="NASBENCH_DATA", help="data directory (or NASBENCH_DATA)")
    @click.option("--plot", "plot_dir", default=None, help="write a score-vs-accuracy PNG per proxy into this dir")
    @click.option(
        "--recompute", is_flag=True, help="ignore stored scores and overwrite them (after a proxy's code changed)"
    )
    @click.option("--per-arch", is_flag=True, help="also print one JSON line per arch and proxy")
    @click.option("--json", "as_json", is_flag=True, help="one JSON summary line per proxy, no progress bar")
    def correlate(**opts: Any) -> None:
        """Rank correlation of proxy scores with benchmark accuracy (scores cached in the store)."""
        from nasbench.api import DEFAULT_STORE, make_executor, render
        from nasbench_plugins.correlate import engine as engine
        from nasbench_plugins.correlate.report import proxy_columns
        from nasbench_plugins.correlate.scorecache import ScoreCache

        registry = _registry()
        study = engine.plan(
            registry,
            space=opts["space"],
            proxies=opts["proxies"],
            dataset=opts["dataset"],
            sample=opts["sample"],
            seed=opts["seed"],
            archs_file=opts["archs_file"],
            benchmark=opts["benchmark"],
            batch_size=opts["batch_size"],
            device=opts["device"],
            data_dir=opts["data_dir"],
        )
        executor = make_executor(opts["executor"], opts["workers"], opts["address"])
        quiet = opts["as_json"]
        if not quiet:
            click.echo(
                f"correlate {len(study.archs):,} archs of {study.space.name} ({study.sample}) with "
                f"{study.benchmark_name} {study.dataset} accuracy: proxies {', '.join(study.proxies)}; seed "
                f"{study.seed}, batch {study.batch_size}, device {study.device}, {executor.name} x{executor.workers}"
            )
            click.echo(("NOTE: " if study.images.fallback else "images: ") + study.images.note)
        from tqdm import tqdm

        store = opts["store"] or DEFAULT_STORE
        cache = ScoreCache(store)  # a bad store fails here, before the progress bar draws
        bar = tqdm(total=len(study.archs), desc="correlate", unit="arch", file=sys.stderr, disable=quiet, leave=False)

        def progress(step: int, _total: int) -> None:
            bar.update(step)

        try:
            with cache:
                result = engine.run_study(study, cache, executor, progress, recompute=opts["recompute"])
        except KeyboardInterrupt:
            bar.close()
            click.echo(f"interrupted: the scores finished so far are in {store}; the same command resumes", err=True)
            sys.exit(130)
        bar.close()
        if opts["per_arch"]:
            for row in result.per_arch:
                click.echo(json.dumps(row))
        if quiet:
            for row in result.summaries:
                out = engine.json_summary(row)
                out.update(computed=result.computed, reused=result.reused, wall_seconds=result.wall_seconds)
                click.echo(json.dumps(out))
        else:
            rate = (
                f", {result.computed / result.wall_seconds:.2f} archs/s wall"
                if result.wall_seconds > 0 and result.computed
                else ""
            )
            click.echo(
                f"computed {result.computed:,} arch(s) in {result.wall_seconds:.1f} s{rate}; "
                f"{result.reused:,} taken from the store"
            )
            click.echo(render([proxy_columns(s) for s in result.summaries]), nl=False)
            for line in result.failures[:5]:
                click.echo(f"failed: {line}", err=True)
        if opts["plot_dir"]:
            from nasbench_plugins.correlate.plots import scatter_plots

            paths = scatter_plots(result.per_arch, result.summaries, opts["plot_dir"])
            if not quiet:
                click.echo(f"plots: {', '.join(str(p) for p in paths)}")
        from nasbench.api import exit_if_failed

        failed = sum(int(s["n_failed"]) for s in result.summaries)
        exit_if_failed(failed, len(study.archs) * len(study.proxies), "scores", str(store))

    @cli.command("report-proxies")
    @click.option("--store", default=None, help="results store (default results/nasbench.sqlite)")
    @click.option("--space", default=None, help="only studies on this space")
    @click.option("--sample", default=None, help="only studies of this sample, e.g. random:1000 or all")
    @click.option("--seed", type=int, default=None, help="only studies with this seed")
    @click.option("--batch-size", type=int, default=None, help="only studies with this batch size")
    @click.option("--by-proxy", is_flag=True, help="one row per proxy: definition, cost, Spearman/Kendall per dataset")
    @click.option(
        "--write",
        "write_to",
        default=None,
        help="write the table into this file between its <!-- report-proxies[-by-proxy] --> markers",
    )
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(["markdown", "csv", "latex", "json"]),
        default="markdown",
        show_default=True,
    )
    def report_proxies(store: str | None, fmt: str, by_proxy: bool, write_to: str | None, **only: Any) -> None:
        """Table of the `nasbench correlate` studies in the store: a row per proxy and study (or per proxy)."""
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
    """Whether a stored study row passes the --sample / --seed / --batch-size filters."""
    wanted = {"sample": only["sample"], "seed": only["seed"], "batch_size": only["batch_size"]}
    return all(v is None or row[k] == v for k, v in wanted.items())


def _definitions() -> dict[str, str]:
    """Proxy name -> the first line of its docstring, for every proxy loaded here."""
    return {row["name"]: row["summary"] for row in _registry().describe()["proxy"]}


def _dataset_order(rows: list[dict[str, Any]]) -> list[str]:
    """The datasets in the order their benchmark lists them (when it is loaded here)."""
    from nasbench.api import UnknownName

    try:
        return list(_registry().get("benchmark", rows[0]["benchmark"]).datasets)
    except UnknownName:
        return []


@hookimpl
def nasbench_report_sections(store, space, fmt):
    """The `nasbench correlate` studies kept in the same store, after the trials table."""
    from nasbench.api import render
    from nasbench_plugins.correlate.report import stored_studies, study_table

    studies = stored_studies(store, space)
    if not studies:
        return None
    return f"zero-cost proxy studies (`nasbench correlate`), {len(studies)} rows:\n\n" + render(
        study_table(studies), fmt
    )
