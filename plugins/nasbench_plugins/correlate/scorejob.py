"""One unit of correlate work: score one arch with some proxies, anywhere (here, pool process, Ray).

A job is plain picklable data. The worker rebuilds what it needs from names: the plugin manager
(entry points plus the plugin modules the parent had registered at run time), the images, and
the fixed minibatch of the seed. Each is built once per process and reused across jobs.

Reproducibility does not depend on where or in which order a job runs: the network of an arch is
initialised from a generator derived from (seed, space, arch), the proxy's own randomness (random
inputs such as TE-NAS' crops or Zen's Gaussian inputs) from (seed, space, proxy), and the minibatch
from the seed alone. Random inputs are thus common to all archs, as the minibatch is (TE-NAS
re-seeds its input sampler for every candidate): drawn per arch they add noise that is not the
arch's (tenas_lr on NASLib's 200 archs: Spearman 0.31 with per-arch crops, 0.66 with common ones).
Every proxy gets a freshly built network (proxies may change weights in place), so a score does
not depend on which other proxies were computed with it. Identical fresh networks also let
proxies share an expensive intermediate (``proxy_runtime.sharing_scope``, e.g. TE-NAS' NTK); the
reusing proxy is charged the shared work's time and the peak memory of the proxy that computed
it, so stored seconds and peaks stay what the proxy costs alone.
"""

from __future__ import annotations

import hashlib
import math
import traceback
from dataclasses import dataclass
from typing import Any

import torch

from nasbench.api import (
    keep_freed_memory,
    measure,
    plugin_modules_of,
    precision_scope,
    proxy_version,
    share_registry,
    torch_generator,
    worker_registry,
)
from nasbench_plugins.correlate.scorecache import ProxyScore, scored_version
from nasbench_plugins.proxies.runtime import sharing_scope

#: stream offset of the scoring minibatch (the same one the search context uses for batches)
BATCH_STREAM = 2


@dataclass(frozen=True)
class ScoreJob:
    space: str
    arch: str
    proxies: tuple[str, ...]
    dataset: str
    batch_size: int
    seed: int
    device: str
    data_dir: str | None
    plugin_modules: tuple[str, ...] = ()
    #: numerics of the networks (``nasbench.api.precision_scope``); a bf16 score is cached under
    #: its own version (``scored_version``), never mixed with fp32 ones
    precision: str = "fp32"


def derived_seed(*parts: object) -> int:
    """A 63-bit seed from any parts, stable across processes and Python versions."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def fixed_batch(images: Any, batch_size: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The scoring minibatch of ``seed``: the first minibatch of the seed's batch stream."""
    return next(images.minibatches(batch_size, torch_generator(seed * 1_000_003 + BATCH_STREAM)))


# Per-process cache of images per (dataset, dir); the registry is the executor layer's
# (``worker_registry``: one per set of extra plugin modules, shared with ``nasbench run``'s jobs).
_IMAGES: dict[tuple[str, str | None], Any] = {}

#: names of the module plugins in a plugin manager, so a worker process registers the same ones
runtime_plugin_modules = plugin_modules_of


def use_registry(plugin_modules: tuple[str, ...], registry: Any) -> None:
    """Let jobs in this process use ``registry`` (the caller's) instead of building a new one."""
    share_registry(plugin_modules, registry)


def dataset_images(dataset: str, data_dir: str | None) -> Any:
    """``nasbench_plugins.correlate.datasets.images_for``, loaded once per process."""
    key = (dataset, data_dir)
    if key not in _IMAGES:
        from nasbench_plugins.correlate.datasets import images_for

        _IMAGES[key] = images_for(dataset, data_dir)
    return _IMAGES[key]


def score_job(job: ScoreJob) -> list[ProxyScore]:
    """Scores of ``job.arch`` by each of ``job.proxies``; a proxy that raises gives a failed score."""
    keep_freed_memory()  # fresh activations without page faults (nasbench.heap)
    registry = worker_registry(job.plugin_modules)
    space = registry.get("space", job.space)
    arch = space.parse(job.arch)
    found = dataset_images(job.dataset, job.data_dir)
    device = torch.device(job.device)
    inputs, targets = (t.to(device) for t in fixed_batch(found.images, job.batch_size, job.seed))
    out = []
    with sharing_scope() as shared:
        for name in job.proxies:
            proxy = registry.get("proxy", name)
            version = scored_version(proxy_version(proxy), job.precision)
            shared.new_charge()
            measured = None
            try:
                init = torch_generator(derived_seed(job.seed, job.space, job.arch))
                net = space.build_network(arch, found.num_classes, init).to(device)
                generator = torch_generator(derived_seed(job.seed, job.space, name))  # common to all archs
                with precision_scope(job.precision, device), measure(device) as measured:
                    value = float(proxy.score(net, inputs, targets, generator))
                del net
            except Exception as exc:  # noqa: BLE001 - a proxy may raise anything; the study goes on
                shared.record_peak(measured.peak_memory_bytes if measured is not None else 0)
                failure = f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"
                out.append(ProxyScore(name, "failed", failure=failure, version=version))
                continue
            if math.isnan(value) or value == math.inf:
                value = math.nan  # as in SearchContext.proxy_score: NaN/+inf rank worst, -inf is a valid low score
            shared.record_peak(measured.peak_memory_bytes)
            seconds = measured.seconds + shared.seconds_reused
            peak = max(measured.peak_memory_bytes, shared.peak_reused)
            out.append(ProxyScore(name, "ok", value, None, seconds, peak, measured.memory_device, version=version))
    return out
