"""The pieces every ``nasbench`` command shares, the host's and plugins' alike: one-line errors,
exit codes for failed trials, shared options, sub-groups, and the running CLI's registry."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from nasbench.data import DATA_ENV
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


class FiniteFloat(click.ParamType):
    """A float option that refuses NaN and infinities (``click.FloatRange`` lets ``nan`` through:
    every comparison with it is false) and values outside ``[minimum, maximum]``."""

    name = "float"

    def __init__(self, minimum: float | None = None, maximum: float | None = None) -> None:
        self.minimum, self.maximum = minimum, maximum

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        try:
            out = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a valid number", param, ctx)
        if not math.isfinite(out):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        if self.minimum is not None and out < self.minimum:
            self.fail(f"{out:g} must be >= {self.minimum:g}", param, ctx)
        if self.maximum is not None and out > self.maximum:
            self.fail(f"{out:g} must be <= {self.maximum:g}", param, ctx)
        return out


#: ``--trial-timeout``, shared by ``run`` and plugin commands that run trials (``suite run``)
trial_timeout_option = click.option(
    "--trial-timeout",
    type=FiniteFloat(minimum=0),
    default=0,
    show_default=True,
    help="seconds a trial may run before it is stored as failed (0 = no limit; finite)",
)

#: ``--journal``, shared by ``run`` and ``suite run``: a folder that keeps each running seed's
#: proxy values (``nasbench.journal``), so that a seed stopped part-way continues from them
journal_option = click.option(
    "--journal",
    "journal",
    default="",
    type=click.Path(file_okay=False),
    help="folder for each running seed's proxy values (RUNKEY-sSEED.jsonl): a seed stopped part-way "
    "continues from its file, which is deleted once the trial is stored",
)


def _data_dir(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """An explicit data directory must be one (never a silent fall-through to other data); given
    on the command line it is searched first by every file look-up of the command (benchmark
    tables too), then ``NASBENCH_DATA``, then the cache."""
    if not value:
        return None
    from_env = ctx.get_parameter_source(param.name or "") is ParameterSource.ENVIRONMENT
    for entry in value.split(os.pathsep) if from_env else [value]:
        who = f"{DATA_ENV}={entry}" if from_env else f"--data-dir {entry}"
        if not Path(entry).exists():
            raise BadInput(f"{who}: no such directory")
        if not Path(entry).is_dir():
            raise BadInput(f"{who} is a file, not a directory")
    if not from_env:
        before = os.environ.get(DATA_ENV)
        os.environ[DATA_ENV] = os.pathsep.join([value, before] if before else [value])
        ctx.call_on_close(lambda: _restore_env(DATA_ENV, before))
    return value


def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def data_dir_option(help_text: str = "data directory, searched before NASBENCH_DATA") -> Any:
    """``--data-dir`` (or ``NASBENCH_DATA``): checked to be a directory, and seen by every look-up."""
    return click.option("--data-dir", default=None, envvar=DATA_ENV, callback=_data_dir, help=help_text)


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
