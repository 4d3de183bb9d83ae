"""The ``nasbench`` command line: a click group built in a function, thin commands.

User errors (``NasbenchError``) become one line on stderr and exit code 2, never a traceback.
A command whose trials ran but some failed exits 3 (``EXIT_TRIALS_FAILED``; rows are stored),
so a CI job that runs nasbench goes red. Plugins add commands through ``nasbench_register_commands``.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from nasbench.clikit import (  # noqa: F401 - re-exported: plugins and tests use them from here
    CliError,
    NasbenchGroup,
    command_group,
    exit_if_failed,
    registry_of,
    trial_timeout_option,
)
from nasbench.errors import EXIT_USAGE, NasbenchError


def make_cli(pm: Any | None = None) -> click.Group:
    """Build the command group around plugin manager ``pm`` (a fresh one if ``None``)."""
    from nasbench.cli_info import add_data, add_plugins, add_report
    from nasbench.cli_results import add_results
    from nasbench.cli_run import add_run
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

    add_run(cli, registry)
    add_plugins(cli, registry)
    add_report(cli, registry)
    add_data(cli, registry)
    add_results(cli, registry)
    cli.nasbench_registry = registry  # type: ignore[attr-defined]  # plugin commands reach the registry
    registry().pm.hook.nasbench_register_commands(cli=cli)
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
