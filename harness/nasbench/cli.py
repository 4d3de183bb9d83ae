"""The ``nasbench`` command line: a click group built in a function, thin commands.

User errors (``NasbenchError``) become one line on stderr and exit code 2, never a traceback.
A command whose trials ran but some failed exits 3 (``EXIT_TRIALS_FAILED``; rows are stored),
so a CI job that runs nasbench goes red. Plugins add commands through ``nasbench_register_commands``.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from nasbench.errors import EXIT_TRIALS_FAILED, EXIT_USAGE, BadInput, NasbenchError


class CliError(click.ClickException):
    exit_code = EXIT_USAGE


def exit_if_failed(failed: int, total: int, what: str, where: str) -> None:
    """Exit ``EXIT_TRIALS_FAILED`` with one line on stderr when ``failed`` of ``total`` failed."""
    if failed:
        click.echo(f"{failed} of {total} {what} failed (stored with the reason in {where})", err=True)
        click.get_current_context().exit(EXIT_TRIALS_FAILED)


class NasbenchGroup(click.Group):
    """Turns the harness's own errors, and click's usage errors of every subcommand, into one
    line on stderr with exit code 2 (no usage block: a CI log shows the problem, nothing else)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NasbenchError as exc:
            raise CliError(str(exc)) from None
        except click.UsageError as exc:
            where = f"{exc.ctx.command_path}: " if exc.ctx is not None else ""
            raise CliError(where + exc.format_message()) from None


#: ``--trial-timeout``, shared by ``run`` and plugin commands that run trials (``suite run``)
trial_timeout_option = click.option(
    "--trial-timeout",
    type=click.FloatRange(min=0),
    default=0,
    show_default=True,
    help="seconds a trial may run before it is stored as failed (0 = no limit)",
)


def command_group(parent: click.Group, name: str, help_text: str) -> click.Group:
    """The subgroup ``name`` of ``parent``, created if no plugin made it yet.

    For plugins that add subcommands to a shared group (``nasbench data import ...``): each
    calls this in ``nasbench_register_commands`` and they compose in any load order."""
    existing = parent.commands.get(name)
    if isinstance(existing, click.Group):
        return existing
    group = click.Group(name, help=help_text)
    parent.add_command(group)
    return group


def registry_of(ctx: click.Context | None = None) -> Any:
    """The registry of the running ``nasbench`` CLI (so components registered on its plugin
    manager, e.g. in tests, are seen), or a fresh one outside a CLI invocation."""
    ctx = ctx if ctx is not None else click.get_current_context(silent=True)
    accessor = getattr(ctx.find_root().command, "nasbench_registry", None) if ctx is not None else None
    if accessor is not None:
        return accessor()
    from nasbench.registry import make_registry

    return make_registry()


