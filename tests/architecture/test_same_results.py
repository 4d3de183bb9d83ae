"""The house redesign changed where code lives, not what it computes: on the fixture store, the
real CLI prints the report the code before the redesign printed (golden/, written by ab2aeb8's
`nasbench report`), and `plugins --json` lists the same components from the same plugins."""

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


def test_plugins_json_lists_the_same_components_from_the_same_plugins():
    result = CliRunner().invoke(make_cli(), ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    now, before = json.loads(result.output), json.loads((GOLDEN / "plugins.json").read_text())
    assert now["components"] == before["components"]
    assert set(before["plugins"]) <= {p["name"] for p in now["plugins"]}  # new ones: data files, report columns
