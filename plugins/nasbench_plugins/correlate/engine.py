"""The engine of ``nasbench correlate``: how well do proxy scores rank archs by benchmark accuracy?

``plan`` resolves every name and loads archs, images and accuracies (all user errors surface
there); ``run_study`` looks scores up in the cache, sends the missing ones to an executor, writes
each score as it arrives, and summarises every proxy: Spearman rho and Kendall tau against the
accuracy, precision of the top-K, throughput and peak memory.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nasbench import api as metrics
from nasbench.api import Arch, BadInput, Benchmark, JobFailed, SearchSpace, proxy_version, space_config
from nasbench_plugins.correlate import scorejob as proxyjob
from nasbench_plugins.correlate.scorecache import ProxyScore, ScoreCache, ScoreKey
from nasbench_plugins.correlate.selection import archs_and_label, select_proxies

TOP_K = (10, 50, 100)


@dataclass
class Study:
    """A validated correlate request: what to score, on what, against which ground truth."""

    space: SearchSpace
    benchmark: Benchmark
    benchmark_name: str
    dataset: str
    proxies: list[str]
    archs: list[Arch]
    accuracies: np.ndarray
    sample: str
    seed: int
    batch_size: int
    device: str
    data_dir: str | None
    images: Any  # nasbench_plugins.correlate.datasets.DatasetImages
    images_key: str
    plugin_modules: tuple[str, ...] = ()
    versions: dict[str, str] = field(default_factory=dict)  # proxy -> its version here
    precision: str = "fp32"  # numerics of the networks; in the versions when not fp32

    def version(self, proxy: str) -> str:
        return self.versions.get(proxy, "1")

    @property
    def key(self) -> ScoreKey:
        """Scores are reused only for this space configuration (its version and settings, which
        shape the networks scored); rows stored before configurations were recorded fit a
        version-"1" space at its defaults."""
        config = space_config(self.space, {})
        return ScoreKey(
            self.space.name,
            self.images_key,
            self.batch_size,
            self.seed,
            json.dumps(config, sort_keys=True),
            config["version"] == "1",
        )


@dataclass
class StudyResult:
    summaries: list[dict[str, Any]]
    per_arch: list[dict[str, Any]]
    computed: int
    reused: int
    wall_seconds: float
    failures: list[str] = field(default_factory=list)


def images_key(images: Any) -> str:
    """Identity of the scoring images: set name, size, classes of the head, content digest."""
    digest = hashlib.blake2b(digest_size=8)
    digest.update(images.images.labels.numpy().tobytes())
    digest.update(images.images.images.numpy().tobytes())
    return f"{images.images.name}:{len(images.images)}:c{images.num_classes}:{digest.hexdigest()}"


def plan(
    registry: Any,
    *,
    space: str,
    proxies: str,
    dataset: str,
    sample: str,
    seed: int,
    archs_file: str | None = None,
    benchmark: str | None = None,
    batch_size: int = 64,
    device: str = "auto",
    data_dir: str | None = None,
    precision: str = "fp32",
) -> Study:
    """Resolve every name and load archs, accuracies and images: all user errors surface here."""
    from nasbench.api import resolve_device

    space_c = registry.get("space", space)
    bench_name, bench = _benchmark_for(registry, space, benchmark, dataset)
    if batch_size < 1:
        raise BadInput(f"--batch-size must be >= 1, got {batch_size}")
    if not 0 <= seed < 2**32:  # what every RNG accepts, as run's --seeds
        raise BadInput(f"--seed must be >= 0 and below 2**32, got {seed}")
    names = select_proxies(registry, proxies)
    archs, label = archs_and_label(space_c, bench, dataset, sample, seed, archs_file)
    accuracies = np.array([bench.accuracy(a, dataset) for a in archs], dtype=float)
    found = proxyjob.dataset_images(dataset, data_dir)
    proxyjob.fixed_batch(found.images, batch_size, seed)  # a too-large batch fails here, not in every job
    modules = proxyjob.runtime_plugin_modules(registry.pm)
    proxyjob.use_registry(modules, registry)
    dev = str(resolve_device(device))
    return Study(
        space_c,
        bench,
        bench_name,
        dataset,
        names,
        archs,
        accuracies,
        label,
        seed,
        batch_size,
        dev,
        data_dir,
        found,
        images_key(found),
        modules,
        {name: proxyjob.scored_version(proxy_version(registry.get("proxy", name)), precision) for name in names},
        precision,
    )


def _benchmark_for(registry: Any, space: str, benchmark: str | None, dataset: str) -> tuple[str, Benchmark]:
    """(name, benchmark) of ``benchmark`` or of the first one covering ``space``, checked to cover
    ``space`` and to know ``dataset``."""
    bench_name = benchmark or next(
        (n for n in registry.names("benchmark") if registry.get("benchmark", n).space == space), None
    )
    if bench_name is None:
        raise BadInput(f"no benchmark covers space {space!r}; pass --benchmark (see `nasbench plugins`)")
    bench = registry.get("benchmark", bench_name)
    if bench.space != space:
        raise BadInput(f"benchmark {bench_name!r} is for space {bench.space!r}, not {space!r}")
    if dataset not in bench.datasets:
        raise BadInput(
            f"unknown dataset {dataset!r} for benchmark {bench_name!r}; choose one of: {', '.join(bench.datasets)}"
        )
    return bench_name, bench


def run_study(
    study: Study,
    cache: ScoreCache,
    executor: Any,
    on_progress: Callable[[int, int], None] | None = None,
    recompute: bool = False,
) -> StudyResult:
    """Score what the cache lacks (written as it arrives), then summarise every proxy.

    Stored scores are reused only when the proxy's version matches; ``recompute`` ignores them all
    and overwrites them (after a proxy's code changed without a new version).
    """
    key = study.key
    arch_strs = [study.space.format(a) for a in study.archs]
    have = {p: {} if recompute else cache.lookup(key, p, arch_strs, study.version(p)) for p in study.proxies}
    jobs = _missing_jobs(study, arch_strs, have)
    reused = len(arch_strs) - len(jobs)
    if on_progress is not None:
        on_progress(reused, len(arch_strs))

    def step() -> None:
        if on_progress is not None:
            on_progress(1, len(arch_strs))

    start = time.perf_counter()
    failures = _score_jobs(study, key, cache, executor, jobs, have, step)
    wall = time.perf_counter() - start
    summaries, per_arch = [], []
    for proxy in study.proxies:
        results = [have[proxy].get(a) for a in arch_strs]
        summaries.append(summarise(study, proxy, results))
        per_arch += [_per_arch_row(text, proxy, acc, r) for text, acc, r in zip(arch_strs, study.accuracies, results)]
    for row in summaries:
        cache.put_summary(row)
    return StudyResult(summaries, per_arch, len(jobs), reused, wall, failures)


def _missing_jobs(study: Study, arch_strs: list[str], have: dict[str, dict]) -> list[proxyjob.ScoreJob]:
    """One job per arch that lacks a score of some proxy, asking only for the missing proxies."""
    jobs = []
    for text in arch_strs:
        missing = tuple(p for p in study.proxies if text not in have[p])
        if missing:
            jobs.append(
                proxyjob.ScoreJob(
                    study.space.name,
                    text,
                    missing,
                    study.dataset,
                    study.batch_size,
                    study.seed,
                    study.device,
                    study.data_dir,
                    study.plugin_modules,
                    study.precision,
                )
            )
    return jobs


def _score_jobs(
    study: Study,
    key: ScoreKey,
    cache: ScoreCache,
    executor: Any,
    jobs: list[proxyjob.ScoreJob],
    have: dict[str, dict],
    step: Callable[[], None],
) -> list[str]:
    """Run ``jobs`` on ``executor``, storing each score as it arrives (in ``cache`` under ``key``, and in ``have``);
    ``step()`` after every job. Returns one line per failed score."""
    failures: list[str] = []
    for job, outcome in executor.run(proxyjob.score_job, jobs):
        if isinstance(outcome, JobFailed):
            outcome = [
                ProxyScore(p, "failed", failure=outcome.reason, attempts=outcome.attempts, version=study.version(p))
                for p in job.proxies
            ]
        for result in outcome:
            result = _checked_version(study, result)
            cache.put(key, job.arch, result)
            have[result.proxy][job.arch] = result
            if result.status != "ok":
                failures.append(f"{result.proxy} on {job.arch}: {(result.failure or '').splitlines()[0]}")
        step()
    return failures


def _per_arch_row(text: str, proxy: str, accuracy: float, result: ProxyScore | None) -> dict[str, Any]:
    """The ``--per-arch`` JSON row of one arch and proxy (score None when missing, failed or NaN)."""
    ok = result is not None and result.status == "ok" and not math.isnan(result.score)
    return {
        "arch": text,
        "proxy": proxy,
        "score": _json_float(result.score if ok else None),
        "accuracy": float(accuracy),
        "status": result.status if result is not None else "missing",
    }


def _checked_version(study: Study, result: ProxyScore) -> ProxyScore:
    """A score from a worker whose proxy code is not this process's version fails (Ray clusters
    can run another install): stored as this version's, it would be served as one."""
    expected = study.version(result.proxy)
    if result.version == expected:
        return result
    reason = f"the worker ran {result.proxy} version {result.version!r}, this process has version {expected!r}"
    return ProxyScore(result.proxy, "failed", failure=reason, attempts=result.attempts, version=expected)


