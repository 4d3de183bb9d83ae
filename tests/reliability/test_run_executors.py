"""``nasbench run --workers N``: each seed a job on the executor layer, the store written by the
parent alone; the same rows as a serial run, and a seed whose worker dies is a failed row."""

from __future__ import annotations

import json

import pytest
import run_pool_plugin
from click.testing import CliRunner

from nasbench import runner
from nasbench.cli import make_cli
from nasbench.errors import BadInput
from nasbench.executors import make_executor
from nasbench.hookspecs import hookimpl
from nasbench.plugins import get_plugin_manager
from nasbench.store import Store
from nasbench.testing import random_images

TOY = ["run", "--space", "toy", "--dataset", "toy", "--strategy", "independent", "--seeds", "0-3"]
#: what may differ between two runs of the same spec: time, memory, and where it ran
VARIES = {"id", "search_seconds", "peak_memory_bytes", "finished_at", "protocol"}


class Recorder:
    def __init__(self):
        self.events = []

    @hookimpl
    def nasbench_run_start(self, spec, seeds):
        self.events.append(("start", tuple(seeds)))

    @hookimpl
    def nasbench_trial_result(self, result):
        self.events.append(("trial", result.seed))

    @hookimpl
    def nasbench_run_end(self, spec, results):
        self.events.append(("end", len(results)))


def pool_cli():
    pm = get_plugin_manager()
    pm.register(run_pool_plugin)
    recorder = Recorder()
    pm.register(recorder, name="recorder")
    return make_cli(pm), recorder


def comparable(path):
    with Store(path) as store:
        rows = store.rows()
    for row in rows:
        row["extra"].pop("memory", None)
    return {r["seed"]: {k: v for k, v in r.items() if k not in VARIES} for r in rows}


@pytest.mark.slow
def test_a_pool_run_stores_the_rows_a_serial_run_stores(tmp_path):
    serial, pooled = tmp_path / "serial.sqlite", tmp_path / "pooled.sqlite"
    cli, _ = pool_cli()
    one = CliRunner().invoke(cli, [*TOY, "--scorer", "slow-oracle", "--store", serial, "--json"])
    cli, recorder = pool_cli()
    two = CliRunner().invoke(cli, [*TOY, "--scorer", "slow-oracle", "--store", pooled, "--json", "--workers", "2"])
    assert one.exit_code == 0 and two.exit_code == 0, one.output + two.output
    assert comparable(serial) == comparable(pooled) and len(comparable(serial)) == 4
    lines = [json.loads(line) for line in two.output.splitlines()]
    assert sorted(line["seed"] for line in lines) == [0, 1, 2, 3]
    # the hooks run in the parent, one call per stored seed
    assert recorder.events[0] == ("start", (0, 1, 2, 3)) and recorder.events[-1] == ("end", 4)
    assert sorted(e[1] for e in recorder.events if e[0] == "trial") == [0, 1, 2, 3]
    again = CliRunner().invoke(cli, [*TOY, "--scorer", "slow-oracle", "--store", pooled, "--workers", "2"])
    assert again.output.count("already in the store") == 4


@pytest.mark.slow
def test_a_seed_whose_worker_dies_is_retried_once_then_stored_as_failed(tmp_path):
    store = tmp_path / "s.sqlite"
    cli, _ = pool_cli()
    result = CliRunner().invoke(cli, [*TOY, "--scorer", "die-on-2", "--store", store, "--workers", "2"])
    assert result.exit_code == 3, result.output
    assert "seed 2: FAILED - worker died (exit code 9) on each of 2 attempts" in result.output
    with Store(store) as s:
        rows = {r["seed"]: r for r in s.rows()}
    assert {seed: r["status"] for seed, r in rows.items()} == {0: "ok", 1: "ok", 2: "failed", 3: "ok"}
    assert rows[2]["extra"]["crashed"] and rows[2]["extra"]["attempts"] == 2


def test_a_run_prepared_with_its_own_images_runs_only_here(tmp_path, nasbench_registry, toy_plugin):
    prepared = runner.prepare(
        nasbench_registry, space="toy", dataset="toy", scorer="best-acc", strategy="independent", images=random_images()
    )
    assert prepared.prepare_args is None
    with Store(tmp_path / "s.sqlite") as store, pytest.raises(BadInput, match="runs only in this process"):
        runner.run(prepared, [0], store, executor=make_executor("process", 2))


def test_prepare_args_rebuild_the_same_run(nasbench_registry, toy_plugin):
    prepared = runner.prepare(nasbench_registry, space="toy", dataset="toy", scorer="best-acc", strategy="independent")
    again = runner.prepare(nasbench_registry, **prepared.prepare_args)
    assert again.run_key == prepared.run_key and again.spec == prepared.spec


@pytest.mark.slow
def test_the_trial_timeout_holds_in_pool_workers(tmp_path):
    cli, _ = pool_cli()
    args = [*TOY, "--seeds", "0-1", "--scorer", "hang", "--trial-timeout", "0.5", "--workers", "2"]
    result = CliRunner().invoke(cli, [*args, "--store", tmp_path / "s.sqlite"])
    assert result.exit_code == 3, result.output
    assert result.output.count("FAILED - TrialTimeout: trial exceeded its 0.5 s limit") == 2
