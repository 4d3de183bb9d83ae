"""Crash safety and concurrency, for real: `run` and `correlate` subprocesses are killed with
SIGKILL at several points, then the store must pass PRAGMA integrity_check, hold every finished
trial/score exactly once, and a re-run must finish without redoing or duplicating them. Two
processes writing one store at once lose and duplicate nothing and never see "database is locked".
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from conftest import nb_command, nb_env, run_nb

TOY = ["--space", "toy", "--dataset", "toy", "--strategy", "independent"]


def _count(store: Path, sql: str) -> int:
    if not store.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=30) as conn:
            return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:  # table not created yet
        return 0


def _kill_when(proc: subprocess.Popen, store: Path, sql: str, rows: int, extra_s: float, limit_s: float = 120) -> int:
    """SIGKILL ``proc`` ``extra_s`` after the store first holds its table and ``rows`` rows;
    returns the rows then (rows = 0: killed inside the first trial)."""
    deadline = time.monotonic() + limit_s
    table = sql.split(" FROM ")[1].split()[0]
    while _count(store, f"SELECT count(*) FROM sqlite_master WHERE name='{table}'") < 1 or _count(store, sql) < rows:
        assert proc.poll() is None, f"finished before the kill point: {proc.communicate()}"
        assert time.monotonic() < deadline, "kill point never reached"
        time.sleep(0.02)
    time.sleep(extra_s)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return _count(store, sql)


def _integrity(store: Path) -> str:
    with sqlite3.connect(store) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def _trials(store: Path) -> list[tuple[str, int, str, str]]:
    with sqlite3.connect(store) as conn:
        return conn.execute("SELECT run_key, seed, status, finished_at FROM trials ORDER BY seed").fetchall()


#: (finished trials to wait for, then seconds into the next trial) -> SIGKILL
RUN_KILL_POINTS = [(0, 0.15), (1, 0.0), (3, 0.15), (5, 0.35)]


@pytest.mark.slow
@pytest.mark.parametrize("rows, extra_s", RUN_KILL_POINTS, ids=[f"after{r}+{e}s" for r, e in RUN_KILL_POINTS])
def test_a_killed_run_keeps_its_finished_trials_and_resumes_without_redoing_them(tmp_path, rows, extra_s):
    store = tmp_path / "s.sqlite"
    args = ["run", *TOY, "--scorer", "slow-oracle", "--seeds", "0-11", "--store", store]
    env = nb_env(NASBENCH_TEST_SLEEP="0.1")  # 3 edges: ~0.3 s a trial
    proc = subprocess.Popen(nb_command(*args), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen = _kill_when(proc, store, "SELECT count(*) FROM trials", rows, extra_s)

    assert _integrity(store) == "ok"
    before = _trials(store)
    assert len(before) == seen >= rows
    assert len({(k, s) for k, s, _, _ in before}) == len(before)
    assert all(status == "ok" for _, _, status, _ in before)

    again = run_nb(*args, NASBENCH_TEST_SLEEP="0")
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("already in the store") == seen
    after = _trials(store)
    assert [s for _, s, _, _ in after] == list(range(12))
    assert set(before) <= set(after)  # finished rows untouched (same finished_at)
    assert _integrity(store) == "ok"


CORR_KILL_POINTS = [(0, 0.1), (1, 0.0), (3, 0.2), (6, 0.1)]
SCORES = "SELECT count(*) FROM proxy_scores"


@pytest.mark.slow
@pytest.mark.parametrize("rows, extra_s", CORR_KILL_POINTS, ids=[f"after{r}+{e}s" for r, e in CORR_KILL_POINTS])
def test_a_killed_correlate_keeps_its_scores_and_resumes_without_redoing_them(data_dir, tmp_path, rows, extra_s):
    store = tmp_path / "s.sqlite"
    args = ["correlate", "--proxy", "slow-params", "--sample", "12", "--batch-size", "4", "--store", store]
    env = nb_env(NASBENCH_TEST_SLEEP="0.3")
    proc = subprocess.Popen(nb_command(*args), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen = _kill_when(proc, store, SCORES, rows, extra_s)

    assert _integrity(store) == "ok"
    with sqlite3.connect(store) as conn:
        scored = conn.execute("SELECT arch, status FROM proxy_scores").fetchall()
    assert len(scored) == seen and len({a for a, _ in scored}) == seen
    assert {s for _, s in scored} <= {"ok"}

    again = run_nb(*args, NASBENCH_TEST_SLEEP="0")
    assert again.returncode == 0, again.stderr
    assert f"computed {12 - seen:,} arch(s)" in again.stdout
    assert f"{seen:,} taken from the store" in again.stdout
    assert _count(store, SCORES) == 12
    assert _integrity(store) == "ok"


@pytest.mark.slow
def test_two_runs_and_a_reporter_share_one_store(tmp_path):
    """Two runs with overlapping seeds of one spec and one run of another spec write at once
    while `report` reads in a loop: every seed once, nothing lost, nobody sees a locked store."""
    store = tmp_path / "s.sqlite"
    writers = [
        ["run", *TOY, "--scorer", "slow-oracle", "--seeds", "0-59", "--store", store],
        ["run", *TOY, "--scorer", "slow-oracle", "--seeds", "30-89", "--store", store],
        ["run", *TOY, "--scorer", "best-acc", "--seeds", "0-89", "--store", store],
    ]
    env = nb_env(NASBENCH_TEST_SLEEP="0")
    procs = [
        subprocess.Popen(nb_command(*a), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for a in writers
    ]
    reports = []
    while any(p.poll() is None for p in procs):
        if store.exists():  # before the first writer creates it, "no results store" is right
            reports.append(run_nb("report", "--store", store))
    outs = [p.communicate() for p in procs]
    reports.append(run_nb("report", "--store", store))

    for proc, (_out, err) in zip(procs, outs):
        assert proc.returncode == 0, err
        assert "locked" not in err
    assert len(reports) >= 2 and all(r.returncode == 0 for r in reports), [r.stderr for r in reports]
    assert not any("locked" in r.stderr for r in reports)
    rows = _trials(store)
    per_key: dict[str, list[int]] = {}
    for key, seed, status, _ in rows:
        assert status == "ok"
        per_key.setdefault(key, []).append(seed)
    assert sorted(sorted(v) for v in per_key.values()) == [list(range(90)), list(range(90))]
    assert _integrity(store) == "ok"


@pytest.mark.slow
def test_a_run_and_a_correlate_write_one_store_at_once(data_dir, tmp_path):
    store = tmp_path / "s.sqlite"
    env = nb_env(NASBENCH_TEST_SLEEP="0.05")
    commands = [
        ["run", *TOY, "--scorer", "slow-oracle", "--seeds", "0-39", "--store", store],
        ["correlate", "--proxy", "slow-params,params", "--sample", "20", "--batch-size", "4", "--store", store],
    ]
    procs = [
        subprocess.Popen(nb_command(*c), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for c in commands
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    for proc, (_out, err) in zip(procs, outs):
        assert proc.returncode == 0, err
        assert "locked" not in err
    assert (
        _count(store, "SELECT count(DISTINCT seed) FROM trials") == _count(store, "SELECT count(*) FROM trials") == 40
    )
    assert _count(store, "SELECT count(*) FROM proxy_scores WHERE status='ok'") == 40
    assert _integrity(store) == "ok"
