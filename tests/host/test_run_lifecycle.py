"""Running trials: failures are recorded and the run goes on; finished seeds are kept."""

import math

import pytest

from nasbench import runner
from nasbench.errors import BadInput, UnknownName
from nasbench.hookspecs import hookimpl
from nasbench.store import Store
from nasbench.testing import random_images


class ExplodingScorer:
    """Raises on seed 1 only, to show one failed trial does not stop the others."""

    name = "explode-on-1"
    needs_proxy = False
    needs_images = False
    settings: dict = {}

    def score_edge(self, ctx, decisions, edge):
        if ctx.seed == 1:
            raise RuntimeError("boom")
        return ctx.oracle(decisions, edge)["best-acc"]


class NaNProxy:
    """Every other call is NaN: the host must not let NaN win an argmax."""

    name = "half-nan"
    needs_labels = False
    settings: dict = {}

    def __init__(self):
        self.calls = 0

    def score(self, net, inputs, targets, generator):
        self.calls += 1
        return math.nan if self.calls % 2 else float(self.calls)


class TestPlugin:
    @hookimpl
    def nasbench_register_scorers(self, register):
        register(ExplodingScorer())

    @hookimpl
    def nasbench_register_proxies(self, register):
        register(NaNProxy())


class Recorder:
    def __init__(self):
        self.events = []

    @hookimpl
    def nasbench_run_start(self, spec, seeds):
        self.events.append(("start", tuple(seeds)))

    @hookimpl
    def nasbench_trial_result(self, result):
        self.events.append(("trial", result.seed, result.status))

    @hookimpl
    def nasbench_run_end(self, spec, results):
        self.events.append(("end", len(results)))


@pytest.fixture
def registry(toy_plugin, register_plugin, nasbench_registry):
    register_plugin(TestPlugin(), name="test-plugin")
    return nasbench_registry


def test_a_raising_scorer_fails_only_its_trial(registry, tmp_path):
    prepared = runner.prepare(registry, space="toy", dataset="toy", scorer="explode-on-1", strategy="independent")
    with Store(tmp_path / "s.sqlite") as store:
        results = runner.run(prepared, [0, 1, 2], store)
        rows = store.rows()
    assert [r.status for r in results] == ["ok", "failed", "ok"]
    assert results[1].failure == "RuntimeError: boom"
    assert [r["status"] for r in rows] == ["ok", "failed", "ok"]
    assert "Traceback" in rows[1]["extra"]["traceback"]


def test_lifecycle_hooks_see_every_trial(registry, register_plugin, tmp_path):
    rec = register_plugin(Recorder(), name="recorder")
    prepared = runner.prepare(registry, space="toy", dataset="toy", scorer="best-acc", strategy="independent")
    with Store(tmp_path / "s.sqlite") as store:
        runner.run(prepared, [0, 1], store, hook=registry.pm.hook)
    assert rec.events == [("start", (0, 1)), ("trial", 0, "ok"), ("trial", 1, "ok"), ("end", 2)]


def test_finished_seeds_are_skipped_unless_forced(registry, tmp_path):
    prepared = runner.prepare(registry, space="toy", dataset="toy", scorer="best-acc", strategy="independent")
    with Store(tmp_path / "s.sqlite") as store:
        assert len(runner.run(prepared, [0, 1], store)) == 2
        assert runner.run(prepared, [0, 1, 2], store)[0].seed == 2
        assert len(runner.run(prepared, [0, 1, 2], store, force=True)) == 3
        assert len(store.rows()) == 3


def test_an_interrupted_run_keeps_its_finished_trials(registry, tmp_path, monkeypatch):
    prepared = runner.prepare(registry, space="toy", dataset="toy", scorer="best-acc", strategy="independent")
    real = runner.run_trial

    def interrupt_on_seed_1(prep, seed):
        if seed == 1:
            raise KeyboardInterrupt
        return real(prep, seed)

    monkeypatch.setattr(runner, "run_trial", interrupt_on_seed_1)
    with Store(tmp_path / "s.sqlite") as store, pytest.raises(KeyboardInterrupt):
        runner.run(prepared, [0, 1, 2], store)
    with Store(tmp_path / "s.sqlite") as store:
        assert store.finished_seeds(prepared.run_key) == {0}


def test_nan_proxy_scores_never_win(registry, tmp_path):
    prepared = runner.prepare(
        registry,
        space="toy",
        dataset="toy",
        scorer="zc-pt",
        proxy="half-nan",
        strategy="independent",
        settings={"batch_size": 8},
        images=random_images(),
    )
    result = runner.run_trial(prepared, 0)
    assert result.status == "ok"
    for record in result.metrics["extra"]["edge_records"]["initial"]:
        winner = max((v, k) for k, v in record["scores"].items() if not math.isnan(v))[1]
        assert result.metrics["arch"].split(",")[prepared.space.edges.index(record["edge"])] == winner


def test_oracle_runs_are_exact_functions_of_the_table(registry):
    prepared = runner.prepare(
        registry,
        space="toy",
        dataset="toy",
        scorer="best-acc",
        strategy="progressive",
        settings={"proposals": 2, "validation": 0},
    )
    result = runner.run_trial(prepared, 0)
    assert result.metrics["arch"] == "conv3x3,conv3x3,conv3x3"
    assert result.metrics["rank"] == 1
    assert result.metrics["edge_spearman_progressive"] == pytest.approx(1.0)
    assert result.metrics["forward_passes"] == 0


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"space": "nope", "scorer": "best-acc"}, UnknownName, "unknown space 'nope'"),
        ({"space": "toy", "scorer": "best-acc", "dataset": "imagenet"}, BadInput, "unknown dataset 'imagenet'"),
        (
            {"space": "toy", "scorer": "best-acc", "dataset": "toy", "settings": {"proposals": 0}},
            BadInput,
            "proposals=0 must be >= 1",
        ),
        (
            {"space": "toy", "scorer": "best-acc", "dataset": "toy", "settings": {"colour": "red"}},
            BadInput,
            "unknown setting 'colour'",
        ),
        ({"space": "toy", "scorer": "best-acc", "dataset": "toy", "proxy": "nwot"}, BadInput, "uses no proxy"),
    ],
)
def test_bad_specs_fail_before_any_trial(registry, kwargs, error, message):
    with pytest.raises(error, match=message):
        runner.prepare(registry, **kwargs)
