"""Executors: same results wherever jobs run; a dead worker costs one retry of its own job only."""

from __future__ import annotations

import json
import sqlite3

import executor_jobs
import pytest
from click.testing import CliRunner

from nasbench.cli import make_cli
from nasbench.errors import BadInput
from nasbench.executors import JobFailed, ProcessExecutor, SerialExecutor, make_executor

BASE = [
    "correlate",
    "--space",
    "toy",
    "--dataset",
    "toy",
    "--proxy",
    "nwot",
    "--batch-size",
    "8",
    "--seed",
    "1",
    "--sample",
    "6",
    "--per-arch",
    "--json",
]


def per_arch(output: str) -> dict[str, float]:
    rows = [json.loads(line) for line in output.splitlines() if '"accuracy"' in line and '"spearman"' not in line]
    return {r["arch"]: r["score"] for r in rows}


def test_serial_executor_reports_a_raising_job_as_failed():
    outcomes = dict(SerialExecutor().run(executor_jobs.fail_on_three, [1, 2, 3]))
    assert outcomes[1] == 1 and outcomes[2] == 2
    assert isinstance(outcomes[3], JobFailed) and "three is bad" in outcomes[3].reason


def test_unknown_executor_and_zero_workers_are_bad_input():
    with pytest.raises(BadInput, match="unknown executor"):
        make_executor("threads", 2)
    with pytest.raises(BadInput, match="--workers"):
        make_executor(None, 0)


def test_default_executor_follows_worker_count():
    assert make_executor(None, 1).name == "serial"
    assert make_executor(None, 2).name == "process"


@pytest.mark.slow
def test_process_pool_retries_a_dead_worker_once_and_loses_nothing_else(tmp_path):
    jobs = [(x, str(tmp_path)) for x in range(5)]
    outcomes = {job[0]: out for job, out in ProcessExecutor(2).run(executor_jobs.die_once_on_two, jobs)}
    assert outcomes == {0: 0, 1: 1, 2: 2, 3: 3, 4: 4}


def test_pool_workers_leave_ctrl_c_to_the_parent():
    outcomes = dict(ProcessExecutor(1).run(executor_jobs.interrupt_self, [4]))
    assert outcomes == {4: 4}


@pytest.mark.slow
def test_process_pool_gives_up_after_one_retry(tmp_path):
    jobs = [(x, str(tmp_path)) for x in range(4)]
    outcomes = {job[0]: out for job, out in ProcessExecutor(2).run(executor_jobs.die_always_on_two, jobs)}
    assert isinstance(outcomes[2], JobFailed) and outcomes[2].crashed and outcomes[2].attempts == 2
    assert [outcomes[x] for x in (0, 1, 3)] == [0, 1, 3]


def test_a_dead_worker_is_reported_with_its_exit_code_even_when_its_pipe_closes_first(tmp_path):
    jobs = [(x, str(tmp_path)) for x in range(3)]
    outcomes = {job[0]: out for job, out in ProcessExecutor(2).run(executor_jobs.die_slowly_on_two, jobs)}
    assert outcomes[2].reason == "worker died (exit code 9) on each of 2 attempts"


@pytest.mark.slow
def test_process_pool_scores_equal_serial_scores(correlate_pm, tiny_data, tmp_path):
    cli = make_cli(correlate_pm)
    serial = CliRunner().invoke(cli, [*BASE, "--store", str(tmp_path / "a"), "--data-dir", str(tiny_data)])
    pooled = CliRunner().invoke(
        make_cli(correlate_pm), [*BASE, "--workers", "2", "--store", str(tmp_path / "b"), "--data-dir", str(tiny_data)]
    )
    assert pooled.exit_code == 0, pooled.output
    assert per_arch(pooled.output) == per_arch(serial.output) and len(per_arch(serial.output)) == 6


@pytest.mark.slow
def test_crashing_proxy_is_retried_once_in_the_pool(correlate_pm, register_plugin, tiny_data, tmp_path, monkeypatch):
    import correlate_crash_plugin

    register_plugin(correlate_crash_plugin)
    crash_dir = tmp_path / "crashes"
    crash_dir.mkdir()
    monkeypatch.setenv("NASBENCH_TEST_CRASH_DIR", str(crash_dir))
    store = tmp_path / "s.sqlite"
    args = [
        "correlate",
        "--space",
        "toy",
        "--dataset",
        "toy",
        "--proxy",
        "crash-once",
        "--sample",
        "3",
        "--batch-size",
        "8",
        "--workers",
        "2",
        "--json",
        "--store",
        str(store),
        "--data-dir",
        str(tiny_data),
    ]
    result = CliRunner().invoke(make_cli(correlate_pm), args)
    assert result.exit_code == 0, result.output
    with sqlite3.connect(store) as conn:
        rows = conn.execute("SELECT proxy, status, attempts FROM proxy_scores").fetchall()
    # each arch's first try killed its worker; the retry on a fresh worker scored it
    assert rows == [("crash-once", "ok", 2)] * 3
    assert len(list(crash_dir.iterdir())) == 3


@pytest.mark.slow
def test_ray_scores_equal_serial_scores(correlate_pm, tiny_data, tmp_path):
    ray = pytest.importorskip("ray")
    serial = CliRunner().invoke(
        make_cli(correlate_pm), [*BASE, "--store", str(tmp_path / "a"), "--data-dir", str(tiny_data)]
    )
    try:
        on_ray = CliRunner().invoke(
            make_cli(correlate_pm),
            [
                *BASE,
                "--executor",
                "ray",
                "--workers",
                "2",
                "--store",
                str(tmp_path / "b"),
                "--data-dir",
                str(tiny_data),
            ],
        )
    finally:
        ray.shutdown()
    assert on_ray.exit_code == 0, on_ray.output
    assert per_arch(on_ray.output) == per_arch(serial.output) and len(per_arch(serial.output)) == 6
