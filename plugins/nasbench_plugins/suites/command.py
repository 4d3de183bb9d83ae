"""``nasbench suite run|report|check FILE``: paper tables as regression tests (``nasbench_plugins.suites.engine``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from nasbench.api import (
    EXIT_CHECK_FAILED,
    EXIT_TRIALS_FAILED,
    BadInput,
    NasbenchError,
    data_dir_option,
    exit_if_failed,
    hookimpl,
    journal_option,
    registry_of,
    run_trials,
    trial_timeout_option,
)

DEFAULT_STORE = Path("results") / "suites.sqlite"


def _common(fn: Any) -> Any:
    fn = click.argument("file", type=click.Path(dir_okay=False))(fn)
    fn = click.option("--quick", is_flag=True, help="the suite's small CPU variant")(fn)
    fn = click.option("--store", default=None, help=f"results store (default {DEFAULT_STORE})")(fn)
    return data_dir_option()(fn)


def _results_option(fn: Any) -> Any:
    return click.option(
        "--results",
        "results",
        multiple=True,
        type=click.Path(),
        help="read committed trials (a .jsonl file or a folder of them; repeatable) instead of a store",
    )(fn)


def _registry() -> Any:
    return registry_of()


def _outcomes(
    file: str, quick: bool, store: str | None, data_dir: str | None, results: tuple[str, ...] = ()
) -> tuple[Any, list[Any]]:
    from nasbench.api import Store, trials_store
    from nasbench_plugins.suites import engine as suites

    suite = suites.load_suite(file)
    if results:
        if store:
            raise NasbenchError("give --store or --results, not both")
        with trials_store(results) as st:
            return suite, suites.evaluate(_registry(), suite, st, quick, data_dir)
    path = Path(store) if store else DEFAULT_STORE
    if not path.exists():
        raise NasbenchError(f"no results store at {path}: run `nasbench suite run {file}` first or pass --store")
    with Store(path) as st:
        return suite, suites.evaluate(_registry(), suite, st, quick, data_dir)


@hookimpl
def nasbench_register_commands(cli: click.Group) -> None:
    @cli.group()
    def suite() -> None:
        """Paper tables as suites: run what is missing, report beside the paper, check tolerances."""

    add_run(suite)
    add_report(suite)
    add_check(suite)


def add_run(suite: click.Group) -> None:
    """Add ``suite run`` to the ``suite`` group."""

    @suite.command("run")
    @_common
    @click.option("--device", default="auto", show_default=True)
    @click.option("--only", "only", multiple=True, help="run only these cells (repeatable)")
    @click.option(
        "--seeds",
        "seed_text",
        default=None,
        help="run only these of the suite's seeds (e.g. 0 or 0-1), e.g. one seed of each trained cell in turn",
    )
    @click.option(
        "--results",
        "results",
        default=None,
        type=click.Path(dir_okay=False),
        help="committed results file (.jsonl): its trials count as done, each new trial is added to it as it ends",
    )
    @trial_timeout_option
    @journal_option
    def run_cmd(
        file: str,
        quick: bool,
        store: str | None,
        data_dir: str | None,
        device: str,
        only: tuple[str, ...],
        seed_text: str | None,
        results: str | None,
        trial_timeout: float,
        journal: str,
    ) -> None:
        """Run every cell's missing seeds (finished trials in the store, or in --results, are kept)."""
        run_suite(file, quick, store, data_dir, device, only, trial_timeout, results, seed_text, journal)


def run_suite(
    file: str,
    quick: bool,
    store: str | None,
    data_dir: str | None,
    device: str,
    only: tuple[str, ...],
    trial_timeout: float,
    results: str | None = None,
    seed_text: str | None = None,
    journal: str = "",
) -> None:
    """Validate every selected cell, then run each cell's seeds the store lacks; exit by failures.

    With ``results``: the file's trials go into the store first (a session that ended part-way
    continues where the committed file stops), and each trial is written to the file as it ends.
    With ``seed_text``: only those of the suite's seeds (a seed outside them is one clear line).
    With ``journal``: each running seed keeps its proxy values there and continues from them."""
    from nasbench.api import Store, import_trial_lines, read_trial_lines, write_trial_lines
    from nasbench_plugins.suites import engine as suites

    suite_ = suites.load_suite(file)
    suites.require_checks(suite_, quick)
    registry = _registry()
    seeds = suites.seeds_of(suite_, quick) if seed_text is None else suites.seeds_within(suite_, quick, seed_text)
    ran = failed = 0
    # every cell is validated before the store is opened or any trial runs
    cells = _selected_cells(suite_, only, file)
    prepared_cells = [(c, suites.prepare_cell(registry, suite_, c, quick, data_dir)) for c in cells]
    with Store(store or DEFAULT_STORE) as st:
        if results and Path(results).exists():
            click.echo(f"{import_trial_lines(st, read_trial_lines(results))} trials read from {results}")
        for cell, prepared in prepared_cells:
            prepared.trial_timeout, prepared.journal_dir = trial_timeout, journal
            if device != "auto":
                from nasbench.api import resolve_device

                prepared.device = resolve_device(device)
            todo = [s for s in seeds if s not in st.finished_seeds(prepared.run_key)]
            click.echo(f"{cell.name}: {len(seeds) - len(todo)} of {len(seeds)} seeds stored, running {len(todo)}")

            def trial_ended(result: Any, run_key: str = prepared.run_key) -> None:
                # called as each trial ends (not after the cell's last seed), so a session that
                # stops mid-cell has every finished seed in the committed file
                click.echo(_trial_line(result))
                if results:
                    write_trial_lines(results, st.rows("run_key=? AND seed=?", (run_key, result.seed)))

            outcomes = run_trials(prepared, todo, st, hook=registry.pm.hook, on_result=trial_ended)
            ran += len(outcomes)
            failed += sum(r.status != "ok" for r in outcomes)
            if results:  # seeds the store had from elsewhere (another suite's identical cell) too
                done = [r for r in st.rows("run_key=? AND status='ok'", (prepared.run_key,)) if r["seed"] in seeds]
                if done:
                    write_trial_lines(results, done)
    exit_if_failed(failed, ran, "trials", str(store or DEFAULT_STORE))


