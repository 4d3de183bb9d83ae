"""The proxy score cache: exact round trips, failures not reused, keys kept apart."""

from __future__ import annotations

import math
import sqlite3

from nasbench.store import Store
from nasbench_plugins.correlate.scorecache import SCORES_SQL, ProxyScore, ScoreCache, ScoreKey, precision_of

KEY = ScoreKey("nb201", "cifar10:1000:c10:abc", 64, 0)


def test_scores_round_trip_including_nan_and_minus_inf(tmp_path):
    with ScoreCache(tmp_path / "s.sqlite") as cache:
        cache.put(KEY, "a", ProxyScore("nwot", "ok", 1.25, seconds=0.5, peak_memory_bytes=10))
        cache.put(KEY, "b", ProxyScore("nwot", "ok", math.nan))
        cache.put(KEY, "c", ProxyScore("nwot", "ok", -math.inf))
        found = cache.lookup(KEY, "nwot", ["a", "b", "c", "d"])
    assert found["a"].score == 1.25 and found["a"].seconds == 0.5 and found["a"].peak_memory_bytes == 10
    assert math.isnan(found["b"].score) and found["c"].score == -math.inf
    assert "d" not in found


def test_failed_scores_are_not_reused(tmp_path):
    with ScoreCache(tmp_path / "s.sqlite") as cache:
        cache.put(KEY, "a", ProxyScore("nwot", "failed", failure="boom"))
        assert cache.lookup(KEY, "nwot", ["a"]) == {}
        assert cache.count("failed") == 1


def test_other_seed_batch_or_images_do_not_hit(tmp_path):
    with ScoreCache(tmp_path / "s.sqlite") as cache:
        cache.put(KEY, "a", ProxyScore("nwot", "ok", 2.0))
        for other in (
            ScoreKey("nb201", KEY.images, 64, 1),
            ScoreKey("nb201", KEY.images, 32, 0),
            ScoreKey("nb201", "cifar100:x", 64, 0),
        ):
            assert cache.lookup(other, "nwot", ["a"]) == {}
        assert cache.lookup(KEY, "synflow", ["a"]) == {}


def test_cache_shares_the_file_with_the_trials_store(tmp_path):
    path = tmp_path / "nasbench.sqlite"
    with Store(path) as store:
        store.rows()
    with ScoreCache(path) as cache:
        cache.put(KEY, "a", ProxyScore("nwot", "ok", 3.0))
    with Store(path) as store, ScoreCache(path) as cache:
        assert store.rows() == [] and cache.lookup(KEY, "nwot", ["a"])["a"].score == 3.0


def test_a_score_is_reused_only_by_the_proxy_version_that_computed_it(tmp_path):
    with ScoreCache(tmp_path / "s.sqlite") as cache:
        cache.put(KEY, "a", ProxyScore("nwot", "ok", 2.0, version="1"))
        assert cache.lookup(KEY, "nwot", ["a"], version="1")["a"].version == "1"
        assert cache.lookup(KEY, "nwot", ["a"], version="2") == {}
        cache.put(KEY, "a", ProxyScore("nwot", "ok", 3.0, version="2"))
        assert cache.lookup(KEY, "nwot", ["a"], version="2")["a"].score == 3.0
        assert cache.lookup(KEY, "nwot", ["a"], version="1")["a"].score == 2.0  # kept, never reused as v2
        assert cache.count() == 2


def test_bf16_scores_are_kept_beside_the_fp32_scores_of_the_same_arch(tmp_path):
    with ScoreCache(tmp_path / "s.sqlite") as cache:
        cache.put(KEY, "a", ProxyScore("nwot", "ok", 2.0, version="1"))
        cache.put(KEY, "a", ProxyScore("nwot", "ok", 2.5, version="1+bf16"))
        assert cache.lookup(KEY, "nwot", ["a"], version="1")["a"].score == 2.0
        assert cache.lookup(KEY, "nwot", ["a"], version="1+bf16")["a"].score == 2.5


def test_a_bf16_summary_does_not_replace_the_fp32_summary_of_the_same_study(tmp_path):
    study = {"space": "nb201", "benchmark": "nb201", "dataset": "cifar10", "proxy": "nwot", "images": KEY.images}
    study |= {"batch_size": 64, "seed": 0, "sample": "random:100"}
    with ScoreCache(tmp_path / "s.sqlite") as cache:
        cache.put_summary(study | {"spearman": 0.80, "proxy_version": "1"})
        cache.put_summary(study | {"spearman": 0.79, "proxy_version": "1+bf16"})
        cache.put_summary(study | {"spearman": 0.81, "proxy_version": "1"})  # the fp32 study again: replaced
        rows = cache.conn.execute("SELECT proxy_version, spearman FROM proxy_correlations ORDER BY 1").fetchall()
    assert [tuple(r) for r in rows] == [("1", 0.81), ("1+bf16", 0.79)]
    assert [precision_of(v) for v, _ in rows] == ["fp32", "bf16"]


def test_a_table_3_store_is_rebuilt_with_the_version_in_its_key_and_keeps_its_scores(tmp_path):
    path = tmp_path / "v3.sqlite"
    with ScoreCache(path) as cache:
        cache.put(KEY, "a", ProxyScore("nwot", "ok", 2.0, version="1"))
    with sqlite3.connect(path) as conn:  # back to table version 3: the key without proxy_version
        conn.execute("ALTER TABLE proxy_scores RENAME TO v4")
        conn.execute(
            SCORES_SQL.replace("seed, proxy_version)", "seed)").replace("IF NOT EXISTS ", "").strip().rstrip(";")
        )
        conn.execute("INSERT INTO proxy_scores SELECT * FROM v4")
        conn.execute("DROP TABLE v4")
        conn.execute("UPDATE nasbench_tables SET version=3 WHERE name='proxy_scores'")
    with ScoreCache(path) as cache:
        cache.put(KEY, "a", ProxyScore("nwot", "ok", 2.5, version="1+bf16"))
        assert cache.lookup(KEY, "nwot", ["a"], version="1")["a"].score == 2.0
        assert cache.count() == 2


def test_a_store_from_before_proxy_versions_is_upgraded_and_keeps_its_scores(tmp_path):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as conn:  # proxy_scores as nasbench wrote it before proxy versions
        conn.execute(
            "CREATE TABLE proxy_scores (space TEXT NOT NULL, arch TEXT NOT NULL, proxy TEXT NOT NULL,"
            " images TEXT NOT NULL, batch_size INTEGER NOT NULL, seed INTEGER NOT NULL, status TEXT NOT NULL,"
            " score REAL, failure TEXT, seconds REAL, peak_memory_bytes INTEGER, memory_device TEXT,"
            " attempts INTEGER NOT NULL DEFAULT 1, finished_at TEXT NOT NULL DEFAULT (datetime('now')),"
            " PRIMARY KEY (space, arch, proxy, images, batch_size, seed))"
        )
        conn.execute(
            "INSERT INTO proxy_scores (space, arch, proxy, images, batch_size, seed, status, score)"
            " VALUES (?,?,?,?,?,?,?,?)",
            (KEY.space, "a", "nwot", KEY.images, KEY.batch_size, KEY.seed, "ok", 4.5),
        )
    with ScoreCache(path) as cache:
        assert cache.lookup(KEY, "nwot", ["a"], version="1")["a"].score == 4.5
        assert cache.lookup(KEY, "nwot", ["a"], version="2") == {}