def _parse_set(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for item in values:
        if "=" not in item:
            raise BadInput(f"bad --set {item!r}: use KEY=VALUE")
        key, value = item.split("=", 1)
        out[key.strip().replace("-", "_")] = value.strip()
    return out


def _human_bytes(n: float | None) -> str:
    if n is None:
        return "-"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def _trial_line(result: Any) -> str:
    if result.status != "ok":
        return f"seed {result.seed}: FAILED - {result.failure}"
    m = result.metrics
    rho = lambda v: "n/a" if v is None or v != v else f"{v:.2f}"  # noqa: E731
    return (
        f"seed {result.seed}: {m['arch']}  test error {m['test_error']:.2f}%  rank {m['rank']:,}/{m['num_archs']:,}"
        f" (top {m['percentile']:.2f}%)  rho init {rho(m['edge_spearman_initial'])}"
        f" prog {rho(m['edge_spearman_progressive'])}  {m['search_seconds']:.1f} s"
        f"  peak {_human_bytes(m['peak_memory_bytes'])} ({m['memory_device']})"
    )


def make_cli(pm: Any | None = None) -> click.Group:
    """Build the command group around plugin manager ``pm`` (a fresh one if ``None``)."""
    from nasbench.plugins import get_plugin_manager
    from nasbench.registry import Registry

    state: dict[str, Any] = {"pm": pm}

    def registry() -> Registry:
        if state["pm"] is None:
            state["pm"] = get_plugin_manager()
        if "registry" not in state:
            state["registry"] = Registry(state["pm"])
        return state["registry"]

    @click.group(cls=NasbenchGroup, context_settings={"help_option_names": ["-h", "--help"]})
    @click.version_option(package_name="nasbench")
    def cli() -> None:
        """nasbench: reproducible NAS experiments from plugins.

        \b
        Typical use:
          nasbench run --scorer zc-pt --space nb201 --seeds 0-3
          nasbench report
        """

    @cli.command()
    @click.option("--space", default="nb201", show_default=True, help="search space")
    @click.option("--scorer", default="zc-pt", show_default=True, help="operation scoring policy")
    @click.option("--proxy", default=None, help="zero-cost proxy (default nwot when the scorer needs one)")
    @click.option("--dataset", default="cifar10", show_default=True, help="benchmark dataset the result is read on")
    @click.option("--benchmark", default=None, help="benchmark (default: the one covering --space)")
    @click.option("--strategy", default="progressive", show_default=True)
    @click.option("--seeds", default="0", show_default=True, help="e.g. 0-3 or 0,2,5")
    @click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda, cuda:N")
    @click.option("--edge-order", default=None, help="progressive: fixed or random (default random)")
    @click.option("--proposals", "-N", type=int, default=None, help="progressive: proposal iterations N (default 10)")
    @click.option("--validation", "-V", type=int, default=None, help="progressive: validation batches V (default 100)")
    @click.option("--batch-size", type=int, default=None, help="minibatch size for proxies (default 256)")
    @click.option("--set", "extra", multiple=True, metavar="KEY=VALUE", help="any other declared setting")
    @click.option("--store", default=None, help="results store (default results/nasbench.sqlite)")
    @click.option("--data-dir", default=None, envvar="NASBENCH_DATA", help="data directory (or NASBENCH_DATA)")
    @click.option("--force", is_flag=True, help="re-run seeds that already finished")
    @trial_timeout_option
    @click.option("--json", "as_json", is_flag=True, help="one JSON object per trial per line, no progress bar")
    def run(**opts: Any) -> None:
        """Search with a scorer and strategy; store one row per seed."""
        from nasbench import runner
        from nasbench.report import render, summarise
        from nasbench.settings import parse_seeds
        from nasbench.store import DEFAULT_STORE, Store

        settings: dict[str, Any] = _parse_set(opts["extra"])
        for key in ("edge_order", "proposals", "validation", "batch_size"):
            if opts[key] is not None:
                settings[key] = opts[key]
        seeds = parse_seeds(opts["seeds"])
        reg = registry()
        prepared = runner.prepare(
            reg,
            space=opts["space"],
            scorer=opts["scorer"],
            dataset=opts["dataset"],
            benchmark=opts["benchmark"],
            proxy=opts["proxy"],
            strategy=opts["strategy"],
            device=opts["device"],
            settings=settings,
            data_dir=opts["data_dir"],
        )
        prepared.show_progress = not opts["as_json"] and sys.stderr.isatty()
        prepared.trial_timeout = opts["trial_timeout"]
        quiet = opts["as_json"]
        with Store(opts["store"] or DEFAULT_STORE) as store:

            def on_result(result: Any) -> None:
                if quiet:
                    click.echo(json.dumps(runner.result_json(result)))
                else:
                    click.echo(_trial_line(result))

            def on_skip(seed: int) -> None:
                if not quiet:
                    click.echo(f"seed {seed}: already in the store (use --force to re-run)")

            if not quiet:
                s = prepared.spec
                click.echo(
                    f"run {prepared.run_key}: {s['strategy']}/{s['scorer']}"
                    f"{'(' + s['proxy'] + ')' if s['proxy'] else ''} on {s['space']} ({s['benchmark']}, {s['dataset']})"
                    f", device {prepared.device}, settings {json.dumps(s['settings'])}"
                )
            results = runner.run(
                prepared, seeds, store, hook=reg.pm.hook, force=opts["force"], on_result=on_result, on_skip=on_skip
            )
            if not quiet:
                rows = store.rows("run_key=?", (prepared.run_key,))
                click.echo(render(summarise(rows)), nl=False)
        failed = sum(r.status != "ok" for r in results)
        exit_if_failed(failed, len(results), "trials", str(opts["store"] or DEFAULT_STORE))

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

    @cli.command()
    @click.option("--store", default=None, help="results store (default results/nasbench.sqlite)")
    @click.option(
        "--format", "fmt", type=click.Choice(["markdown", "csv", "latex"]), default="markdown", show_default=True
    )
    @click.option("--space", default=None, help="only runs on this space")
    def report(store: str | None, fmt: str, space: str | None) -> None:
        """Comparison table of every run in the store (one row per run spec), then its proxy studies."""
        from pathlib import Path

        from nasbench.report import render, summarise
        from nasbench.store import DEFAULT_STORE, Store
        from nasbench_plugins.correlate.report import stored_studies, study_table

        path = Path(store) if store else DEFAULT_STORE
        if not path.exists():
            raise BadInput(f"no results store at {path}: run `nasbench run` first or pass --store")
        with Store(path) as st:
            rows = st.rows("space=?", (space,)) if space else st.rows()
        click.echo(render(summarise(rows), fmt), nl=False)
        studies = stored_studies(path, space)
        if studies:  # `nasbench correlate` studies kept in the same store
            click.echo(f"\nzero-cost proxy studies (`nasbench correlate`), {len(studies)} rows:\n")
            click.echo(render(study_table(studies), fmt), nl=False)

    @cli.group()
    def data() -> None:
        """The data files nasbench and its plugins read (see docs/data.md)."""

    @data.command("files")
    @click.option("--data-dir", default=None, envvar="NASBENCH_DATA", help="data directory (or NASBENCH_DATA)")
    def data_files(data_dir: str | None) -> None:
        """Every registered data file: where it goes under the data dir, and whether it is there."""
        from nasbench.data import data_dirs

        for name, entry in registry().data_files().items():
            found = next((root / entry.path for root in data_dirs(data_dir) if (root / entry.path).is_file()), None)
            where = f"found at {found}" if found else "missing"
            click.echo(f"{name:<26} {entry.path:<40} {where}")

    cli.nasbench_registry = registry  # type: ignore[attr-defined]  # plugin commands reach the registry
    the_pm = state["pm"]
    if the_pm is None:
        try:
            the_pm = registry().pm
        except NasbenchError:
            raise
    the_pm.hook.nasbench_register_commands(cli=cli)
    return cli


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    try:
        cli = make_cli()
    except NasbenchError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except Exception as exc:  # noqa: BLE001 - a broken third-party plugin at load time
        click.echo(f"Error: a nasbench plugin failed to load: {type(exc).__name__}: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    cli.main(args=argv, prog_name="nasbench")