def _selected_cells(suite: Any, only: tuple[str, ...], file: str) -> list[Any]:
    """The cells ``--only`` names (all when none); a name the suite lacks is one clear line."""
    names = [c.name for c in suite.cells]
    unknown = [name for name in only if name not in names]
    if unknown:
        raise BadInput(f"--only {unknown[0]!r}: no such cell in {file} (cells: {', '.join(names)})")
    return [c for c in suite.cells if not only or c.name in only]


def _trial_line(result: Any) -> str:
    """One line per finished trial: the arch and its test error, or why it failed."""
    if result.status == "ok":
        return (
            f"  seed {result.seed}: {result.metrics.get('arch')} error "
            f"{result.metrics.get('test_error', float('nan')):.2f}%"
        )
    return f"  seed {result.seed}: FAILED - {result.failure}"


def add_report(suite: click.Group) -> None:
    """Add ``suite report`` to the ``suite`` group."""

    @suite.command("report")
    @_common
    @_results_option
    @click.option("--png", default=None, type=click.Path(dir_okay=False), help="also draw the table to this PNG")
    @click.option(
        "--write",
        "write",
        default=None,
        type=click.Path(dir_okay=False),
        help="write the table into this file between its <!-- suite:NAME --> markers",
    )
    def report_cmd(
        file: str,
        quick: bool,
        store: str | None,
        data_dir: str | None,
        results: tuple[str, ...],
        png: str | None,
        write: str | None,
    ) -> None:
        """Print the table: the paper's value beside the measured mean ± std over n seeds, the
        tolerance, whether it is within, and each cell's cost (search seconds, peak memory)."""
        from nasbench.api import write_section
        from nasbench_plugins.suites import engine as suites
        from nasbench_plugins.suites.plot import suite_png

        suite_, outcomes = _outcomes(file, quick, store, data_dir, results)
        table = suites.render(suite_, outcomes, quick)
        if write:
            write_section(write, f"suite:{suite_.name}{'-quick' if quick else ''}", table)
        if png:
            suite_png(suite_.title + (" (quick)" if quick else ""), outcomes, png)
        click.echo(table, nl=False)


def add_check(suite: click.Group) -> None:
    """Add ``suite check`` to the ``suite`` group."""

    @suite.command("check")
    @_common
    @_results_option
    def check_cmd(file: str, quick: bool, store: str | None, data_dir: str | None, results: tuple[str, ...]) -> None:
        """Exit 1 when a checked value is missing or outside its tolerance, 3 when all checks
        pass but some of the suite's trials failed, 2 when the suite (or its quick variant)
        enforces no check at all. With --results, committed trials are checked without running."""
        check_suite(file, quick, store, data_dir, results)


def check_suite(file: str, quick: bool, store: str | None, data_dir: str | None, results: tuple[str, ...] = ()) -> None:
    """Print the table, then exit 1 on a missing or out-of-tolerance value, 3 on failed trials."""
    from nasbench_plugins.suites import engine as suites

    suites.require_checks(suites.load_suite(file), quick)
    suite_, outcomes = _outcomes(file, quick, store, data_dir, results)
    bad = [o for o in outcomes if o.status in ("FAIL", "missing")]
    click.echo(suites.render(suite_, outcomes, quick), nl=False)
    if bad:
        for o in bad:
            click.echo(
                f"{o.status}: {o.cell} {o.check.metric} = {o.mean} vs {o.check.target} ± {o.check.tolerance:g}",
                err=True,
            )
        raise SystemExit(EXIT_CHECK_FAILED)
    click.echo(f"all {sum(o.status == 'ok' for o in outcomes)} checked values within tolerance")
    failed = {o.cell: o.failed_trials for o in outcomes if o.failed_trials}
    if failed:
        cells = ", ".join(f"{c} ({n})" for c, n in failed.items())
        click.echo(f"failed trials are stored for: {cells}", err=True)
        click.get_current_context().exit(EXIT_TRIALS_FAILED)
