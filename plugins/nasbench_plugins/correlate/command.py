"""The correlate family's hooks: the ``correlate`` and ``report-proxies`` commands, and the
studies' section of ``nasbench report``.

Each command lives in its own module (``correlate_command``, ``report_command``); scores land in
the score cache of the store (``--store``), so a re-run is a look-up and ``report-proxies`` can
print every study done so far.
"""

from __future__ import annotations

import click

from nasbench.api import hookimpl
from nasbench_plugins.correlate.correlate_command import add_correlate
from nasbench_plugins.correlate.report_command import add_report_proxies


@hookimpl
def nasbench_register_commands(cli: click.Group) -> None:
    add_correlate(cli)
    add_report_proxies(cli)


@hookimpl
def nasbench_report_sections(store, space, fmt):
    """The `nasbench correlate` studies kept in the same store, after the trials table."""
    from nasbench.api import render
    from nasbench_plugins.correlate.report import stored_studies, study_table

    studies = stored_studies(store, space)
    if not studies:
        return None
    return f"zero-cost proxy studies (`nasbench correlate`), {len(studies)} rows:\n\n" + render(
        study_table(studies), fmt
    )
