"""Every hook nasbench calls, typed; these docstrings are the reference docs for plugin authors.

Registration hooks take a ``register`` callback (the pattern of simonw/llm): a plugin calls it
once per component it provides. The host, not the plugin, decides what happens to the
component (name checks, duplicate detection), so plugins stay tiny.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

    import click

    from nasbench.components import Benchmark, Proxy, Scorer, SearchSpace, Strategy, TrialResult
    from nasbench.data import DataFile
    from nasbench.report import ReportColumn

#: entry-point group and pluggy project name
PROJECT = "nasbench"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def nasbench_register_spaces(register: Callable[[SearchSpace], None]) -> None:
    """Register search spaces.

    :param register: call ``register(space)`` once per space; ``space.name`` must be unique
        among all loaded plugins.
    """


@hookspec
def nasbench_register_benchmarks(register: Callable[[Benchmark], None]) -> None:
    """Register benchmarks (tabular or surrogate ground truth for one space).

    :param register: call ``register(benchmark)`` once per benchmark. Loading data must be
        lazy: do it on first query, never at registration.
    """


@hookspec
def nasbench_register_proxies(register: Callable[[Proxy], None]) -> None:
    """Register zero-cost proxies.

    :param register: call ``register(proxy)`` once per proxy. ``proxy.score`` must return a
        float where higher means better, and may return NaN/inf, which the host handles.
    """


@hookspec
def nasbench_register_scorers(register: Callable[[Scorer], None]) -> None:
    """Register operation scoring policies (``zc-pt``, ``best-acc``, ...).

    :param register: call ``register(scorer)`` once per scorer.
    """


@hookspec
def nasbench_register_strategies(register: Callable[[Strategy], None]) -> None:
    """Register search strategies that turn scores into one final arch.

    :param register: call ``register(strategy)`` once per strategy.
    """


@hookspec
def nasbench_register_data_files(register: Callable[[DataFile], None]) -> None:
    """Register the data files a plugin reads (tables, surrogate models, reference values).

    :param register: call ``register(data_file)`` once per ``DataFile``; the plugin resolves
        the same object with ``resolve_data(data_file, data_dir)``. Registered files are what
        ``nasbench data files`` lists and checks. Names must be unique among all plugins.
    """


@hookspec
def nasbench_register_report_columns(register: Callable[[ReportColumn], None]) -> None:
    """Add columns to ``nasbench report``: a metric averaged per run, or a setting always shown.

    :param register: call ``register(ReportColumn(name, metric=...))`` for a column, or
        ``register(ReportColumn(name, setting=...))`` for a setting printed in every row that
        has it. A metric is read from the stored row or the trial's ``SearchOutcome.info``.
    """


@hookspec
def nasbench_report_sections(store: Path, space: str | None, fmt: str) -> str | None:
    """Text ``nasbench report`` prints after the trials table (e.g. the proxy studies).

    :param store: the results store file being reported.
    :param space: the ``--space`` filter, or ``None`` for all spaces.
    :param fmt: ``markdown``, ``csv`` or ``latex``; return text in that format, or ``None``.
    """


@hookspec
def nasbench_register_commands(cli: click.Group) -> None:
    """Add commands to the ``nasbench`` command-line group.

    :param cli: the click group; use ``@cli.command()`` to add a command.
    """


@hookspec
def nasbench_run_start(spec: dict[str, Any], seeds: list[int]) -> None:
    """Called once before the trials of a run start (for reporters and loggers).

    :param spec: the run spec (space, benchmark, dataset, scorer, proxy, strategy, settings).
    :param seeds: the seeds that will actually run (finished ones already skipped).
    """


@hookspec
def nasbench_trial_result(result: TrialResult) -> None:
    """Called after each trial has been stored, successful or failed.

    :param result: the stored row; ``result.status`` is ``"ok"`` or ``"failed"``.
    """


@hookspec
def nasbench_run_end(spec: dict[str, Any], results: list[TrialResult]) -> None:
    """Called once after the last trial of a run.

    :param spec: the run spec.
    :param results: the trials run now, in seed order.
    """