def summarise(study: Study, proxy: str, results: list[ProxyScore | None]) -> dict[str, Any]:
    """The summary row of one proxy (the ``proxy_correlations`` columns)."""
    ok = [r for r in results if r is not None and r.status == "ok"]
    scores = np.array([r.score if r is not None and r.status == "ok" else math.nan for r in results], dtype=float)
    seconds = sum(r.seconds for r in ok)
    row: dict[str, Any] = {
        "space": study.space.name,
        "benchmark": study.benchmark_name,
        "dataset": study.dataset,
        "proxy": proxy,
        "images": study.images_key,
        "batch_size": study.batch_size,
        "seed": study.seed,
        "sample": study.sample,
        "n": int(np.count_nonzero(~np.isnan(scores))),
        "n_nan": sum(1 for r in ok if math.isnan(r.score)),
        "n_failed": len(results) - len(ok),
        "spearman": metrics.spearman(scores, study.accuracies),
        "kendall": metrics.kendall(scores, study.accuracies),
        "archs_per_second": len(ok) / seconds if seconds > 0 else math.nan,
        "peak_memory_bytes": max((r.peak_memory_bytes for r in ok), default=0),
        "memory_device": ok[0].memory_device if ok else "",
        "images_note": study.images.note,
        "images_stand_in": int(study.images.fallback),
        "proxy_version": study.version(proxy),
    }
    for k in TOP_K:
        row[f"top{k}"] = metrics.top_k_precision(scores, study.accuracies, k)
    return row


def _json_float(value: float | None) -> float | str | None:
    """JSON has no inf: -inf (a valid lowest score) is written as the string "-inf"."""
    if value is None or math.isfinite(value):
        return value
    return "-inf" if value < 0 else "inf"


def json_summary(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
