"""The store file's one owner: schema versions recorded in the file, migrations on open (tested
on files written in the old layouts with raw sqlite3), newer files refused with one line."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest
from click.testing import CliRunner

from nasbench.cli import make_cli
from nasbench.errors import DataError
from nasbench.store import META_TABLE, SCHEMA_VERSION, Store, Table, open_store
from nasbench_plugins.correlate.scorecache import PROXY_SCORES, ProxyScore, ScoreCache, ScoreKey

KEY = ScoreKey("nb201", "cifar10:1000:c10:abc", 64, 0)
SPEC_AND_METRICS = (
    "space TEXT, benchmark TEXT, dataset TEXT, scorer TEXT, proxy TEXT, strategy TEXT, device_type TEXT, arch TEXT,"
    " test_accuracy REAL, test_error REAL, rank REAL, num_archs REAL, percentile REAL, edge_spearman_initial REAL,"
    " edge_spearman_initial_avg_acc REAL, edge_spearman_progressive REAL, edge_spearman_progressive_avg_acc REAL,"
    " search_seconds REAL, peak_memory_bytes REAL, memory_device TEXT, forward_passes REAL"
)
#: ``trials`` exactly as every nasbench before versions wrote it (it never gained a column)
OLD_TRIALS = (
    "CREATE TABLE IF NOT EXISTS trials (id INTEGER PRIMARY KEY AUTOINCREMENT, run_key TEXT NOT NULL,"
    f" seed INTEGER NOT NULL, status TEXT NOT NULL, failure TEXT, {SPEC_AND_METRICS}, settings TEXT NOT NULL,"
    " protocol TEXT NOT NULL, extra TEXT NOT NULL, finished_at TEXT NOT NULL DEFAULT (datetime('now')),"
    " UNIQUE (run_key, seed))"
)
#: ``proxy_scores`` after proxy versions, before ``space_config`` (as 380e3b4..11b6f78 wrote it)
OLD_SCORES = (
    "CREATE TABLE IF NOT EXISTS proxy_scores (space TEXT NOT NULL, arch TEXT NOT NULL, proxy TEXT NOT NULL,"
    " images TEXT NOT NULL, batch_size INTEGER NOT NULL, seed INTEGER NOT NULL, status TEXT NOT NULL, score REAL,"
    " failure TEXT, seconds REAL, peak_memory_bytes INTEGER, memory_device TEXT, attempts INTEGER NOT NULL"
    " DEFAULT 1, finished_at TEXT NOT NULL DEFAULT (datetime('now')), proxy_version TEXT NOT NULL DEFAULT '1',"
    " PRIMARY KEY (space, arch, proxy, images, batch_size, seed))"
)
#: ``proxy_correlations`` of the first release (no proxy_version, no images_stand_in)
OLD_SUMMARIES = (
    "CREATE TABLE IF NOT EXISTS proxy_correlations (space TEXT NOT NULL, benchmark TEXT NOT NULL, dataset TEXT NOT"
    " NULL, proxy TEXT NOT NULL, images TEXT NOT NULL, batch_size INTEGER NOT NULL, seed INTEGER NOT NULL, sample"
    " TEXT NOT NULL, n INTEGER, n_nan INTEGER, n_failed INTEGER, spearman REAL, kendall REAL, top10 REAL, top50"
    " REAL, top100 REAL, archs_per_second REAL, peak_memory_bytes INTEGER, memory_device TEXT, images_note TEXT,"
    " finished_at TEXT NOT NULL DEFAULT (datetime('now')),"
    " PRIMARY KEY (space, benchmark, dataset, proxy, images, batch_size, seed, sample))"
)


def old_store(path, user_version=1, trials=True):
    """A store as the code before schema versions left it: trials (user_version 1, as Store set it)
    and the score tables in older layouts; without trials a correlate-only file (user_version 0)."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        if trials:
            conn.execute(OLD_TRIALS)
            for seed in (0, 1):
                conn.execute(
                    "INSERT INTO trials (run_key, seed, status, space, arch, test_error, settings, protocol, extra)"
                    " VALUES ('k', ?, 'ok', 'toy', 'a,b,c', ?, '{}', '{}', '{}')",
                    (seed, 5.0 + seed),
                )
        conn.execute(OLD_SCORES)
        conn.execute(OLD_SUMMARIES)
        for arch, score in (("a", 4.5), ("b", None)):
            conn.execute(
                "INSERT INTO proxy_scores (space, arch, proxy, images, batch_size, seed, status, score)"
                " VALUES (?,?,?,?,?,?,?,?)",
                (KEY.space, arch, "nwot", KEY.images, KEY.batch_size, KEY.seed, "ok", score),
            )
        conn.execute(
            "INSERT INTO proxy_correlations (space, benchmark, dataset, proxy, images, batch_size, seed, sample,"
            " spearman) VALUES ('nb201', 'nb201', 'cifar10', 'nwot', 'x', 64, 0, 'all', 0.75)"
        )
        conn.execute(f"PRAGMA user_version={user_version}")
    conn.close()


