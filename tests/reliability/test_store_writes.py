"""Store writes are idempotent per (run key, seed), never trade a finished row for a failed one,
and opening an up-to-date store changes none of its bytes."""

from __future__ import annotations

import hashlib

from nasbench.components import TrialResult
from nasbench.store import BUSY_TIMEOUT_S, Store

SPEC = {"space": "toy", "benchmark": "toy", "dataset": "toy", "scorer": "s", "proxy": "", "strategy": "x"}


def _result(seed: int, status: str, error: float | None = None) -> TrialResult:
    metrics = {} if error is None else {"test_error": error}
    return TrialResult(SPEC, seed, status, metrics, failure=None if status == "ok" else "RuntimeError: late")


def test_writing_a_seed_twice_keeps_one_row_with_the_latest_values(tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        store.write("key", _result(0, "ok", 5.0), {})
        store.write("key", _result(0, "ok", 4.0), {})
        rows = store.rows()
    assert [(r["seed"], r["test_error"]) for r in rows] == [(0, 4.0)]


def test_a_failed_row_never_replaces_a_finished_one(tmp_path):
    """A second process (or a retry) that failed where another finished loses nothing."""
    with Store(tmp_path / "s.sqlite") as store:
        store.write("key", _result(0, "ok", 5.0), {})
        store.write("key", _result(0, "failed"), {})
        rows = store.rows()
    assert [(r["status"], r["test_error"]) for r in rows] == [("ok", 5.0)]


def test_a_finished_row_replaces_a_failed_one(tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        store.write("key", _result(0, "failed"), {})
        store.write("key", _result(0, "ok", 5.0), {})
        assert [r["status"] for r in store.rows()] == ["ok"]


def test_opening_an_up_to_date_store_changes_none_of_its_bytes(tmp_path):
    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        store.write("key", _result(0, "ok", 5.0), {})
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with Store(path) as store:
        store.rows()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_the_store_waits_for_a_busy_writer_in_wal_mode(tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] == BUSY_TIMEOUT_S * 1000
