"""``nasbench data import nb301 DIR``: use the official NB301 ensemble instead of the stand-in.

Adds to an existing ``data`` / ``import`` group when another plugin made one, else creates them.
"""

from __future__ import annotations

from pathlib import Path

import click

from nasbench.api import command_group, hookimpl


@click.command("nb301")
@click.argument("models_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
def import_nb301(models_dir: Path) -> None:
    """Use the official NAS-Bench-301 models in MODELS_DIR (nb_models_1.0) for benchmark nb301."""
    from nasbench_plugins.nb301.official import register

    path = register(models_dir)
    click.echo(f"nb301 will use the official ensemble in {models_dir} (recorded in {path})")


@hookimpl
def nasbench_register_commands(cli: click.Group) -> None:
    data = command_group(cli, "data", "Import benchmark data files.")
    command_group(data, "import", "Import official benchmark files.").add_command(import_nb301)
