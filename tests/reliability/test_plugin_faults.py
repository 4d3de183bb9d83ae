"""A plugin that raises, returns NaN or hangs fails its own trial: the row is stored with the
reason and the run goes on to the next seed."""

from __future__ import annotations

import sqlite3
import time

import pytest

from nasbench import runner
from nasbench.errors import EXIT_TRIALS_FAILED
from nasbench.registry import Registry
from nasbench.store import Store
from nasbench.testing import random_images

TOY = ["--space", "toy", "--dataset", "toy", "--strategy", "independent"]


def _rows(store):
    with sqlite3.connect(store) as conn:
        return conn.execute("SELECT seed, status, failure FROM trials ORDER BY seed").fetchall()


def _proxy_run(faulty_pm, proxy: str, store, timeout: float = 0.0):
    prepared = runner.prepare(
        Registry(faulty_pm),
        space="toy",
        dataset="toy",
        scorer="zc-pt",
        proxy=proxy,
        strategy="independent",
        settings={"batch_size": 4},
        images=random_images(n=16),
    )
    prepared.trial_timeout = timeout
    with Store(store) as st:
        return runner.run(prepared, [0, 1], st)


def test_a_scorer_that_raises_is_a_failed_row_with_its_reason(cli, tmp_path):
    store = tmp_path / "s.sqlite"
    cli(["run", *TOY, "--scorer", "fail-odd", "--seeds", "0-2", "--store", store])
    assert _rows(store) == [
        (0, "ok", None),
        (1, "failed", "RuntimeError: scorer blew up on seed 1"),
        (2, "ok", None),
    ]


def test_a_proxy_that_raises_is_a_failed_row_with_its_reason(faulty_pm, tmp_path):
    results = _proxy_run(faulty_pm, "raise-proxy", tmp_path / "s.sqlite")
    assert [r.status for r in results] == ["failed", "failed"]
    assert [r[2] for r in _rows(tmp_path / "s.sqlite")] == ["ValueError: proxy blew up"] * 2


def test_a_scorer_that_returns_nan_for_every_op_fails_the_trial(cli, tmp_path):
    store = tmp_path / "s.sqlite"
    result = cli(["run", *TOY, "--scorer", "nan-scorer", "--seeds", "0-1", "--store", store])
    assert result.exit_code == EXIT_TRIALS_FAILED
    for _seed, status, failure in _rows(store):
        assert status == "failed"
        assert failure.startswith("PluginFault: nan-scorer scored every op of edge")


def test_a_proxy_that_returns_nan_fails_the_trial_and_names_the_proxy(faulty_pm, tmp_path):
    results = _proxy_run(faulty_pm, "nan-proxy", tmp_path / "s.sqlite")
    assert [r.status for r in results] == ["failed", "failed"]
    assert "zc-pt with proxy nan-proxy scored every op of edge" in results[0].failure


def test_a_hanging_scorer_is_stopped_by_the_trial_timeout_and_the_run_goes_on(cli, tmp_path):
    store = tmp_path / "s.sqlite"
    start = time.monotonic()
    args = ["run", *TOY, "--scorer", "hang", "--seeds", "0-1", "--trial-timeout", "0.5", "--store", store]
    result = cli(args)
    assert time.monotonic() - start < 30
    assert result.exit_code == EXIT_TRIALS_FAILED
    assert [(s, st) for s, st, _ in _rows(store)] == [(0, "failed"), (1, "failed")]
    assert "trial exceeded its 0.5 s limit" in _rows(store)[1][2]


def test_a_hanging_proxy_is_stopped_by_the_trial_timeout(faulty_pm, tmp_path):
    start = time.monotonic()
    results = _proxy_run(faulty_pm, "hang-proxy", tmp_path / "s.sqlite", timeout=0.5)
    assert time.monotonic() - start < 30
    assert [r.status for r in results] == ["failed", "failed"]
    assert results[0].failure == "TrialTimeout: trial exceeded its 0.5 s limit (--trial-timeout)"


def test_a_trial_within_its_timeout_is_untouched(cli, tmp_path):
    store = tmp_path / "s.sqlite"
    args = ["run", *TOY, "--scorer", "best-acc", "--trial-timeout", "30", "--store", store]
    assert cli(args).exit_code == 0
    assert _rows(store) == [(0, "ok", None)]


@pytest.mark.parametrize("value", ["-1", "soon"])
def test_a_bad_trial_timeout_is_a_usage_error(cli, tmp_path, value):
    result = cli(["run", *TOY, "--scorer", "best-acc", "--trial-timeout", value, "--store", tmp_path / "s.sqlite"])
    assert result.exit_code == 2
    assert not (tmp_path / "s.sqlite").exists()


def test_suite_run_applies_the_trial_timeout_to_every_cell(cli, tmp_path):
    suite = tmp_path / "hang.toml"
    suite.write_text(
        '[suite]\nname = "h"\nseeds = "0"\n[defaults]\nspace = "toy"\ndataset = "toy"\nstrategy = "independent"\n'
        '[[cells]]\nname = "hangs"\nscorer = "hang"\n'
        'checks = [{ metric = "rank", paper = 1, tolerance = 0, quick = true }]\n'
    )
    store = tmp_path / "s.sqlite"
    result = cli(["suite", "run", suite, "--quick", "--trial-timeout", "0.5", "--store", store])
    assert result.exit_code == EXIT_TRIALS_FAILED
    assert "exceeded its 0.5 s limit" in _rows(store)[0][2]
