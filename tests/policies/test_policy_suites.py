"""Suites through the CLI: run is resumable, report/check compare with the paper, check fails out of tolerance."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from nasbench.cli import make_cli

DATA = os.environ.get("NASBENCH_DATA")
HAVE_DATA = bool(DATA) and (Path(DATA) / "nb201_test_acc.csv").is_file()
needs_data = pytest.mark.skipif(not HAVE_DATA, reason="needs the NB201 table: set NASBENCH_DATA")

SUITE = """
[suite]
name = "oracle-check"
title = "oracle rows"
source = "Zero-Cost-PT Table 1"
seeds = "0"

[defaults]
space = "nb201"
dataset = "cifar10"
strategy = "independent"
settings = {{ proposals = 3 }}

[quick]
settings = {{ batch_size = 8, train_epochs = 1 }}

[[cells]]
name = "best-acc"
scorer = "best-acc"
checks = [
  {{ metric = "test_error", paper = {error}, tolerance = 0.005, quick = true }},
  {{ metric = "rank", paper = 1, tolerance = 0, quick = true }},
]
"""


def _suite(tmp_path: Path, error: float) -> str:
    path = tmp_path / "suite.toml"
    path.write_text(SUITE.format(error=error))
    return str(path)


def _cli(*args: str):
    return CliRunner().invoke(make_cli(), list(args))


@needs_data
def test_suite_check_passes_when_within_tolerance(tmp_path):
    suite = _suite(tmp_path, 5.63)
    assert _cli("suite", "run", suite, "--quick").exit_code == 0
    result = _cli("suite", "check", suite, "--quick")
    assert result.exit_code == 0, result.output
    assert "| best-acc | test_error | 5.63 |" in result.output


@needs_data
def test_suite_check_fails_when_value_is_out_of_tolerance(tmp_path):
    suite = _suite(tmp_path, 5.0)  # deliberately wrong paper value, tight tolerance
    _cli("suite", "run", suite, "--quick")
    result = _cli("suite", "check", suite, "--quick")
    assert result.exit_code == 1
    assert "FAIL" in result.output


@needs_data
def test_suite_run_is_resumable(tmp_path):
    suite = _suite(tmp_path, 5.63)
    _cli("suite", "run", suite)
    again = _cli("suite", "run", suite)
    assert "1 of 1 seeds stored, running 0" in again.output


@needs_data
def test_suite_check_fails_when_nothing_was_run(tmp_path):
    suite = _suite(tmp_path, 5.63)
    _cli("suite", "run", suite, "--quick")
    result = _cli("suite", "check", suite)  # the full variant has no rows yet
    assert result.exit_code == 1 and "missing" in result.output


def test_malformed_suite_is_one_line_error(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        '[suite]\nname = "x"\n[[cells]]\nname = "a"\nscorer = "best-acc"\n'
        'checks = [{ metric = "nonsense", paper = 1, tolerance = 0 }]\n'
    )
    result = _cli("suite", "report", str(path))
    assert result.exit_code == 2
    assert "unknown metric 'nonsense'" in result.output


@pytest.mark.parametrize("name", ["zc_pt_table1", "zc_pt_table2", "zc_pt_table5", "darts_pt_nb201"])
def test_shipped_suites_resolve_every_cell(name):
    from nasbench.plugins import get_plugin_manager
    from nasbench.registry import Registry
    from nasbench_plugins.suites import engine as suites

    suite = suites.load_suite(Path(__file__).resolve().parents[2] / "suites" / f"{name}.toml")
    registry = Registry(get_plugin_manager())
    for cell in suite.cells:
        declared = suites._declared(registry, cell.spec)
        assert set(cell.settings) <= declared, cell.name
        assert set(cell.quick_settings) <= declared, cell.name
