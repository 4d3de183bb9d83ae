"""Runs the trials of a run spec. A failing trial becomes a failed row, never a crash.

Flow: ``prepare`` resolves every name and setting and loads the benchmark (all user errors
surface here, before any trial starts), then ``run`` executes one trial per seed, measures it,
scores the final arch on the benchmark, stores the row and tells the lifecycle hooks. Seeds run
here one after the other, or as jobs on an executor (``nasbench.executors``: process pool, Ray):
a worker rebuilds the registry from the parent's plugin modules, prepares the run again from the
same arguments (``PreparedRun.prepare_args``; the run key must come out the same) and runs its
seed; the parent alone writes the store, as each result arrives.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from nasbench.components import Benchmark, Proxy, Scorer, SearchSpace, Strategy, TrialResult, version_keys
from nasbench.context import SearchContext
from nasbench.errors import BadInput
from nasbench.executors import JobFailed, worker_registry
from nasbench.heap import keep_freed_memory
from nasbench.hostsettings import HOST
from nasbench.images import ImageSet, load_cifar10
from nasbench.journal import ProxyJournal, journal_path, journalled
from nasbench.measure import measure
from nasbench.metrics import edge_spearman, percentile
from nasbench.precision import precision_scope
from nasbench.provenance import protocol
from nasbench.registry import Registry
from nasbench.setting_checks import check_batch_fits
from nasbench.settings import configure_run
from nasbench.store import METRIC_COLUMNS, Store
from nasbench.torchutil import resolve_device
from nasbench.trial_faults import check_scores, deadline

DEFAULT_STRATEGY = "progressive"
#: the scorer of a strategy that declares no ``default_scorer`` (it scores architectures itself)
NO_SCORER = "none"


@dataclass
class PreparedRun:
    """A validated run: the resolved components and the complete, hashable spec."""

    spec: dict[str, Any]
    space: SearchSpace
    benchmark: Benchmark
    scorer: Scorer
    proxy: Proxy | None
    strategy: Strategy
    device: torch.device
    images_loader: Callable[[], ImageSet] | None
    show_progress: bool = False
    #: progress events as JSON lines on stderr (``run --progress-json``); not part of the spec
    progress_json: bool = False
    #: torch threads of each worker process (0: one, the executor's default); not part of the spec
    threads: int = 0
    #: seconds one trial may take before it is stopped and stored as failed (0 = no limit); not
    #: part of the spec: a limit changes whether a trial finishes, never what it computes
    trial_timeout: float = 0.0
    #: folder of the seeds' proxy journals (``nasbench.journal``; "" = none): a seed stopped
    #: part-way continues from its journal; not part of the spec (a replay is the same search)
    journal_dir: str = ""
    #: ``prepare``'s arguments but the registry: what a worker process prepares the run from
    #: (None when images were passed in: such a run runs only in this process)
    prepare_args: dict[str, Any] | None = None
    #: settings declared ``in_key=False``: stored with the trials, left out of the run key
    unkeyed: frozenset[str] = frozenset()
    #: settings declared ``keyed_when_changed``: name -> the default at which it is left out of the key
    keyless_defaults: dict[str, Any] | None = None

    @property
    def run_key(self) -> str:
        """Hash of the spec (settings that cannot change a result left out): a run's identity in the store."""
        keyless = self.keyless_defaults or {}
        settings = {
            k: v
            for k, v in self.spec["settings"].items()
            if k not in self.unkeyed and not (k in keyless and keyless[k] == v)
        }
        spec = dict(self.spec, settings=settings)
        spec.update(version_keys(self.scorer, self.proxy))  # a changed proxy or scorer: new keys
        canonical = json.dumps(spec, sort_keys=True, default=str)
        return hashlib.sha1(canonical.encode()).hexdigest()[:16]


def _default_benchmark(registry: Registry, space: str) -> str:
    for name in registry.names("benchmark"):
        if registry.get("benchmark", name).space == space:
            return name
    raise BadInput(f"no benchmark covers space {space!r}; pass --benchmark (see `nasbench plugins`)")


