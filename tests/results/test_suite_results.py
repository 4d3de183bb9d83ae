"""Suites on committed results: a run continues from the file, a check needs no store."""

import json

from nasbench.api import hookimpl
from tests.conftest import needs_data

SUITE = """
[suite]
name = "oracles"
title = "Oracle rows"
source = "Zero-Cost-PT Table 1"
seeds = "0-1"

[defaults]
space = "nb201"
dataset = "cifar10"
strategy = "independent"

[[cells]]
name = "best-acc"
scorer = "best-acc"
checks = [{ metric = "test_error", paper = 5.63, tolerance = 0.005 }]

[[cells]]
name = "avg-acc"
scorer = "avg-acc"
checks = [{ metric = "rank", paper = 166, expected = 167, tolerance = 0 }]
"""


def _suite(tmp_path):
    path = tmp_path / "oracles.toml"
    path.write_text(SUITE)
    return str(path)


@needs_data
def test_a_suite_run_writes_each_trial_to_the_results_file(nasbench_cli, tmp_path):
    suite = _suite(tmp_path)
    result = nasbench_cli(["suite", "run", suite, "--store", "a.sqlite", "--results", "r.jsonl"])
    assert result.exit_code == 0
    assert len((tmp_path / "r.jsonl").read_text().splitlines()) == 4


@needs_data
def test_a_run_in_a_new_store_continues_from_the_committed_file(nasbench_cli, tmp_path):
    suite = _suite(tmp_path)
    nasbench_cli(["suite", "run", suite, "--store", "a.sqlite", "--results", "r.jsonl", "--only", "best-acc"])
    again = nasbench_cli(["suite", "run", suite, "--store", "fresh.sqlite", "--results", "r.jsonl"])
    assert again.exit_code == 0
    assert "best-acc: 2 of 2 seeds stored, running 0" in again.output
    assert "avg-acc: 0 of 2 seeds stored, running 2" in again.output


@needs_data
def test_check_reads_committed_results_without_a_store(nasbench_cli, tmp_path):
    suite = _suite(tmp_path)
    nasbench_cli(["suite", "run", suite, "--store", "a.sqlite", "--results", "r.jsonl"])
    (tmp_path / "a.sqlite").unlink()
    result = nasbench_cli(["suite", "check", suite, "--results", "r.jsonl"])
    assert result.exit_code == 0 and "all 2 checked values within tolerance" in result.output
    assert not (tmp_path / "results").exists()


@needs_data
def test_the_report_puts_paper_measured_seeds_status_and_cost_side_by_side(nasbench_cli, tmp_path):
    suite = _suite(tmp_path)
    nasbench_cli(["suite", "run", suite, "--store", "a.sqlite", "--results", "r.jsonl"])
    result = nasbench_cli(["suite", "report", suite, "--results", "r.jsonl", "--png", "t.png"])
    header = "| cell | metric | paper | measured | n | target ± tol | status | search s | peak MiB |"
    assert header in result.output
    assert "| best-acc | test_error | 5.63 | 5.63 ± 0.00 | 2 | 5.63 ± 0.005 | ok |" in result.output
    assert (tmp_path / "t.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@needs_data
def test_report_writes_the_table_between_its_markers(nasbench_cli, tmp_path):
    suite = _suite(tmp_path)
    nasbench_cli(["suite", "run", suite, "--store", "a.sqlite", "--results", "r.jsonl"])
    page = tmp_path / "page.md"
    page.write_text("intro\n<!-- suite:oracles -->\nstale\n<!-- /suite:oracles -->\nend\n")
    result = nasbench_cli(["suite", "report", suite, "--results", "r.jsonl", "--write", str(page)])
    text = page.read_text()
    assert "stale" not in text and result.output in text and text.endswith("end\n")


@needs_data
def test_a_cell_whose_trials_the_store_has_from_another_suite_still_lands_in_this_suites_file(nasbench_cli, tmp_path):
    suite = _suite(tmp_path)
    other = ["run", "--scorer", "best-acc", "--strategy", "independent", "--seeds", "0-1", "--store", "a.sqlite"]
    assert nasbench_cli(other).exit_code == 0
    result = nasbench_cli(["suite", "run", suite, "--store", "a.sqlite", "--results", "r.jsonl", "--only", "best-acc"])
    assert "best-acc: 2 of 2 seeds stored, running 0" in result.output
    assert len((tmp_path / "r.jsonl").read_text().splitlines()) == 2


class _ResultsFileWatcher:
    """Counts the results file's lines each time a trial has been stored."""

    def __init__(self, path):
        self.path, self.lines_seen = path, []

    @hookimpl
    def nasbench_trial_result(self, result):
        self.lines_seen.append(len(self.path.read_text().splitlines()) if self.path.exists() else 0)


@needs_data
def test_each_trial_reaches_the_results_file_before_the_next_seed_runs(nasbench_cli, nasbench_pm, tmp_path):
    watcher = _ResultsFileWatcher(tmp_path / "r.jsonl")
    nasbench_pm.register(watcher, name="watcher")
    suite = _suite(tmp_path)
    nasbench_cli(["suite", "run", suite, "--store", "a.sqlite", "--results", "r.jsonl", "--only", "best-acc"])
    assert watcher.lines_seen == [0, 1]


@needs_data
def test_seeds_runs_only_those_of_the_suites_seeds(nasbench_cli, tmp_path):
    suite = _suite(tmp_path)
    result = nasbench_cli(["suite", "run", suite, "--store", "a.sqlite", "--results", "r.jsonl", "--seeds", "1"])
    assert result.exit_code == 0
    assert "best-acc: 0 of 1 seeds stored, running 1" in result.output
    rows = [json.loads(line) for line in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert [row["seed"] for row in rows] == [1, 1]


def test_a_seed_outside_the_suites_seeds_is_one_clear_line(nasbench_cli, tmp_path):
    result = nasbench_cli(["suite", "run", _suite(tmp_path), "--store", "a.sqlite", "--seeds", "2"])
    assert result.exit_code == 2
    assert "seed 2 is not one of the suite's seeds (0-1)" in result.output
    assert not (tmp_path / "a.sqlite").exists()


def test_an_unknown_only_cell_is_one_clear_line_not_a_silent_empty_run(nasbench_cli, tmp_path):
    result = nasbench_cli(["suite", "run", _suite(tmp_path), "--store", "a.sqlite", "--only", "best_acc"])
    assert result.exit_code == 2
    assert "--only 'best_acc': no such cell" in result.output and "(cells: best-acc, avg-acc)" in result.output
