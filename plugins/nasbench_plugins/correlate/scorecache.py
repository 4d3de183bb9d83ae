"""The proxy score cache: one row per (space, arch, proxy, images, batch size, seed, proxy version)
in the results store.

Proxy scores are expensive and deterministic given that key and the proxy's code, so ``nasbench
correlate`` writes each one as it arrives and looks it up before computing it again. The code is
represented by the proxy's ``version`` (``components.proxy_version``; a bf16 score is version
``V+bf16``): a row is reused only by a proxy of the version that computed it, and a row of another
version is kept beside it (before table version 4 it was replaced: a bf16 study deleted the fp32
scores of the same archs).
The tables live in the same SQLite file as the trials (``results/nasbench.sqlite`` by default) so
one file holds a study; they are declared to the store (``StoreTable``: layout, version,
migrations), which opens the file, creates them and migrates them. A NaN score is stored as NULL
with status ``ok``; a failure is stored with status ``failed`` and is recomputed on the next run.
``proxy_correlations`` keeps one summary row per correlate study and precision, which ``nasbench
report-proxies`` and ``nasbench report`` print (``nasbench_plugins.correlate.report``).
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nasbench.api import StoreTable, connect_store

SCORES_SQL = """
CREATE TABLE IF NOT EXISTS proxy_scores (
    space TEXT NOT NULL,
    arch TEXT NOT NULL,
    proxy TEXT NOT NULL,
    images TEXT NOT NULL,
    batch_size INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL,
    score REAL,
    failure TEXT,
    seconds REAL,
    peak_memory_bytes INTEGER,
    memory_device TEXT,
    attempts INTEGER NOT NULL DEFAULT 1,
    finished_at TEXT NOT NULL DEFAULT (datetime('now')),
    proxy_version TEXT NOT NULL DEFAULT '1',
    space_config TEXT,
    PRIMARY KEY (space, arch, proxy, images, batch_size, seed, proxy_version)
);
"""
SUMMARIES_SQL = """
CREATE TABLE IF NOT EXISTS proxy_correlations (
    space TEXT NOT NULL,
    benchmark TEXT NOT NULL,
    dataset TEXT NOT NULL,
    proxy TEXT NOT NULL,
    images TEXT NOT NULL,
    batch_size INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    sample TEXT NOT NULL,
    n INTEGER,
    n_nan INTEGER,
    n_failed INTEGER,
    spearman REAL,
    kendall REAL,
    top10 REAL,
    top50 REAL,
    top100 REAL,
    archs_per_second REAL,
    peak_memory_bytes INTEGER,
    memory_device TEXT,
    images_note TEXT,
    finished_at TEXT NOT NULL DEFAULT (datetime('now')),
    proxy_version TEXT NOT NULL DEFAULT '1',
    images_stand_in INTEGER,
    PRIMARY KEY (space, benchmark, dataset, proxy, images, batch_size, seed, sample, proxy_version)
);
"""

SUMMARY_COLUMNS = (
    "space",
    "benchmark",
    "dataset",
    "proxy",
    "images",
    "batch_size",
    "seed",
    "sample",
    "n",
    "n_nan",
    "n_failed",
    "spearman",
    "kendall",
    "top10",
    "top50",
    "top100",
    "archs_per_second",
    "peak_memory_bytes",
    "memory_device",
    "images_note",
    "proxy_version",
    "images_stand_in",
)


def scored_version(version: str, precision: str) -> str:
    """The stored version of a score or summary: the proxy's own, marked ``+bf16`` when not
    computed in fp32, so the two are cached and summarised side by side, never mixed."""
    return version if precision == "fp32" else f"{version}+{precision}"


def precision_of(version: str | None) -> str:
    """The precision a stored score or summary was computed in, read back from its version."""
    _, plus, precision = str(version or "").rpartition("+")
    return precision if plus else "fp32"


_FIRST_SCORES = {"space", "arch", "proxy", "images", "batch_size", "seed", "status", "score", "failure", "seconds"}
_FIRST_SUMMARIES = {"space", "benchmark", "dataset", "proxy", "images", "batch_size", "seed", "sample", "spearman"}


#: the score table's versions: 1 = first release; 2 = ``proxy_version`` (rows before it are version
#: "1", the version every built-in proxy had then); 3 = ``space_config`` (NULL in older rows:
#: scored by a version-"1" space at its defaults, reused only by such a space); 4 = ``proxy_version``
#: in the primary key (fp32 and bf16 scores, or two versions, of one arch kept side by side)
PROXY_SCORES = StoreTable(
    "proxy_scores",
    SCORES_SQL,
    version=4,
    migrations=(
        StoreTable.add_columns("proxy_scores", ("proxy_version", "TEXT NOT NULL DEFAULT '1'")),
        StoreTable.add_columns("proxy_scores", ("space_config", "TEXT")),
        StoreTable.rebuild("proxy_scores", SCORES_SQL),
    ),
    core_columns=frozenset(_FIRST_SCORES),
)
#: the summary table's versions: 1 = first release; 2 = ``proxy_version``; 3 = ``images_stand_in``
#: (NULL in older rows: read from images_note); 4 = ``proxy_version`` in the primary key: a bf16
#: study (version ``N+bf16``) no longer replaces the fp32 summary of the same study, or vice versa
PROXY_CORRELATIONS = StoreTable(
    "proxy_correlations",
    SUMMARIES_SQL,
    version=4,
    migrations=(
        StoreTable.add_columns("proxy_correlations", ("proxy_version", "TEXT NOT NULL DEFAULT '1'")),
        StoreTable.add_columns("proxy_correlations", ("images_stand_in", "INTEGER")),
        StoreTable.rebuild("proxy_correlations", SUMMARIES_SQL),
    ),
    core_columns=frozenset(_FIRST_SUMMARIES),
)
TABLES = (PROXY_SCORES, PROXY_CORRELATIONS)


@dataclass(frozen=True)
class ScoreKey:
    """Everything but the arch and proxy that a score depends on."""

    space: str
    images: str
    batch_size: int
    seed: int
    #: the space's configuration (``nasbench.keys.space_config`` as JSON): a score is reused only
    #: for the same; None = not checked (and stored as NULL)
    space_config: str | None = None
    #: whether rows stored before ``space_config`` existed (NULL) fit this space: it has
    #: version "1" and its default settings, as every space had then
    legacy_ok: bool = True


@dataclass
class ProxyScore:
    """One proxy's verdict on one arch, as a worker returns it and the cache stores it."""

    proxy: str
    status: str  # "ok" | "failed"
    score: float = math.nan
    failure: str | None = None
    seconds: float = 0.0
    peak_memory_bytes: int = 0
    memory_device: str = "cpu"
    attempts: int = 1
    version: str = "1"  # of the proxy that computed it (``components.proxy_version``)