def _benchmark_of(registry: Registry, space: str, benchmark: str | None, dataset: str) -> tuple[str, Benchmark]:
    """(name, benchmark): the one given, else the first covering ``space``; it must know ``dataset``."""
    name = benchmark or _default_benchmark(registry, space)
    bench: Benchmark = registry.get("benchmark", name)
    if bench.space != space:
        raise BadInput(f"benchmark {name!r} is for space {bench.space!r}, not {space!r}")
    if dataset not in bench.datasets:
        choices = ", ".join(bench.datasets)
        raise BadInput(f"unknown dataset {dataset!r} for benchmark {name!r}; choose one of: {choices}")
    return name, bench


def _proxy_of(registry: Registry, proxy: str | None, scorer: Scorer, strategy: Strategy) -> Proxy | None:
    """The run's proxy: the one given, else the scorer's or strategy's ``default_proxy``."""
    if not (scorer.needs_proxy or getattr(strategy, "needs_proxy", False)):
        if proxy:
            raise BadInput(
                f"scorer {scorer.name!r} with strategy {strategy.name!r} uses no proxy; drop --proxy {proxy}"
            )
        return None
    name = proxy or getattr(scorer, "default_proxy", None) or getattr(strategy, "default_proxy", None)
    if name is None:
        raise BadInput(f"scorer {scorer.name!r} with strategy {strategy.name!r} needs a proxy; pass --proxy")
    return registry.get("proxy", name)


def _images_loader(images: ImageSet | None, data_dir: str | None, settings: dict[str, Any]) -> Callable[[], ImageSet]:
    """The run's training images, loaded once, now: missing or corrupt images, or a ``batch_size``
    larger than them, fail the command, not every trial."""
    loaded = images if images is not None else load_cifar10("train", data_dir)
    check_batch_fits(settings, loaded)
    return lambda: loaded


def prepare(
    registry: Registry,
    *,
    space: str,
    scorer: str | None = None,
    dataset: str = "cifar10",
    benchmark: str | None = None,
    proxy: str | None = None,
    strategy: str = DEFAULT_STRATEGY,
    device: str = "auto",
    settings: dict[str, Any] | None = None,
    data_dir: str | None = None,
    images: ImageSet | None = None,
) -> PreparedRun:
    """Resolve names, fill settings and load ground truth; raises ``NasbenchError`` on bad input.
    ``images`` replaces the CIFAR-10 training images (tests, or callers with their own data)."""
    space_c: SearchSpace = registry.get("space", space)
    bench_name, bench_c = _benchmark_of(registry, space, benchmark, dataset)
    strategy_c: Strategy = registry.get("strategy", strategy)
    scorer = scorer or getattr(strategy_c, "default_scorer", NO_SCORER)
    scorer_c: Scorer = registry.get("scorer", scorer)
    proxy_c = _proxy_of(registry, proxy, scorer_c, strategy_c)
    # the host's own settings (precision) last: configure_run configures components[0], the space
    components = [c for c in (space_c, bench_c, scorer_c, strategy_c, proxy_c, HOST) if c is not None]
    resolved, space_c, unkeyed, keyless = configure_run(registry, components, settings)
    dev = resolve_device(device)
    # Load the ground truth now: a missing or corrupt table is the user's to fix, not a trial failure.
    bench_c.accuracy(space_c.sample(np.random.default_rng(0)), dataset)
    needs_images = scorer_c.needs_images or getattr(strategy_c, "needs_images", False) or proxy_c is not None
    images_loader = _images_loader(images, data_dir, resolved) if needs_images else None
    spec = {
        "space": space,
        "benchmark": bench_name,
        "dataset": dataset,
        "scorer": scorer,
        "proxy": proxy_c.name if proxy_c is not None else "",
        "strategy": strategy,
        "device_type": dev.type,
        "settings": resolved,
    }
    args = dict(spec, device=device, settings=dict(settings or {}), data_dir=data_dir, proxy=spec["proxy"] or None)
    del args["device_type"]
    rebuild = args if images is None else None  # a worker cannot rebuild images passed in
    return PreparedRun(
        spec,
        space_c,
        bench_c,
        scorer_c,
        proxy_c,
        strategy_c,
        dev,
        images_loader,
        prepare_args=rebuild,
        unkeyed=unkeyed,
        keyless_defaults=keyless,
    )


