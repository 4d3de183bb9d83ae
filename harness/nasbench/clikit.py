"""The pieces every ``nasbench`` command shares, the host's and plugins' alike: one-line errors,
exit codes for failed trials, shared options, sub-groups, and the running CLI's registry."""

from __future__ import annotations

from typing import Any

import click

from nasbench.errors import EXIT_TRIALS_FAILED, EXIT_USAGE, NasbenchError


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