class ScoreCache:
    """Opens the store file (through the store, which creates or migrates the tables) and
    reads/writes proxy scores."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.conn = connect_store(self.path, TABLES)  # checks, migrations, WAL, busy timeout

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> ScoreCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def lookup(self, key: ScoreKey, proxy: str, archs: list[str], version: str = "1") -> dict[str, ProxyScore]:
        """The stored successful scores of ``proxy`` at ``version`` for those of ``archs`` that have one."""
        found: dict[str, ProxyScore] = {}
        for start in range(0, len(archs), 500):
            chunk = archs[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            config = ""
            params: tuple[Any, ...] = ()
            if key.space_config is not None:
                config = " AND (space_config=? OR (space_config IS NULL AND ?))"
                params = (key.space_config, int(key.legacy_ok))
            rows = self.conn.execute(
                "SELECT * FROM proxy_scores WHERE space=? AND proxy=? AND images=? AND batch_size=? AND seed=?"
                f" AND proxy_version=? AND status='ok'{config} AND arch IN ({marks})",
                (key.space, proxy, key.images, key.batch_size, key.seed, version, *params, *chunk),
            )
            for r in rows:
                found[r["arch"]] = _from_row(r)
        return found

    def put(self, key: ScoreKey, arch: str, result: ProxyScore) -> None:
        """Insert or replace one score, committed at once (a crash loses nothing already stored)."""
        score = None if math.isnan(result.score) else result.score
        with self.conn:
            self.conn.execute(
                "INSERT OR REPLACE INTO proxy_scores (space, arch, proxy, images, batch_size, seed, status, score,"
                " failure, seconds, peak_memory_bytes, memory_device, attempts, proxy_version, space_config)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    key.space,
                    arch,
                    result.proxy,
                    key.images,
                    key.batch_size,
                    key.seed,
                    result.status,
                    score,
                    result.failure,
                    result.seconds,
                    result.peak_memory_bytes,
                    result.memory_device,
                    result.attempts,
                    result.version,
                    key.space_config,
                ),
            )

    def count(self, status: str | None = None) -> int:
        if status is None:
            return int(self.conn.execute("SELECT COUNT(*) FROM proxy_scores").fetchone()[0])
        return int(self.conn.execute("SELECT COUNT(*) FROM proxy_scores WHERE status=?", (status,)).fetchone()[0])

    def put_summary(self, row: dict[str, Any]) -> None:
        values = tuple(_finite_or_none(row.get(c)) for c in SUMMARY_COLUMNS)
        marks = ", ".join("?" for _ in SUMMARY_COLUMNS)
        with self.conn:
            self.conn.execute(
                f"INSERT OR REPLACE INTO proxy_correlations ({', '.join(SUMMARY_COLUMNS)}) VALUES ({marks})", values
            )


def _from_row(r: sqlite3.Row) -> ProxyScore:
    return ProxyScore(
        proxy=r["proxy"],
        status=r["status"],
        score=math.nan if r["score"] is None else float(r["score"]),
        failure=r["failure"],
        seconds=float(r["seconds"] or 0.0),
        peak_memory_bytes=int(r["peak_memory_bytes"] or 0),
        memory_device=r["memory_device"] or "cpu",
        attempts=int(r["attempts"]),
        version=r["proxy_version"],
    )


def _finite_or_none(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