def _evaluate(prepared: PreparedRun, ctx: SearchContext, outcome: Any, measured: Any) -> dict[str, Any]:
    bench, space, dataset = prepared.benchmark, prepared.space, prepared.spec["dataset"]
    arch = outcome.arch
    accuracy = bench.accuracy(arch, dataset)
    rank, total = bench.rank(arch, dataset)
    extra: dict[str, Any] = {
        "accuracy": {d: bench.accuracy(arch, d) for d in bench.datasets},
        "rank": {d: bench.rank(arch, d)[0] for d in bench.datasets},
        "counters": vars(ctx.counters).copy(),
        "memory": measured.extra,
        "info": outcome.info,
        "edge_records": {
            "initial": [vars(r) for r in outcome.initial],
            "progressive": [vars(r) for r in outcome.progressive],
        },
    }
    if ctx._images is not None:
        extra["images"] = ctx._images.source
    return {
        "arch": space.format(arch),
        "test_accuracy": accuracy,
        "test_error": 100.0 - accuracy,
        "rank": rank,
        "num_archs": total,
        "percentile": percentile(rank, total),
        "edge_spearman_initial": edge_spearman(outcome.initial, "best-acc"),
        "edge_spearman_initial_avg_acc": edge_spearman(outcome.initial, "avg-acc"),
        "edge_spearman_progressive": edge_spearman(outcome.progressive, "best-acc"),
        "edge_spearman_progressive_avg_acc": edge_spearman(outcome.progressive, "avg-acc"),
        "search_seconds": measured.seconds,
        "peak_memory_bytes": measured.peak_memory_bytes,
        "memory_device": measured.memory_device,
        "forward_passes": ctx.counters.forward_passes,
        "extra": extra,
    }


def run_trial(prepared: PreparedRun, seed: int) -> TrialResult:
    """One seed: search, measure, score on the benchmark. Exceptions, a plugin's NaN-only scores
    and a trial past ``prepared.trial_timeout`` become a failed result with the reason. With a
    journal folder the seed replays its proxy values first (``nasbench.journal``)."""
    if not prepared.journal_dir:
        return _search_trial(prepared, seed, None)
    search = functools.partial(_search_trial, prepared, seed)
    return journalled(search, journal_path(prepared.journal_dir, prepared.run_key, seed), prepared.run_key, seed)


def _search_trial(prepared: PreparedRun, seed: int, journal: ProxyJournal | None) -> TrialResult:
    ctx = SearchContext(
        space=prepared.space,
        benchmark=prepared.benchmark,
        dataset=prepared.spec["dataset"],
        scorer=prepared.scorer,
        proxy=prepared.proxy,
        settings=prepared.spec["settings"],
        seed=seed,
        device=prepared.device,
        images_loader=prepared.images_loader,
        show_progress=prepared.show_progress,
        progress_json=prepared.progress_json,
        journal=journal,
    )
    try:
        keep_freed_memory()  # no page faults for every fresh activation (nasbench.heap)
        precision = prepared.spec["settings"].get("precision", "fp32")
        with deadline(prepared.trial_timeout), precision_scope(precision, prepared.device):
            with measure(prepared.device) as measured:
                outcome = prepared.strategy.search(ctx)
                seconds = journal.elapsed() if journal is not None and journal.replayed else None
            check_scores(prepared, outcome)
            metrics = _evaluate(prepared, ctx, outcome, measured)
            if seconds is not None:  # every session of the seed, replays not counted twice
                metrics["search_seconds"] = seconds
                metrics["extra"]["resumed"] = journal.summary()
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # noqa: BLE001 - a plugin may raise anything; the run goes on
        failure = f"{type(exc).__name__}: {exc}"
        return TrialResult(
            prepared.spec, seed, "failed", {"extra": {"traceback": traceback.format_exc()}}, failure=failure
        )
    return TrialResult(prepared.spec, seed, "ok", metrics)


@dataclass(frozen=True)
class TrialJob:
    """One seed of a run, as plain data a worker process prepares and runs it from."""

    prepare_args: dict[str, Any]
    plugin_modules: tuple[str, ...]
    run_key: str
    trial_timeout: float
    seed: int
    progress_json: bool = False
    #: torch threads in the worker (0: leave the executor's one thread per worker)
    threads: int = 0
    journal_dir: str = ""


#: per worker process: the runs prepared so far, by their arguments
_PREPARED: dict[str, PreparedRun] = {}