def versions(path):
    with sqlite3.connect(path) as conn:
        file_version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = dict(conn.execute(f"SELECT name, version FROM {META_TABLE}").fetchall())
        columns = [r[1] for r in conn.execute("PRAGMA table_info(proxy_scores)")]
    conn.close()
    return file_version, tables, columns


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("user_version, trials", [(1, True), (0, False)], ids=["with-trials", "correlate-only"])
def test_an_old_store_is_migrated_on_open_and_keeps_every_row(tmp_path, user_version, trials):
    path = tmp_path / "old.sqlite"
    old_store(path, user_version, trials)
    with Store(path) as store:
        rows = store.rows()
    assert [(r["seed"], r["test_error"]) for r in rows] == ([(0, 5.0), (1, 6.0)] if trials else [])
    with ScoreCache(path) as cache:
        found = cache.lookup(KEY, "nwot", ["a", "b"], version="1")
        summary = cache.conn.execute("SELECT spearman, proxy_version, images_stand_in FROM proxy_correlations")
        assert [tuple(r) for r in summary] == [(0.75, "1", None)]
    assert found["a"].score == 4.5 and found["b"].score != found["b"].score  # NULL = NaN, kept
    file_version, tables, columns = versions(path)
    assert file_version == SCHEMA_VERSION
    assert tables == {"trials": 1, "proxy_scores": 4, "proxy_correlations": 4}
    assert columns[-2:] == ["proxy_version", "space_config"]


def test_migrating_twice_is_a_no_op(tmp_path):
    path = tmp_path / "old.sqlite"
    old_store(path)
    with Store(path), ScoreCache(path):
        pass
    before = digest(path)
    with Store(path) as store, ScoreCache(path) as cache:
        store.rows()
        cache.count()
    assert digest(path) == before


def test_a_new_store_is_created_at_the_current_versions_and_reopened_without_a_write(tmp_path):
    path = tmp_path / "new.sqlite"
    with ScoreCache(path) as cache:
        cache.put(KEY, "a", ProxyScore("nwot", "ok", 1.0))
    with Store(path):
        pass
    assert versions(path)[:2] == (SCHEMA_VERSION, {"trials": 1, "proxy_scores": 4, "proxy_correlations": 4})
    before = digest(path)
    with ScoreCache(path), Store(path):
        pass
    assert digest(path) == before


