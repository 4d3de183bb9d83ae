"""``nasbench results export|import``: trials between a store and committed JSON lines.

Why: full-protocol results must outlive the machine that ran them (they take hours) and be
reviewable in git; the store is a binary that vanishes. ``export`` writes a store's trials to a
``.jsonl`` file (merged with what it holds, sorted, byte-stable), ``import`` puts them back into
any store, where ``report``, ``suite check`` and a resumed ``run`` read them (docs/results.md).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from nasbench.errors import BadInput

_FILTERS = ("space", "scorer", "strategy", "proxy", "dataset")


def add_results(cli: click.Group, registry: Callable[[], Any]) -> None:
    """Add the ``results`` group (``export``, ``import``) to ``cli``."""

    @cli.group()
    def results() -> None:
        """Trials as committed text: one JSON line per trial (results/*.jsonl, docs/results.md)."""

    @results.command("export")
    @click.argument("out", type=click.Path(dir_okay=False))
    @click.option("--store", default=None, help="results store (default results/nasbench.sqlite)")
    @click.option("--run-key", "run_keys", multiple=True, help="only this run (repeatable)")
    @click.option("--space", default=None, help="only runs on this space")
    @click.option("--scorer", default=None, help="only runs of this scorer")
    @click.option("--strategy", default=None, help="only runs of this strategy")
    @click.option("--proxy", default=None, help="only runs with this proxy")
    @click.option("--dataset", default=None, help="only runs searched on this dataset")
    @click.option("--failed/--no-failed", default=False, show_default=True, help="also export failed trials")
    def export_cmd(out: str, store: str | None, run_keys: tuple[str, ...], failed: bool, **filters: Any) -> None:
        """Write the store's trials to OUT (merged with what OUT holds; a finished trial there is
        never replaced by a failed one), one sorted JSON line per trial."""
        from nasbench.store import DEFAULT_STORE, Store
        from nasbench.trial_lines import write_lines

        path = Path(store) if store else DEFAULT_STORE
        if not path.exists():
            raise BadInput(f"no results store at {path}: run `nasbench run` first or pass --store")
        clauses, params = [], []
        for name in _FILTERS:
            if filters.get(name):
                clauses.append(f"{name}=?")
                params.append(filters[name])
        if run_keys:
            clauses.append(f"run_key IN ({', '.join('?' for _ in run_keys)})")
            params.extend(run_keys)
        if not failed:
            clauses.append("status='ok'")
        with Store(path) as st:
            rows = st.rows(" AND ".join(clauses), tuple(params))
        if not rows:
            raise BadInput(f"no trials in {path} match: nothing to export")
        total = write_lines(out, rows)
        click.echo(f"exported {len(rows)} trials to {out} ({total} in the file)")

    @results.command("import")
    @click.argument("paths", nargs=-1, required=True, type=click.Path())
    @click.option("--store", default=None, help="results store (default results/nasbench.sqlite)")
    def import_cmd(paths: tuple[str, ...], store: str | None) -> None:
        """Put the trials of PATHS (.jsonl files, or folders of them) into the store; a finished
        trial already there is never replaced by a failed one. Every file is read and checked
        before anything is written."""
        from nasbench.store import DEFAULT_STORE, Store
        from nasbench.trial_lines import files_of, import_lines, read_lines

        batches = [(f, read_lines(f)) for p in paths for f in files_of(p)]
        with Store(Path(store) if store else DEFAULT_STORE) as st:
            for file, rows in batches:
                click.echo(f"imported {import_lines(st, rows)} trials from {file}")