def trial_job(job: TrialJob) -> tuple[TrialResult, dict[str, Any]]:
    """A worker's side of one seed: the result and the protocol of where it ran."""
    key = json.dumps([job.plugin_modules, job.prepare_args], sort_keys=True, default=str)
    if key not in _PREPARED:
        _PREPARED[key] = prepare(worker_registry(job.plugin_modules), **job.prepare_args)
    prepared = _PREPARED[key]
    if prepared.run_key != job.run_key:
        raise BadInput(f"the worker prepared run {prepared.run_key}, not {job.run_key} (another spec there)")
    prepared.trial_timeout, prepared.progress_json = job.trial_timeout, job.progress_json
    prepared.journal_dir = job.journal_dir
    if job.threads:
        torch.set_num_threads(job.threads)
    return run_trial(prepared, job.seed), protocol(prepared)


def _job_failed(prepared: PreparedRun, seed: int, failed: JobFailed) -> TrialResult:
    """A seed whose job raised outside the trial (e.g. preparing the run) or whose worker died twice."""
    extra = {"traceback": failed.reason, "attempts": failed.attempts, "crashed": failed.crashed}
    return TrialResult(prepared.spec, seed, "failed", {"extra": extra}, failure=failed.reason.splitlines()[0])


def _trials(
    prepared: PreparedRun, todo: list[int], still_todo: Callable[[int], bool], executor: Any, modules: tuple[str, ...]
) -> Any:
    """(result, protocol) of each seed of ``todo`` that is ``still_todo``: run here in order, or as
    jobs on ``executor`` in the order they finish."""
    if executor is None or executor.name == "serial":
        proto = protocol(prepared)
        for seed in todo:
            if still_todo(seed):
                yield run_trial(prepared, seed), proto
        return
    if prepared.prepare_args is None:
        raise BadInput("a run prepared with its own images runs only in this process (executor serial)")
    args = (prepared.prepare_args, modules, prepared.run_key, prepared.trial_timeout)
    extra = {"progress_json": prepared.progress_json, "threads": prepared.threads, "journal_dir": prepared.journal_dir}
    jobs = [TrialJob(*args, seed, **extra) for seed in todo if still_todo(seed)]
    for job, outcome in executor.run(trial_job, jobs):
        if isinstance(outcome, JobFailed):
            outcome = (_job_failed(prepared, job.seed, outcome), protocol(prepared))
        yield outcome


def run(
    prepared: PreparedRun,
    seeds: list[int],
    store: Store,
    hook: Any = None,
    force: bool = False,
    on_result: Callable[[TrialResult], None] | None = None,
    on_skip: Callable[[int], None] | None = None,
    executor: Any = None,
    plugin_modules: tuple[str, ...] = (),
) -> list[TrialResult]:
    """Run every seed not already finished in ``store`` (all of them with ``force``), here or on
    ``executor`` (whose workers register ``plugin_modules`` besides the installed plugins)."""
    done = set() if force else store.finished_seeds(prepared.run_key)
    todo = [s for s in seeds if s not in done]
    if force and prepared.journal_dir:  # --force re-runs a seed from scratch, never from a journal
        for seed in todo:
            journal_path(prepared.journal_dir, prepared.run_key, seed).unlink(missing_ok=True)
    for seed in seeds:
        if seed in done and on_skip is not None:
            on_skip(seed)

    def still_todo(seed: int) -> bool:
        if force or seed not in store.finished_seeds(prepared.run_key):
            return True
        if on_skip is not None:  # another process sharing the store finished it meanwhile
            on_skip(seed)
        return False

    if hook is not None:
        hook.nasbench_run_start(spec=prepared.spec, seeds=todo)
    results = []
    for result, proto in _trials(prepared, todo, still_todo, executor, plugin_modules):
        store.write(prepared.run_key, result, proto)
        results.append(result)
        if hook is not None:
            hook.nasbench_trial_result(result=result)
        if on_result is not None:
            on_result(result)
    if hook is not None:
        hook.nasbench_run_end(spec=prepared.spec, results=results)
    return results


def result_json(result: TrialResult) -> dict[str, Any]:
    """The one-line JSON object ``nasbench run --json`` prints per trial."""
    spec, m = result.spec, result.metrics
    out: dict[str, Any] = {k: spec[k] for k in ("space", "benchmark", "dataset", "scorer", "proxy", "strategy")}
    out["seed"] = result.seed
    out["settings"] = spec["settings"]
    for key in METRIC_COLUMNS:
        value = m.get(key)
        out[key] = None if isinstance(value, float) and not math.isfinite(value) else value
    out["status"] = result.status
    out["failure"] = result.failure
    return out
