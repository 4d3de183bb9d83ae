"""The house redesign changed where code lives, not what it computes: on the fixture store, the
real CLI prints the report the code before the redesign printed (golden/, written by ab2aeb8's
`nasbench report`; issue 26 added the precision column on purpose, fp32 for rows stored before it
existed), and `plugins --json` lists the same components from the same plugins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from nasbench.cli import make_cli

from .fixture_store import write_fixture_store

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def store(tmp_path) -> Path:
    return write_fixture_store(tmp_path / "fixture.sqlite")


@pytest.mark.parametrize("fmt", ["csv", "markdown"])
def test_report_prints_what_it_printed_before(store, fmt):
    result = CliRunner().invoke(make_cli(), ["report", "--store", str(store), "--format", fmt])
    assert result.exit_code == 0, result.output
    assert result.output == (GOLDEN / f"report.{fmt}").read_text()


#: components whose one-line summary a later issue changed on purpose (not the redesign)
CHANGED_SINCE = {
    ("space", "o2"): "issue 19: O2's ops are O1's best, derived from NB301, no longer a placeholder",
    ("strategy", "darts"): "issue 20: DARTS keeps the top-2 edges per node by alpha (was: the first two non-none)",
}


def test_plugins_json_lists_the_same_components_from_the_same_plugins():
    """Every component listed before is listed now, from the same plugin, with the same summary;
    methods added since (pertnas, zero-one-shot, ...) come on top."""
    result = CliRunner().invoke(make_cli(), ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    now, before = json.loads(result.output), json.loads((GOLDEN / "plugins.json").read_text())
    for kind, rows in before["components"].items():
        listed = {row["name"]: row for row in now["components"][kind]}
        for row in rows:
            assert listed[row["name"]]["plugin"] == row["plugin"], (kind, row["name"])
            if (kind, row["name"]) not in CHANGED_SINCE:
                assert listed[row["name"]] == row
    assert set(before["plugins"]) <= {p["name"] for p in now["plugins"]}  # new ones: data files, report columns
