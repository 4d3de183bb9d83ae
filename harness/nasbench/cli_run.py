"""``nasbench run``: its options (the plugins' flagged settings among them), its selection-aware
``--help`` and what it does: prepare the run, run the seeds not yet stored, print the rows."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import click

from nasbench.clikit import data_dir_option, exit_if_failed, journal_option, trial_timeout_option
from nasbench.errors import BadInput, NasbenchError


def _parse_set(values: tuple[str, ...]) -> dict[str, str]:
    """``--set KEY=VALUE`` options as a dict; one key given twice is an error, never last-wins."""
    out: dict[str, str] = {}
    for item in values:
        if "=" not in item:
            raise BadInput(f"bad --set {item!r}: use KEY=VALUE")
        key, value = item.split("=", 1)
        key = key.strip().replace("-", "_")
        if key in out:
            raise BadInput(f"setting {key} is given twice (--set {key}={out[key]} and --set {item}); give it once")
        out[key] = value.strip()
    return out


def given_settings(opts: dict[str, Any], reg: Any) -> dict[str, Any]:
    """The settings a ``run`` command line gives: ``--set`` values and flagged options; a setting
    given both ways is an error (which one wins would be a guess)."""
    settings: dict[str, Any] = _parse_set(opts["extra"])
    for key, (setting, _owners) in flagged_settings(reg).items():
        if opts.get(key) is None:
            continue
        if key in settings:
            flag = setting.flag.split("/")[-1]
            raise BadInput(
                f"setting {key} is given twice ({flag} {opts[key]} and --set {key}={settings[key]}); give it once"
            )
        settings[key] = opts[key]
    return settings


def _human_bytes(n: float | None) -> str:
    if n is None:
        return "-"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def _trial_line(result: Any, columns: list[Any] = ()) -> str:
    """One line per finished trial: arch, error, rank, then the plugins' metric report columns
    (the rho columns of zero_cost_pt, ...), time and peak memory."""
    if result.status != "ok":
        return f"seed {result.seed}: FAILED - {result.failure}"
    m = result.metrics
    info = (m.get("extra") or {}).get("info") or {}
    shown = []
    for column in (c for c in columns if c.metric):
        value = m.get(column.metric, info.get(column.metric))
        if isinstance(value, int | float):
            shown.append(f"{column.name} {'n/a' if value != value else f'{value:.{column.digits}f}'}")
    return (
        f"seed {result.seed}: {m['arch']}  test error {m['test_error']:.2f}%  rank {m['rank']:,}/{m['num_archs']:,}"
        f" (top {m['percentile']:.2f}%)  {'  '.join(shown) + '  ' if shown else ''}{m['search_seconds']:.1f} s"
        f"  peak {_human_bytes(m['peak_memory_bytes'])} ({m['memory_device']})"
    )


def flagged_settings(registry: Any) -> dict[str, tuple[Any, list[str]]]:
    """Setting name -> (its declaration, "kind name" of every component declaring it), for the
    settings that a component gives a ``flag``: these become ``nasbench run`` options."""
    from nasbench.hostsettings import HOST

    out: dict[str, tuple[Any, list[str]]] = {k: (s, ["every run"]) for k, s in HOST.settings.items() if s.flag}
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
            bounds = f"; {setting.bounds_text()}" if setting.bounds_text() else ""
            where = ", ".join(owners)
            help_text = f"{setting.help} (default {setting.default}{choices}{bounds}; {where})"
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
        from nasbench.hostsettings import HOST
        from nasbench.runner import DEFAULT_STRATEGY, NO_SCORER

        strategy = reg.get("strategy", chosen.get("strategy", DEFAULT_STRATEGY))
        # the runner's order: a later component's declaration of a shared name wins
        names = {"space": chosen.get("space", "nb201")}
        if "benchmark" in chosen:
            names["benchmark"] = chosen["benchmark"]
        names["scorer"] = chosen.get("scorer") or getattr(strategy, "default_scorer", NO_SCORER)
        names["strategy"] = strategy.name
        if "proxy" in chosen:
            names["proxy"] = chosen["proxy"]
        self._labels = [f"{kind} {name}" for kind, name in names.items()]
        return [HOST] + [reg.get(kind, name) for kind, name in names.items()]

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
            formatter.write_dl([(k, _setting_help(s)) for k, s in declared.items()])


#: how ``run --help`` says what a ``Setting(path=...)`` value must be
_PATH_TEXT = {"file": "a file", "dir": "a directory", "json": "JSON or a JSON file"}


def _setting_help(setting: Any) -> str:
    """One setting in ``run --help``: help, then type, default, bounds and what the value names."""
    extra = [setting.bounds_text(), _PATH_TEXT.get(setting.path, ""), setting.names and f"{setting.names} names"]
    shown = "".join(f", {e}" for e in extra if e)
    return f"{setting.help} [{type(setting.default).__name__}, default {setting.default!r}{shown}]"


def default_threads(workers: int, environ: Any = None, load: float | None = None) -> int:
    """Torch threads per seed: 0 (leave torch alone) when ``OMP_NUM_THREADS`` is set (scripts/test
    and CI set 1 on purpose), else the cores per worker that the machine's load leaves idle, at
    least one: a second thread fighting other jobs for a core cost 4-8x the CPU time (measured,
    docs/precision.md), while on an idle machine it is a real speed-up."""
    import os

    environ = os.environ if environ is None else environ
    if environ.get("OMP_NUM_THREADS"):
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if load is None:
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    idle = int(cores - load + 0.5)
    return max(1, min(cores // max(workers, 1), idle))


def _threads(opts: dict[str, Any], prepared: Any) -> None:
    """Apply ``--threads`` (or its default): here for a serial run, in each worker otherwise."""
    import torch

    threads = opts["threads"] if opts.get("threads") else default_threads(opts["workers"])
    if not threads:
        return
    if opts["workers"] > 1 or opts["executor"] in ("process", "ray"):
        prepared.threads = threads
    else:
        torch.set_num_threads(threads)


def _executor(opts: dict[str, Any], reg: Any) -> dict[str, Any]:
    """``runner.run``'s executor arguments: where seeds run, and the plugin modules workers register."""
    from nasbench.executors import make_executor, plugin_modules_of

    executor = make_executor(opts["executor"], opts["workers"], opts["address"])
    return {"executor": executor, "plugin_modules": plugin_modules_of(reg.pm)}


