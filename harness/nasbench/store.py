"""The results store: SQLite, one flat row per trial, written in one transaction per trial.

Flat rows keep the store greppable with plain SQL; everything that has no column of its own
(per-edge records, CUDA reserved bytes, accuracies on the other datasets) goes into ``extra``
as JSON. Finished trials are never rewritten unless asked (``--force``).

Crash and concurrency safety (docs/reliability.md): WAL journal, a 60 s busy timeout, one
transaction per row, rows keyed by (run_key, seed) so a re-run or a second process replaces
instead of duplicating, and a failed row never replaces a finished one. Opening a store that
is already up to date writes nothing.

This module is the one owner of the store file: ``open_store`` is its only opener, and every
table in it is a ``Table`` declared here (``trials``) or by a plugin (correlate's
``proxy_scores``, ...), with its latest layout, its version and its migrations. The file records
its own layout in ``PRAGMA user_version`` (``SCHEMA_VERSION``) and each table's version in the
``nasbench_tables`` table; opening a file migrates what is older, in one write transaction, and
refuses what is newer with one line (``DataError``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nasbench.components import TrialResult
from nasbench.errors import DataError

DEFAULT_STORE = Path("results") / "nasbench.sqlite"
#: the file's own layout (``PRAGMA user_version``): 1 (or 0: no version written, a file made by
#: the score cache alone or a new one) = the tables alone; 2 = each table's version recorded in
#: ``nasbench_tables``. A file of a later version is refused: this nasbench cannot know its tables.
SCHEMA_VERSION = 2

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


Migration = Callable[[sqlite3.Connection], None]


def add_columns(table: str, *columns: tuple[str, str]) -> Migration:
    """A migration adding each ``(column, declaration)`` to ``table`` unless present (a table
    found without a recorded version may already have some of them: see ``Table``)."""

    def migrate(conn: sqlite3.Connection) -> None:
        have = _columns(conn, table)
        for column, declaration in columns:
            if column not in have:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")

    migrate.__doc__ = f"{table}: add {', '.join(c for c, _ in columns)}"
    return migrate


def rebuild(table: str, create_sql: str) -> Migration:
    """A migration rebuilding ``table`` in the layout of ``create_sql`` (e.g. a new primary key),
    every row kept: SQLite cannot alter a primary key in place. ``create_sql`` must hold every
    column the table has before (rows are copied by column name)."""

    def migrate(conn: sqlite3.Connection) -> None:
        old = f"{table}_before_rebuild"
        columns = ", ".join(sorted(_columns(conn, table)))
        conn.execute(f"ALTER TABLE {table} RENAME TO {old}")
        conn.execute(create_sql.strip().rstrip(";"))
        conn.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {old}")
        conn.execute(f"DROP TABLE {old}")

    migrate.__doc__ = f"{table}: rebuilt in its new layout"
    return migrate


@dataclass(frozen=True)
class Table:
    """A table of the store file, declared by its owner: its latest layout (``create_sql``, one or
    more ``CREATE ... IF NOT EXISTS`` statements), its ``version`` and the ``migrations`` that
    take an older table there (``migrations[k - 1]`` goes from version k to k + 1). A table that
    is in a file but has no recorded version (files written before versions were recorded) is
    version 1, so migrations from version 1 must accept any layout the table had before: add
    what is missing (``add_columns``); a new primary key needs a copy (``rebuild``).
    ``core_columns``: what every version has; an existing table lacking one is someone else's and
    the file is refused untouched."""

    name: str
    create_sql: str
    version: int = 1
    migrations: tuple[Migration, ...] = ()
    core_columns: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if len(self.migrations) != self.version - 1:
            raise ValueError(f"table {self.name}: version {self.version} needs {self.version - 1} migrations")

    add_columns = staticmethod(add_columns)
    rebuild = staticmethod(rebuild)


#: each table's version in a file of ``SCHEMA_VERSION`` 2 or later
META_TABLE = "nasbench_tables"


def _record_table_versions(conn: sqlite3.Connection) -> None:
    """File 1 -> 2: a table for each table's version (tables found without a row are version 1)."""
    conn.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (name TEXT PRIMARY KEY, version INTEGER NOT NULL)")


#: the file's migrations: ``FILE_MIGRATIONS[k - 1]`` takes a file from version k to k + 1
FILE_MIGRATIONS: tuple[Migration, ...] = (_record_table_versions,)
assert len(FILE_MIGRATIONS) == SCHEMA_VERSION - 1


def _versions(conn: sqlite3.Connection) -> tuple[int, dict[str, int]]:
    """The file's version (0 read as 1) and the recorded version of each table."""
    version = max(1, conn.execute("PRAGMA user_version").fetchone()[0])
    if not _columns(conn, META_TABLE):
        return version, {}
    return version, {r[0]: int(r[1]) for r in conn.execute(f"SELECT name, version FROM {META_TABLE}")}


def _pending(conn: sqlite3.Connection, path: Path, tables: Iterable[Table]) -> bool:
    """Whether opening must write (an older file or table, a missing table); refuses a foreign
    table or a table of a newer version before anything is written."""
    version, recorded = _versions(conn)
    pending = version < SCHEMA_VERSION
    for table in tables:
        have = _columns(conn, table.name)
        if have and not table.core_columns <= have:
            missing = ", ".join(sorted(table.core_columns - have))
            raise DataError(f"{path} is not a nasbench results store (table {table.name} lacks {missing})")
        at = recorded.get(table.name, 1)
        if at > table.version:
            raise DataError(
                f"{path} has table {table.name} at schema {at}, written by a newer nasbench"
                f" (this one reads up to {table.version}); upgrade nasbench"
            )
        pending = pending or not have or at < table.version or table.name not in recorded
    return pending