def test_a_file_of_a_newer_schema_is_refused_with_one_line_by_the_cli(tmp_path):
    path = tmp_path / "future.sqlite"
    with Store(path):
        pass
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.close()
    before = digest(path)
    result = CliRunner().invoke(make_cli(), ["report", "--store", str(path)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines == [f"Error: {path} was written by a newer nasbench (schema {SCHEMA_VERSION + 1}); upgrade nasbench"]
    assert digest(path) == before


def test_a_table_of_a_newer_version_is_refused_before_anything_is_written(tmp_path):
    path = tmp_path / "s.sqlite"
    with ScoreCache(path):
        pass
    with sqlite3.connect(path) as conn:
        conn.execute(f"UPDATE {META_TABLE} SET version=5 WHERE name='proxy_scores'")
    conn.close()
    before = digest(path)
    with pytest.raises(DataError, match="table proxy_scores at schema 5, written by a newer nasbench"):
        ScoreCache(path)
    assert digest(path) == before


def test_a_plugin_table_runs_its_migrations_in_order_once(tmp_path):
    path = tmp_path / "s.sqlite"
    calls = []

    def step(k):
        def migrate(conn):
            calls.append(k)
            conn.execute(f"ALTER TABLE notes ADD COLUMN c{k} TEXT")

        return migrate

    v1 = Table("notes", "CREATE TABLE IF NOT EXISTS notes (a TEXT)", core_columns=frozenset({"a"}))
    open_store(path, [v1]).close()
    v3 = Table("notes", "CREATE TABLE IF NOT EXISTS notes (a TEXT, c1 TEXT, c2 TEXT)", 3, (step(1), step(2)))
    open_store(path, [v3]).close()
    open_store(path, [v3]).close()
    assert calls == [1, 2]
    with sqlite3.connect(path) as conn:
        assert [r[1] for r in conn.execute("PRAGMA table_info(notes)")] == ["a", "c1", "c2"]
    conn.close()
    with pytest.raises(ValueError, match="needs 2 migrations"):
        Table("notes", "", version=3)


def test_a_rebuild_migration_gives_a_table_a_new_primary_key_and_keeps_every_row(tmp_path):
    path = tmp_path / "s.sqlite"
    v1 = Table("notes", "CREATE TABLE IF NOT EXISTS notes (a TEXT PRIMARY KEY, b TEXT)", core_columns=frozenset({"a"}))
    conn = open_store(path, [v1])
    with conn:
        conn.executemany("INSERT INTO notes VALUES (?, ?)", [("x", "1"), ("y", "2")])
    conn.close()
    wider = "CREATE TABLE IF NOT EXISTS notes (b TEXT, a TEXT, PRIMARY KEY (a, b))"
    open_store(path, [Table("notes", wider, 2, (Table.rebuild("notes", wider),))]).close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO notes (a, b) VALUES ('x', '3')")  # a alone is no longer the key
        assert sorted(conn.execute("SELECT a, b FROM notes")) == [("x", "1"), ("x", "3"), ("y", "2")]
    conn.close()


def test_a_failed_migration_leaves_the_file_as_it_was(tmp_path):
    path = tmp_path / "old.sqlite"
    old_store(path)

    def broken(conn):
        conn.execute("ALTER TABLE proxy_scores ADD COLUMN half_done TEXT")
        raise sqlite3.OperationalError("disk on fire")

    table = Table("proxy_scores", "", 2, (broken,), PROXY_SCORES.core_columns)
    with pytest.raises(DataError, match="cannot bring .* up to this nasbench's store schema .disk on fire"):
        open_store(path, [table])
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert "half_done" not in [r[1] for r in conn.execute("PRAGMA table_info(proxy_scores)")]
    conn.close()


def test_processes_opening_an_old_store_at_once_migrate_it_once(tmp_path):
    """Each opener re-reads the versions under the write lock: the second finds nothing to do."""
    import threading

    from nasbench.store import TRIALS
    from nasbench_plugins.correlate.scorecache import TABLES

    path = tmp_path / "old.sqlite"
    old_store(path)
    start, errors = threading.Barrier(4), []

    def opener():
        start.wait()
        try:
            open_store(path, [TRIALS, *TABLES]).close()
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert versions(path)[:2] == (SCHEMA_VERSION, {"trials": 1, "proxy_scores": 4, "proxy_correlations": 4})
    with Store(path) as store:
        assert len(store.rows()) == 2


def test_reporting_reads_without_writing_and_refuses_a_newer_file(tmp_path):
    """read_store: what report commands use; an old file stays byte-identical, a newer one is one line."""
    import sqlite3

    import pytest

    from nasbench.errors import DataError
    from nasbench.store import SCHEMA_VERSION, read_store

    old = tmp_path / "old.sqlite"
    sqlite3.connect(old).execute("CREATE TABLE proxy_correlations (space TEXT)").connection.commit()
    before = old.read_bytes()
    conn = read_store(old)
    assert [r["name"] for r in conn.execute("SELECT name FROM sqlite_master")] == ["proxy_correlations"]
    conn.close()
    assert old.read_bytes() == before
    newer = tmp_path / "newer.sqlite"
    sqlite3.connect(newer).execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(DataError, match="written by a newer nasbench"):
        read_store(newer)
