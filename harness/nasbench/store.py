"""The results store: SQLite, one flat row per trial, written in one transaction per trial.

Flat rows keep the store greppable with plain SQL; everything that has no column of its own
(per-edge records, CUDA reserved bytes, accuracies on the other datasets) goes into ``extra``
as JSON. Finished trials are never rewritten unless asked (``--force``).

Crash and concurrency safety (docs/reliability.md): WAL journal, a 60 s busy timeout, one
transaction per row, rows keyed by (run_key, seed) so a re-run or a second process replaces
instead of duplicating, and a failed row never replaces a finished one. Opening a store that
is already up to date writes nothing.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from nasbench.components import TrialResult
from nasbench.errors import DataError

DEFAULT_STORE = Path("results") / "nasbench.sqlite"
SCHEMA_VERSION = 1

#: spec columns, then metric columns, in table order
SPEC_COLUMNS = ("space", "benchmark", "dataset", "scorer", "proxy", "strategy", "device_type")
METRIC_COLUMNS = (
    "arch",
    "test_accuracy",
    "test_error",
    "rank",
    "num_archs",
    "percentile",
    "edge_spearman_initial",
    "edge_spearman_initial_avg_acc",
    "edge_spearman_progressive",
    "edge_spearman_progressive_avg_acc",
    "search_seconds",
    "peak_memory_bytes",
    "memory_device",
    "forward_passes",
)
_TEXT = set(SPEC_COLUMNS) | {"arch", "memory_device"}
_COLUMNS_SQL = ",\n".join(f"    {c} {'TEXT' if c in _TEXT else 'REAL'}" for c in SPEC_COLUMNS + METRIC_COLUMNS)

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS trials (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_key TEXT NOT NULL,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL,
    failure TEXT,
{_COLUMNS_SQL},
    settings TEXT NOT NULL,
    protocol TEXT NOT NULL,
    extra TEXT NOT NULL,
    finished_at TEXT NOT NULL DEFAULT (datetime('now')),
    UNIQUE (run_key, seed)
);
"""


BUSY_TIMEOUT_S = 60


def connect(path: Path) -> sqlite3.Connection:
    """A connection to the store file at ``path`` (created when absent), checked to be a SQLite
    file of a schema this nasbench can read; WAL journal and busy timeout set. Any problem is
    one ``DataError`` line naming the file."""
    if path.is_dir():
        raise DataError(f"{path} is not a nasbench results store (it is a directory)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot create a results store at {path}: {exc.strerror or exc}") from None
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)
    except sqlite3.Error as exc:
        raise DataError(f"cannot open results store {path}: {exc}") from None
    try:
        conn.row_factory = sqlite3.Row
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise DataError(f"{path} was written by a newer nasbench (schema {version}); upgrade nasbench")
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise DataError(f"{path} is not a nasbench results store ({exc})") from None
    except DataError:
        conn.close()
        raise
    return conn


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}


class Store:
    """Opens (and creates) a store file; rows go in and come out as plain dicts."""

    def __init__(self, path: str | Path = DEFAULT_STORE) -> None:
        self.path = Path(path)
        self.conn = connect(self.path)
        try:
            have = _columns(self.conn, "trials")
            if not have:
                with self.conn:
                    self.conn.executescript(SCHEMA)
                    self.conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            elif not self.REQUIRED <= have:
                missing = ", ".join(sorted(self.REQUIRED - have))
                raise DataError(f"{self.path} is not a nasbench results store (table trials lacks {missing})")
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            raise DataError(f"{self.path} is not a nasbench results store ({exc})") from None
        except DataError:
            self.conn.close()
            raise

    REQUIRED = {"run_key", "seed", "status", "failure", "settings", "protocol", "extra", *SPEC_COLUMNS, *METRIC_COLUMNS}

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.conn:
            yield self.conn

    def finished_seeds(self, run_key: str) -> set[int]:
        rows = self.conn.execute("SELECT seed FROM trials WHERE run_key=? AND status='ok'", (run_key,))
        return {int(r[0]) for r in rows}

    def write(self, run_key: str, result: TrialResult, protocol: dict[str, Any]) -> None:
        """Insert or replace the row of (run_key, seed) atomically."""
        spec, metrics = result.spec, result.metrics
        row: dict[str, Any] = {
            "run_key": run_key,
            "seed": result.seed,
            "status": result.status,
            "failure": result.failure,
            "settings": json.dumps(spec.get("settings", {}), sort_keys=True),
            "protocol": json.dumps(protocol, sort_keys=True, default=str),
            "extra": json.dumps(metrics.get("extra", {}), sort_keys=True, default=str),
        }
        for column in SPEC_COLUMNS:
            row[column] = spec.get(column) or ""
        for column in METRIC_COLUMNS:
            row[column] = metrics.get(column)
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        updates = ", ".join(f"{c}=excluded.{c}" for c in row if c not in ("run_key", "seed"))
        # one row per (run_key, seed); a failed row never replaces a finished one (a second
        # process, or a retry, that failed where another succeeded loses nothing)
        sql = (
            f"INSERT INTO trials ({names}) VALUES ({marks}) ON CONFLICT(run_key, seed) DO UPDATE SET {updates},"
            " finished_at=datetime('now') WHERE trials.status != 'ok' OR excluded.status = 'ok'"
        )
        with self.transaction() as conn:
            conn.execute(sql, tuple(row.values()))

    def rows(self, where: str = "", params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        sql = "SELECT * FROM trials" + (f" WHERE {where}" if where else "") + " ORDER BY id"
        out = []
        for r in self.conn.execute(sql, params):
            row = dict(r)
            for key in ("settings", "protocol", "extra"):
                row[key] = json.loads(row[key]) if row[key] else {}
            out.append(row)
        return out