def _migrate(conn: sqlite3.Connection, tables: Iterable[Table]) -> None:
    """Bring the file, then each table, to this nasbench's versions (inside the caller's write
    transaction: a second process waits, then finds nothing left to do)."""
    version, _ = _versions(conn)
    for step in FILE_MIGRATIONS[version - 1 :]:
        step(conn)
    if version < SCHEMA_VERSION:
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    _, recorded = _versions(conn)
    for table in tables:
        if not _columns(conn, table.name):
            for statement in filter(str.strip, table.create_sql.split(";")):
                conn.execute(statement)
        else:
            for step in table.migrations[recorded.get(table.name, 1) - 1 :]:
                step(conn)
        conn.execute(f"INSERT OR REPLACE INTO {META_TABLE} (name, version) VALUES (?, ?)", (table.name, table.version))


def open_store(path: Path, tables: Iterable[Table] = ()) -> sqlite3.Connection:
    """The one opener of the store file: ``connect``, then the file and each of ``tables``
    created or migrated to this nasbench's versions (nothing is written when all are current).
    Any problem is one ``DataError`` line naming the file."""
    tables = tuple(tables)
    conn = connect(path)
    try:
        try:
            pending = _pending(conn, path, tables)
        except sqlite3.DatabaseError as exc:
            raise DataError(f"{path} is not a nasbench results store ({exc})") from None
        if pending:
            try:
                _migrate_locked(conn, path, tables)
            except sqlite3.DatabaseError as exc:  # e.g. a read-only file of an older schema
                raise DataError(f"cannot bring {path} up to this nasbench's store schema ({exc})") from None
    except DataError:
        conn.close()
        raise
    return conn


def read_store(path: str | Path) -> sqlite3.Connection:
    """The store file opened read-only, for commands that only report: nothing is created or
    migrated (a missing table reads as absent), but a file or table of a newer schema is refused
    with the same one line as ``open_store``. Rows come back as ``sqlite3.Row``."""
    path = Path(path)
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        version, recorded = _versions(conn)
    except sqlite3.Error as exc:
        raise DataError(f"{path} is not a nasbench results store ({exc})") from None
    if version > SCHEMA_VERSION:
        conn.close()
        raise DataError(f"{path} was written by a newer nasbench (schema {version}); upgrade nasbench")
    return conn


def _migrate_locked(conn: sqlite3.Connection, path: Path, tables: tuple[Table, ...]) -> None:
    """``_migrate`` in one write transaction, after checking again under the lock; all or nothing."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        if _pending(conn, path, tables):
            _migrate(conn, tables)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise


REQUIRED = {"run_key", "seed", "status", "failure", "settings", "protocol", "extra", *SPEC_COLUMNS, *METRIC_COLUMNS}
#: the host's table: one row per trial (unchanged since the first release: version 1)
TRIALS = Table("trials", SCHEMA, version=1, core_columns=frozenset(REQUIRED))


class Store:
    """Opens (and creates) a store file; rows go in and come out as plain dicts."""

    REQUIRED = REQUIRED

    def __init__(self, path: str | Path = DEFAULT_STORE) -> None:
        self.path = Path(path)
        self.conn = open_store(self.path, (TRIALS,))

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
        self._upsert(row)

    def _upsert(self, row: dict[str, Any], finished_at: str | None = None) -> None:
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        updates = ", ".join(f"{c}=excluded.{c}" for c in row if c not in ("run_key", "seed"))
        stamp = "excluded.finished_at" if finished_at else "datetime('now')"
        # one row per (run_key, seed); a failed row never replaces a finished one (a second
        # process, or a retry, that failed where another succeeded loses nothing)
        sql = (
            f"INSERT INTO trials ({names}) VALUES ({marks}) ON CONFLICT(run_key, seed) DO UPDATE SET {updates},"
            f" finished_at={stamp} WHERE trials.status != 'ok' OR excluded.status = 'ok'"
        )
        with self.transaction() as conn:
            conn.execute(sql, tuple(row.values()))

    def put_row(self, row: dict[str, Any]) -> None:
        """Insert or replace one row as ``rows`` returns it (settings, protocol and extra as
        objects), keeping its ``finished_at``: how committed results come back into a store. The
        rule of ``write`` holds: a failed row never replaces a finished one."""
        missing = sorted(k for k in ("run_key", "seed", "status") if row.get(k) is None)
        if missing:
            raise DataError(f"a trial row needs {', '.join(missing)}")
        values: dict[str, Any] = {"run_key": str(row["run_key"]), "seed": int(row["seed"]), "status": row["status"]}
        values["failure"] = row.get("failure")
        for key in ("settings", "protocol", "extra"):
            values[key] = json.dumps(row.get(key) or {}, sort_keys=True, default=str)
        for column in SPEC_COLUMNS:
            values[column] = row.get(column) or ""
        for column in METRIC_COLUMNS:
            values[column] = row.get(column)
        if row.get("finished_at"):
            values["finished_at"] = str(row["finished_at"])
        self._upsert(values, values.get("finished_at"))

    def rows(self, where: str = "", params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        sql = "SELECT * FROM trials" + (f" WHERE {where}" if where else "") + " ORDER BY id"
        out = []
        for r in self.conn.execute(sql, params):
            row = dict(r)
            for key in ("settings", "protocol", "extra"):
                row[key] = json.loads(row[key]) if row[key] else {}
            out.append(row)
        return out
