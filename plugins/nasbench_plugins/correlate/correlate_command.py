"""``nasbench correlate``: proxy score vs benchmark accuracy, as a click command.

Thin layer over ``nasbench_plugins.correlate.engine``: parse options, pick the executor, print the
table or JSON. Scores land in the score cache of the store (``--store``) as they arrive, so a
re-run is a look-up. Heavy modules (the engine, torch, tqdm) are imported when the command runs,
so ``nasbench --help`` stays fast.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from nasbench.api import PRECISIONS, data_dir_option, registry_of

#: the options of ``nasbench correlate``, top to bottom as ``--help`` lists them
CORRELATE_OPTIONS = (
    click.option("--space", default="nb201", show_default=True, help="search space"),
    click.option("--proxy", "proxies", default="nwot", show_default=True, help="comma list of proxies, or `all`"),
    click.option("--dataset", default="cifar10", show_default=True, help="benchmark dataset the accuracy is read on"),
    click.option("--benchmark", default=None, help="benchmark (default: the one covering --space)"),
    click.option("--sample", default="1000", show_default=True, help="number of random archs, or `all`"),
    click.option("--archs", "archs_file", default=None, help="file of arch strings, one a line (instead of --sample)"),
    click.option(
        "--seed", type=int, default=0, show_default=True, help="seed of the sample, init and minibatch (< 2**32)"
    ),
    click.option("--batch-size", type=int, default=64, show_default=True, help="minibatch size the proxies see"),
    click.option("--workers", type=int, default=1, show_default=True, help="parallel workers (one core each; <= 1024)"),
    click.option(
        "--executor",
        type=click.Choice(["serial", "process", "ray"]),
        default=None,
        help="default: serial for 1 worker, process pool for more, ray when --address is given",
    ),
    click.option("--address", default=None, help="Ray cluster address (with --executor ray)"),
    click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda, cuda:N"),
    click.option(
        "--precision",
        type=click.Choice(PRECISIONS),
        default="fp32",
        show_default=True,
        help="numerics of the networks; bf16 scores are cached apart (version +bf16)",
    ),
    click.option("--store", default=None, help="results store (default results/nasbench.sqlite)"),
    data_dir_option(),
    click.option("--plot", "plot_dir", default=None, help="write a score-vs-accuracy PNG per proxy into this dir"),
    click.option(
        "--recompute", is_flag=True, help="ignore stored scores and overwrite them (after a proxy's code changed)"
    ),
    click.option("--per-arch", is_flag=True, help="also print one JSON line per arch and proxy"),
    click.option("--json", "as_json", is_flag=True, help="one JSON summary line per proxy, no progress bar"),
)


def with_options(options: tuple[Any, ...], fn: Any) -> Any:
    """``fn`` decorated by ``options`` as if they were stacked above it in this order."""
    for option in reversed(options):
        fn = option(fn)
    return fn


def add_correlate(cli: click.Group) -> None:
    """Add ``correlate`` to ``cli`` (a fresh command per CLI: click options attach to the function)."""

    def correlate(**opts: Any) -> None:
        """Rank correlation of proxy scores with benchmark accuracy (scores cached in the store)."""
        run_correlate(opts)

    cli.command()(with_options(CORRELATE_OPTIONS, correlate))


def run_correlate(opts: dict[str, Any]) -> None:
    """Plan the study, score what the store lacks, print the outcome, plot, exit by failures."""
    from nasbench.api import DEFAULT_STORE, exit_if_failed, make_executor
    from nasbench_plugins.correlate.scorecache import ScoreCache

    study = _plan(opts)
    executor = make_executor(opts["executor"], opts["workers"], opts["address"])
    quiet = opts["as_json"]
    if not quiet:
        _announce(study, executor)
    store = opts["store"] or DEFAULT_STORE
    cache = ScoreCache(store)  # a bad store fails here, before the progress bar draws
    result = _score(study, cache, executor, store, quiet, opts["recompute"])
    if opts["per_arch"]:
        for row in result.per_arch:
            click.echo(json.dumps(row))
    if quiet:
        _print_json(result)
    else:
        _print_table(result)
    if opts["plot_dir"]:
        _plot(result, opts["plot_dir"], quiet)
    failed = sum(int(s["n_failed"]) for s in result.summaries)
    exit_if_failed(failed, len(study.archs) * len(study.proxies), "scores", str(store))


def _plan(opts: dict[str, Any]) -> Any:
    """The engine's validated study for the command's options (every user error surfaces here)."""
    from nasbench_plugins.correlate import engine

    return engine.plan(
        registry_of(),
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
        precision=opts["precision"],
    )


def _announce(study: Any, executor: Any) -> None:
    """What is about to be scored, with what, and where the images come from."""
    click.echo(
        f"correlate {len(study.archs):,} archs of {study.space.name} ({study.sample}) with "
        f"{study.benchmark_name} {study.dataset} accuracy: proxies {', '.join(study.proxies)}; seed "
        f"{study.seed}, batch {study.batch_size}, device {study.device} {study.precision}, "
        f"{executor.name} x{executor.workers}"
    )
    click.echo(("NOTE: " if study.images.fallback else "images: ") + study.images.note)


def _score(study: Any, cache: Any, executor: Any, store: Any, quiet: bool, recompute: bool) -> Any:
    """Run the study under a progress bar on stderr; Ctrl-C exits 130 and says how to resume."""
    from tqdm import tqdm

    from nasbench_plugins.correlate import engine

    bar = tqdm(total=len(study.archs), desc="correlate", unit="arch", file=sys.stderr, disable=quiet, leave=False)

    def progress(step: int, _total: int) -> None:
        bar.update(step)

    try:
        with cache:
            result = engine.run_study(study, cache, executor, progress, recompute=recompute)
    except KeyboardInterrupt:
        bar.close()
        click.echo(f"interrupted: the scores finished so far are in {store}; the same command resumes", err=True)
        sys.exit(130)
    bar.close()
    return result


def _print_json(result: Any) -> None:
    """One JSON summary line per proxy, with the study's counts and wall time."""
    from nasbench_plugins.correlate import engine

    for row in result.summaries:
        out = engine.json_summary(row)
        out.update(computed=result.computed, reused=result.reused, wall_seconds=result.wall_seconds)
        click.echo(json.dumps(out))


def _print_table(result: Any) -> None:
    """Throughput line, the per-proxy table, and the first failures on stderr."""
    from nasbench.api import render
    from nasbench_plugins.correlate.report import proxy_columns

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


def _plot(result: Any, plot_dir: str, quiet: bool) -> None:
    """A score-vs-accuracy PNG per proxy into ``plot_dir``."""
    from nasbench_plugins.correlate.plots import scatter_plots

    paths = scatter_plots(result.per_arch, result.summaries, plot_dir)
    if not quiet:
        click.echo(f"plots: {', '.join(str(p) for p in paths)}")
