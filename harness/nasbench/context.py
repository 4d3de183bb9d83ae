"""Everything one trial's search may use, handed to the strategy and on to the scorer.

The context owns the trial's randomness (all derived from the trial seed), the lazily built
supernet and image stream, the work counters, and the few shared services that several
plugins need: proxy scoring with NaN handling and pass counting, and the oracle look-up.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from nasbench.components import Arch, Benchmark, EdgeScores, Proxy, Scorer, SearchSpace
from nasbench.errors import NasbenchError
from nasbench.images import ImageSet
from nasbench.journal import ProxyJournal
from nasbench.measure import Counters
from nasbench.oracle import oracle_scores
from nasbench.progress import Progress, json_events_from_env
from nasbench.torchutil import torch_generator

#: offsets that derive independent streams from one trial seed
_STREAM_SUPERNET, _STREAM_BATCHES, _STREAM_PROXY, _STREAM_NETWORK = 1, 2, 3, 4


@dataclass
class SearchContext:
    space: SearchSpace
    benchmark: Benchmark
    dataset: str
    scorer: Scorer
    proxy: Proxy | None
    settings: dict[str, Any]
    seed: int
    device: torch.device
    images_loader: Callable[[], ImageSet] | None = None
    show_progress: bool = False
    #: progress events as JSON lines on stderr (``nasbench.progress``)
    progress_json: bool = False
    counters: Counters = field(default_factory=Counters)
    #: the seed's proxy values so far (``nasbench.journal``): replayed, not recomputed, on a resume
    journal: ProxyJournal | None = None
    #: per-trial scratch space for plugins, keyed by the plugin's name (components are shared by trials)
    state: dict[str, Any] = field(default_factory=dict)
    rng: np.random.Generator = field(init=False)
    _supernet: nn.Module | None = field(default=None, init=False, repr=False)
    _images: ImageSet | None = field(default=None, init=False, repr=False)
    _batches: Iterator[tuple[torch.Tensor, torch.Tensor]] | None = field(default=None, init=False, repr=False)
    _batch: tuple[torch.Tensor, torch.Tensor] | None = field(default=None, init=False, repr=False)
    _table: tuple[np.ndarray, np.ndarray] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(self.seed)

    # -- randomness -------------------------------------------------------------------------
    def torch_generator(self, stream: int) -> torch.Generator:
        """A CPU generator for an independent stream of this trial (``stream`` >= 10 is free)."""
        return torch_generator(self.seed * 1_000_003 + stream)

    # -- images -----------------------------------------------------------------------------
    @property
    def images(self) -> ImageSet:
        if self._images is None:
            if self.images_loader is None:
                raise NasbenchError(f"scorer {self.scorer.name!r} needs images but this run has none")
            self._images = self.images_loader()
        return self._images

    @property
    def num_classes(self) -> int:
        return self.images.num_classes if self.images_loader is not None else 10

    def progress(self, total: int, desc: str) -> Progress:
        """A phase of the trial (``nasbench.progress``): a bar on stderr when the run shows progress
        (a terminal, never with ``--json``), JSON events when asked; ``update(n, **fields)``."""
        events = self.progress_json or json_events_from_env()
        return Progress(total, desc, bar=self.show_progress, events=events, seed=self.seed)

    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The next search minibatch (``batch_size`` setting) on the trial's device."""
        if self._batches is None:
            if "batch_size" not in self.settings:
                raise NasbenchError(
                    f"scorer {self.scorer.name!r} draws minibatches, but no selected component declares batch_size"
                )
            size = int(self.settings["batch_size"])
            self._batches = self.images.minibatches(size, self.torch_generator(_STREAM_BATCHES))
        x, y = next(self._batches)
        return x.to(self.device, non_blocking=True), y.to(self.device, non_blocking=True)

    # -- networks ---------------------------------------------------------------------------
    @property
    def supernet(self) -> nn.Module:
        """The trial's supernet, built once from the trial seed, every op on."""
        if self._supernet is None:
            net = self.space.build_supernet(self.num_classes, self.torch_generator(_STREAM_SUPERNET))
            self._supernet = net.to(self.device)
        return self._supernet

    def build_network(self, arch: Arch, stream: int = _STREAM_NETWORK) -> nn.Module:
        """A discrete network of ``arch`` on the device, initialised from this trial's seed."""
        return self.space.build_network(arch, self.num_classes, self.torch_generator(stream)).to(self.device)

    # -- proxy scoring ----------------------------------------------------------------------
    def proxy_score(self, net: nn.Module, batch: tuple[torch.Tensor, torch.Tensor] | None = None) -> float:
        """Score ``net`` with the run's proxy on ``batch`` (default: a fixed first batch).

        Forward passes are counted by a hook on ``net``. NaN (and +inf, which no proxy
        produces legitimately) comes back as NaN, which rankings treat as the worst score;
        -inf (e.g. the log-determinant of a singular kernel) is a valid, lowest score.
        """
        if self.proxy is None:
            raise NasbenchError(f"scorer {self.scorer.name!r} needs a proxy; pass --proxy")
        inputs, targets = batch if batch is not None else self.batch
        is_supernet = net is self._supernet

        def compute() -> float:
            def count(_module: nn.Module, _inputs: Any) -> None:
                self.counters.forward_passes += 1
                if is_supernet:
                    self.counters.supernet_forwards += 1
                else:
                    self.counters.network_forwards += 1

            handle = net.register_forward_pre_hook(count)
            try:
                # a fresh generator in the same state per call: every candidate of the trial gets the same random
                # inputs (crops, Gaussians), as it gets the same minibatch, so scores differ by the network only
                value = float(self.proxy.score(net, inputs, targets, self.torch_generator(_STREAM_PROXY)))
            finally:
                handle.remove()
            return math.nan if math.isnan(value) or value == math.inf else value

        return self.journalled(compute)

    def journalled(self, compute: Callable[[], float]) -> float:
        """``compute()``, kept in the seed's journal (``nasbench.journal``) like every proxy value:
        on a resume the value and the forward passes it counted are replayed, not recomputed. For
        a scorer's own measurements (Zero-Cost-PT's tenas route); draw any random inputs before
        the call, so a replayed seed's streams stay where a whole run's would be."""
        c = self.counters
        if self.journal is not None:
            entry = self.journal.replay()
            if entry is not None:  # computed by an earlier session of this seed
                c.forward_passes, c.supernet_forwards, c.network_forwards = map(sum, zip(_passes(c), entry.passes))
                return entry.value
        before = _passes(c)
        value = float(compute())
        if self.journal is not None:
            self.journal.record(value, tuple(a - b for a, b in zip(_passes(c), before)))
        return value

    @property
    def batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The current scoring minibatch: every perturbation of one proposal sees the same one."""
        if self._batch is None:
            self._batch = self.next_batch()
        return self._batch

    def new_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw the next minibatch and make it the current scoring batch."""
        self._batch = self.next_batch()
        return self._batch

    # -- oracle -----------------------------------------------------------------------------
    def oracle(self, decisions: dict[str, str], edge: str) -> dict[str, dict[str, float]]:
        """``best-acc`` / ``avg-acc`` op scores for ``edge``; empty for surrogate benchmarks."""
        if self._table is None:
            table = self.benchmark.table(self.benchmark.oracle_dataset.get(self.dataset, self.dataset))
            if table is None:
                return {}
            self._table = table
        codes, acc = self._table
        edges = self.space.edges
        ops_of = {e: self.space.candidate_ops(e) for e in edges}
        decided = {edges.index(e): ops_of[e].index(o) for e, o in decisions.items()}
        e_idx = edges.index(edge)
        raw = oracle_scores(codes, acc, decided, e_idx, len(ops_of[edge]))
        return {policy: dict(zip(ops_of[edge], values)) for policy, values in raw.items()}

    def record(self, decisions: dict[str, str], edge: str, step: int, scores: dict[str, float]) -> EdgeScores:
        """Scores of one edge decision together with the oracle's, for per-edge Spearman."""
        return EdgeScores(edge=edge, step=step, scores=dict(scores), oracle=self.oracle(decisions, edge))


def _passes(counters: Counters) -> tuple[int, int, int]:
    """The forward-pass counters a journal entry carries: (all, supernet, network)."""
    return counters.forward_passes, counters.supernet_forwards, counters.network_forwards
