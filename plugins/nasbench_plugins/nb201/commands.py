"""``nasbench data import nb201 FILE`` / ``nasbench data import nats PATH``: NB201 training curves.

Reads the official NAS-Bench-201 ``.pth`` or NATS-Bench topology files through their packages
(extras ``nb201-import`` / ``nats-import``), verifies them and stores per-seed, per-epoch
accuracies and train times in the user cache (``nb201_full.npz``); see ``benchmarks/nb201_full.py``.
Adds to the ``data`` / ``import`` groups whichever plugin created them.
"""

from __future__ import annotations

from pathlib import Path

import click

from nasbench.api import command_group, hookimpl

TRUST_HELP = "load pickled classes beyond plain data, as the official package does (only for files you trust)"


def _run(kind: str, path: Path, trust: bool) -> None:
    from nasbench_plugins.nb201 import full as nb201_full

    target = nb201_full.import_file(kind, path, trust=trust)
    curves = nb201_full.NB201Full(target)
    seeds = ", ".join(f"{d} {len(curves.seeds(d))}" for d in nb201_full.DATASETS)
    click.echo(
        f"imported {len(curves.arch_strings):,} NB201 archs, {curves.epochs} epochs (seeds: {seeds}) "
        f"from {path} into {target}"
    )


@click.command("nb201")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--trust-pickle", is_flag=True, help=TRUST_HELP)
def import_nb201(file: Path, trust_pickle: bool) -> None:
    """Add per-seed, per-epoch curves from the official NAS-Bench-201 FILE (NAS-Bench-201-v1_1-096897.pth)."""
    _run("nb201", file, trust_pickle)


@click.command("nats")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--trust-pickle", is_flag=True, help=TRUST_HELP)
def import_nats(path: Path, trust_pickle: bool) -> None:
    """Add per-seed, per-epoch curves from NATS-Bench topology PATH (NATS-tss-v1_0-3ffb9-simple or a .pickle.pbz2)."""
    _run("nats", path, trust_pickle)


@hookimpl
def nasbench_register_commands(cli: click.Group) -> None:
    data = command_group(cli, "data", "Import benchmark data files.")
    group = command_group(data, "import", "Import official benchmark files.")
    group.add_command(import_nb201)
    group.add_command(import_nats)