def execute_run(opts: dict[str, Any], reg: Any) -> None:
    """What ``nasbench run`` does once its options are parsed."""
    from nasbench import runner
    from nasbench.report import render, summarise
    from nasbench.settings import parse_seeds
    from nasbench.store import DEFAULT_STORE, Store

    settings = given_settings(opts, reg)
    seeds = parse_seeds(opts["seeds"])
    where = _executor(opts, reg)  # before any work: a bad --workers/--executor is one line
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
    prepared.progress_json = opts["progress_json"]
    prepared.trial_timeout = opts["trial_timeout"]
    prepared.journal_dir = opts["journal"]
    _threads(opts, prepared)
    quiet = opts["as_json"]
    with Store(opts["store"] or DEFAULT_STORE) as store:

        def on_result(result: Any) -> None:
            if quiet:
                click.echo(json.dumps(runner.result_json(result)))
            else:
                click.echo(_trial_line(result, reg.report_columns()))

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
            prepared, seeds, store, hook=reg.pm.hook, force=opts["force"], on_result=on_result, on_skip=on_skip, **where
        )
        if not quiet:
            rows = store.rows("run_key=?", (prepared.run_key,))
            click.echo(render(summarise(rows, reg.report_columns())), nl=False)
    failed = sum(r.status != "ok" for r in results)
    exit_if_failed(failed, len(results), "trials", str(opts["store"] or DEFAULT_STORE))


def add_run(cli: click.Group, registry: Callable[[], Any]) -> None:
    """Add ``run`` to ``cli``."""

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
    @data_dir_option()
    @click.option("--force", is_flag=True, help="re-run seeds that already finished")
    @click.option(
        "--workers", type=int, default=1, show_default=True, help="seeds run at once (one core each; <= 1024)"
    )
    @click.option(
        "--threads",
        type=click.IntRange(min=0),
        default=0,
        help="torch threads per seed (default: the cores / --workers; OMP_NUM_THREADS when set)",
    )
    @click.option(
        "--executor",
        type=click.Choice(["serial", "process", "ray"]),
        default=None,
        help="where seeds run: default serial for 1 worker, process pool for more, ray when --address is given",
    )
    @click.option("--address", default=None, help="Ray cluster address (with --executor ray)")
    @trial_timeout_option
    @journal_option
    @click.option("--json", "as_json", is_flag=True, help="one JSON object per trial per line, no progress bar")
    @click.option(
        "--progress-json",
        is_flag=True,
        help="progress events (phase, done/total, ETA) as JSON lines on stderr; or NASBENCH_PROGRESS=json",
    )
    def run(**opts: Any) -> None:
        """Search with a scorer and strategy; store one row per seed."""
        execute_run(opts, registry())
