"""Exit codes a CI job can trust: 0 only when every trial (or score) is ok, 3 when some failed
(their rows are still stored), 1 when a suite value is off, 2 for usage errors. A suite that
enforces no check is an error, not a pass."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from nasbench.errors import EXIT_CHECK_FAILED, EXIT_OK, EXIT_TRIALS_FAILED, EXIT_USAGE

TOY = ["--space", "toy", "--dataset", "toy", "--strategy", "independent"]


def _statuses(store: Path) -> list[tuple[int, str, str | None]]:
    with sqlite3.connect(store) as conn:
        return conn.execute("SELECT seed, status, failure FROM trials ORDER BY seed").fetchall()


def test_run_exits_0_when_every_trial_is_ok(cli, tmp_path):
    result = cli(["run", *TOY, "--scorer", "best-acc", "--seeds", "0-2", "--store", tmp_path / "s.sqlite"])
    assert result.exit_code == EXIT_OK, result.output


def test_run_exits_3_when_every_trial_failed_and_stores_the_rows(cli, tmp_path):
    store = tmp_path / "s.sqlite"
    result = cli(["run", *TOY, "--scorer", "fail-always", "--seeds", "0-1", "--store", store])
    assert result.exit_code == EXIT_TRIALS_FAILED
    assert "2 of 2 trials failed" in result.stderr
    assert [(s, st) for s, st, _ in _statuses(store)] == [(0, "failed"), (1, "failed")]
    assert "scorer blew up" in _statuses(store)[0][2]


def test_run_exits_3_when_some_trials_failed_and_keeps_the_good_ones(cli, tmp_path):
    store = tmp_path / "s.sqlite"
    result = cli(["run", *TOY, "--scorer", "fail-odd", "--seeds", "0-3", "--store", store])
    assert result.exit_code == EXIT_TRIALS_FAILED
    assert [st for _, st, _ in _statuses(store)] == ["ok", "failed", "ok", "failed"]


def test_run_exits_2_on_a_usage_error_without_touching_the_store(cli, tmp_path):
    result = cli(["run", *TOY, "--scorer", "no-such-scorer", "--store", tmp_path / "s.sqlite"])
    assert result.exit_code == EXIT_USAGE
    assert not (tmp_path / "s.sqlite").exists()


@pytest.mark.slow
def test_run_on_the_darts_space_with_max_params_now_succeeds_and_exits_0(data_dir, tmp_path):
    """The issue-21 case was every max-params trial on DARTS failing (then run exited 3, as a mixed
    run still does above); issue 20 made max-params work on DARTS-cell spaces."""
    from conftest import run_nb

    proc = run_nb(
        "run", "--space", "darts", "--scorer", "none", "--strategy", "max-params", "--store", tmp_path / "s.sqlite"
    )
    assert proc.returncode == 0, proc.stderr
    assert "1/1" in proc.stdout


def test_correlate_exits_3_when_a_proxy_fails_and_stores_the_failures(cli, data_dir, tmp_path):
    store = tmp_path / "s.sqlite"
    args = ["correlate", "--proxy", "raise-proxy,params", "--sample", "3", "--batch-size", "4", "--store", store]
    result = cli(args)
    assert result.exit_code == EXIT_TRIALS_FAILED, result.output
    assert "3 of 6 scores failed" in result.stderr
    with sqlite3.connect(store) as conn:
        rows = conn.execute("SELECT proxy, status FROM proxy_scores").fetchall()
    assert sorted(set(rows)) == [("params", "ok"), ("raise-proxy", "failed")]


def test_correlate_exits_0_when_every_score_is_ok(cli, data_dir, tmp_path):
    args = ["correlate", "--proxy", "params", "--sample", "3", "--batch-size", "4", "--store", tmp_path / "s.sqlite"]
    assert cli(args).exit_code == EXIT_OK


SUITE = """
[suite]
name = "toy-suite"
seeds = "0-1"

[defaults]
space = "toy"
dataset = "toy"
strategy = "independent"

[[cells]]
name = "oracle"
scorer = "best-acc"
checks = [{{ metric = "rank", paper = 1, tolerance = 0, quick = {quick} }}]

[[cells]]
name = "flaky"
scorer = "{flaky}"
checks = [{{ metric = "rank", paper = 1, tolerance = 1e9, quick = {quick} }}]
"""


def _suite(tmp_path: Path, flaky: str = "best-acc", quick: str = "true") -> Path:
    path = tmp_path / "toy.toml"
    path.write_text(SUITE.format(flaky=flaky, quick=quick))
    return path


def test_suite_run_and_check_exit_0_when_all_is_well(cli, tmp_path):
    suite, store = _suite(tmp_path), tmp_path / "s.sqlite"
    assert cli(["suite", "run", suite, "--quick", "--store", store]).exit_code == EXIT_OK
    result = cli(["suite", "check", suite, "--quick", "--store", store])
    assert result.exit_code == EXIT_OK, result.output
    assert "all 2 checked values within tolerance" in result.output


def test_suite_run_exits_3_when_a_cell_has_failed_trials(cli, tmp_path):
    suite, store = _suite(tmp_path, flaky="fail-odd"), tmp_path / "s.sqlite"
    result = cli(["suite", "run", suite, "--quick", "--store", store])
    assert result.exit_code == EXIT_TRIALS_FAILED, result.output
    assert "1 of 4 trials failed" in result.stderr


def test_suite_check_exits_3_when_values_pass_but_trials_failed(cli, tmp_path):
    suite, store = _suite(tmp_path, flaky="fail-odd"), tmp_path / "s.sqlite"
    cli(["suite", "run", suite, "--quick", "--store", store])
    result = cli(["suite", "check", suite, "--quick", "--store", store])
    assert result.exit_code == EXIT_TRIALS_FAILED, result.output
    assert "flaky (1)" in result.stderr


def test_suite_check_exits_1_when_a_value_is_outside_its_tolerance(cli, tmp_path):
    suite, store = _suite(tmp_path), tmp_path / "s.sqlite"
    cli(["suite", "run", suite, "--quick", "--store", store])
    suite.write_text(suite.read_text().replace("paper = 1, tolerance = 0", "paper = 2, tolerance = 0"))
    result = cli(["suite", "check", suite, "--quick", "--store", store])
    assert result.exit_code == EXIT_CHECK_FAILED
    assert "FAIL: oracle rank" in result.stderr


def test_a_suite_whose_quick_variant_checks_nothing_is_an_error(cli, tmp_path):
    suite, store = _suite(tmp_path, quick="false"), tmp_path / "s.sqlite"
    for command in ("run", "check"):
        result = cli(["suite", command, suite, "--quick", "--store", store])
        assert result.exit_code == EXIT_USAGE, result.output
        assert "enforces no check" in result.stderr


def test_every_shipped_suite_enforces_checks_in_both_variants():
    from nasbench_plugins.suites import engine as suites

    for path in sorted((Path(__file__).resolve().parents[2] / "suites").glob("*.toml")):
        suite = suites.load_suite(path)
        for quick in (True, False):
            suites.require_checks(suite, quick)  # raises BadInput when nothing is enforced
