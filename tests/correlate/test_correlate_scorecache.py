"""The proxy score cache: exact round trips, failures not reused, keys kept apart."""

from __future__ import annotations

import math

from nasbench.scorecache import ProxyScore, ScoreCache, ScoreKey
from nasbench.store import Store

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
