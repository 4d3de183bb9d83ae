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


def flagged_settings(registry: Any) -> dict[str, tuple[Any, list[str]]]:
    """Setting name -> (its declaration, "kind name" of every component declaring it), for the
    settings that a component gives a ``flag``: these become ``nasbench run`` options."""
    out: dict[str, tuple[Any, list[str]]] = {}
    for kind in ("strategy", "scorer", "proxy", "space", "benchmark"):
        for name in registry.names(kind):
            for key, setting in (getattr(registry.get(kind, name), "settings", {}) or {}).items():
                if setting.flag:
                    out.setdefault(key, (setting, []))[1].append(f"{kind} {name}")
    return out


def setting_options(registry: Any) -> Any:
    """The ``run`` options that plugins declare (``Setting(flag=...)``), e.g. ``-N/--proposals``."""

    def decorate(fn: Any) -> Any:
        for key, (setting, owners) in sorted(flagged_settings(registry()).items(), reverse=True):
            kind = type(setting.default)
            # choices are checked by Setting.coerce, whose one line names the setting and its choices
            ptype = kind if kind in (int, float, bool) else str
            choices = f"; one of {', '.join(map(str, setting.choices))}" if setting.choices else ""
            where = ", ".join(owners)
            help_text = f"{setting.help} (default {setting.default}{choices}; {where})"
            fn = click.option(*setting.flag.split("/"), key, type=ptype, default=None, help=help_text)(fn)
        return fn

    return decorate


class RunCommand(click.Command):
    """``run``: its ``--help`` lists only the plugin options and settings of the components a
    command line selects (``run --strategy darts --help``), all of them when none is given."""

    def __init__(self, *args: Any, registry: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._registry = registry

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["nasbench_run_args"] = list(args)
        return super().parse_args(ctx, args)

    def _selected(self, ctx: click.Context) -> list[Any] | None:
        args = ctx.meta.get("nasbench_run_args", [])
        chosen = {}
        for i, arg in enumerate(args[:-1]):
            if arg in ("--space", "--scorer", "--strategy", "--proxy", "--benchmark"):
                chosen[arg[2:]] = args[i + 1]
        if not chosen:
            return None
        reg = self._registry()
        from nasbench.runner import DEFAULT_STRATEGY, NO_SCORER

        strategy = reg.get("strategy", chosen.get("strategy", DEFAULT_STRATEGY))
        names = {
            "strategy": strategy.name,
            "scorer": chosen.get("scorer") or getattr(strategy, "default_scorer", NO_SCORER),
            "space": chosen.get("space", "nb201"),
        }
        if "proxy" in chosen:
            names["proxy"] = chosen["proxy"]
        if "benchmark" in chosen:
            names["benchmark"] = chosen["benchmark"]
        self._labels = [f"{kind} {name}" for kind, name in names.items()]
        return [reg.get(kind, name) for kind, name in names.items()]

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        try:
            selected = self._selected(ctx)
        except NasbenchError:
            selected = None
        if selected is None:
            return super().format_options(ctx, formatter)
        from nasbench.settings import declared_settings

        declared = declared_settings(selected)
        flagged = flagged_settings(self._registry())
        rows = [
            p.get_help_record(ctx)
            for p in self.get_params(ctx)
            if (p.name not in flagged or p.name in declared) and p.get_help_record(ctx)
        ]
        with formatter.section("Options"):
            formatter.write_dl(rows)
        with formatter.section(f"Settings of {', '.join(self._labels)} (--set KEY=VALUE)"):
            formatter.write_dl(
                [(k, f"{s.help} [{type(s.default).__name__}, default {s.default}]") for k, s in declared.items()]
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

    @cli.command(cls=RunCommand, registry=registry)
    @click.option("--space", default="nb201", show_default=True, help="search space")
    @click.option("--scorer", default=None, help="operation scoring policy (default: the strategy's, else none)")
    @click.option("--proxy", default=None, help="zero-cost proxy (default: the scorer's or strategy's)")
    @click.option("--dataset", default="cifar10", show_default=True, help="benchmark dataset the result is read on")
    @click.option("--benchmark", default=None, help="benchmark (default: the one covering --space)")
    @click.option("--strategy", default="progressive", show_default=True)
    @click.option("--seeds", default="0", show_default=True, help="e.g. 0-3 or 0,2,5")
    @click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda, cuda:N")
    @setting_options(registry)
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
        for key in flagged_settings(registry()):
            if opts.get(key) is not None:
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
                click.echo(render(summarise(rows, reg.report_columns())), nl=False)
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
