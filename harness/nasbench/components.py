"""The five kinds of component and the small value types they exchange.

The host only ever talks to these protocols, never to a concrete plugin: a new search space,
benchmark, proxy, scorer or strategy works everywhere as soon as it satisfies them.
Architectures are plain data (a tuple of op names, one per edge); networks are ``nn.Module``s
built from them by the space. The two are never the same object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:  # pragma: no cover - typing only, keeps import cheap
    import numpy as np
    import torch
    from torch import nn

    from nasbench.context import SearchContext

#: Kinds of component, in the order the CLI lists them.
KINDS = ("space", "benchmark", "proxy", "scorer", "strategy")


@dataclass(frozen=True)
class Arch:
    """One architecture of a space: the op chosen on every edge, in the space's edge order.

    Spaces whose topology is also searched (DARTS) use their ``none`` op for edges that are
    not kept, so every space fits the same shape and scorers never need to know which it is.
    """

    space: str
    ops: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "ops", tuple(self.ops))


@dataclass
class EdgeScores:
    """Scores a scorer gave the candidate ops of one edge at one decision step.

    ``scores`` maps op -> score, higher = better op to keep. ``oracle`` holds the same for the
    oracle policies (``best-acc``, ``avg-acc``) when the benchmark is tabular, so the per-edge
    Spearman correlation can be computed afterwards without touching the benchmark again.
    """

    edge: str
    step: int
    scores: dict[str, float]
    oracle: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass
class SearchOutcome:
    """What a strategy returns: the final arch plus the evidence of how it got there."""

    arch: Arch
    initial: list[EdgeScores] = field(default_factory=list)
    progressive: list[EdgeScores] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class TrialResult:
    """One flat row of results for one seed of one run spec (what the store keeps)."""

    spec: dict[str, Any]
    seed: int
    status: str  # "ok" | "failed"
    metrics: dict[str, Any] = field(default_factory=dict)
    failure: str | None = None


@runtime_checkable
class SearchSpace(Protocol):
    """A cell/macro search space: edges, candidate ops per edge, arch strings and networks."""

    name: str
    #: edge names, in the order ``Arch.ops`` uses
    edges: tuple[str, ...]

    def candidate_ops(self, edge: str) -> tuple[str, ...]:
        """Ops that may be chosen on ``edge`` (the supernet has exactly these on it)."""

    def parse(self, text: str) -> Arch:
        """Read an arch in the space's official string format; raise ``BadInput`` if malformed."""

    def format(self, arch: Arch) -> str:
        """Write an arch in the space's official string format (``parse`` inverts it)."""

    def sample(self, rng: np.random.Generator) -> Arch:
        """A uniformly random valid arch."""

    def complete(self, decisions: dict[str, str]) -> Arch:
        """Turn one decision per edge into a valid arch (DARTS: keep top-2 inputs per node)."""

    def build_network(self, arch: Arch, num_classes: int, generator: torch.Generator) -> nn.Module:
        """The discrete network of ``arch``, freshly initialised from ``generator``."""

    def build_supernet(self, num_classes: int, generator: torch.Generator) -> nn.Module:
        """A supernet with every candidate op on every edge; see ``nasbench.supernet``."""

    # Optional: ``with_settings(settings) -> SearchSpace`` returns a copy configured by the run's
    # resolved settings (e.g. network width); the runner calls it when present.


@runtime_checkable
class Benchmark(Protocol):
    """Ground truth for the archs of one space: a table look-up or a surrogate model."""

    name: str
    space: str
    datasets: tuple[str, ...]
    #: the dataset whose accuracy an oracle policy optimises for each searchable dataset
    oracle_dataset: dict[str, str]

    def accuracy(self, arch: Arch, dataset: str) -> float:
        """Accuracy in percent (0-100) of ``arch`` on ``dataset``."""

    def rank(self, arch: Arch, dataset: str) -> tuple[int, int]:
        """(rank, number of archs ranked against): rank 1 = best, 1 + #strictly better."""

    def table(self, dataset: str) -> tuple[np.ndarray, np.ndarray] | None:
        """For tabular benchmarks: (op index matrix [n_archs, n_edges], accuracies [n_archs]).

        Op indices follow ``space.candidate_ops(edge)``. Surrogates return ``None`` (oracle
        policies are then unavailable).
        """


@runtime_checkable
class Proxy(Protocol):
    """A zero-cost score of an untrained network from one minibatch. Higher = better.

    A proxy may also set ``version`` (a string, "1" when absent): stored scores are reused only
    by a proxy of the version that computed them, so a change that alters a proxy's values must
    come with a new version, or old scores will be served as new ones.
    """

    name: str
    needs_labels: bool

    def score(
        self,
        net: nn.Module,
        inputs: torch.Tensor,
        targets: torch.Tensor,
        generator: torch.Generator,
    ) -> float:
        """Score ``net`` (a discrete network or a masked supernet) on one minibatch."""


def proxy_version(proxy: Any) -> str:
    """The ``version`` a proxy declares, "1" for one that declares none."""
    return str(getattr(proxy, "version", "1"))


def scorer_version(scorer: Any, proxy: Any) -> str:
    """The ``version`` a scorer declares for the run's proxy, "1" for one that declares none.

    A scorer whose results change for some proxies only declares ``version(proxy) -> str``, so the
    runs of the other proxies keep their keys (and their stored and committed trials)."""
    version = getattr(scorer, "version", "1")
    return str(version(proxy) if callable(version) else version)


def version_keys(scorer: Any, proxy: Any) -> dict[str, str]:
    """What a run key adds for a changed proxy or scorer, so its runs get new keys; version "1"
    adds nothing, which keeps every key stored before versions entered it."""
    keys = {"proxy_version": proxy_version(proxy) if proxy is not None else "1"}
    keys["scorer_version"] = scorer_version(scorer, proxy)
    return {k: v for k, v in keys.items() if v != "1"}


@runtime_checkable
class Scorer(Protocol):
    """A scoring policy: scores every candidate op of an edge given the current supernet."""

    name: str
    needs_proxy: bool
    needs_images: bool

    def score_edge(self, ctx: SearchContext, decisions: dict[str, str], edge: str) -> dict[str, float]:
        """Op -> score for ``edge`` (higher = better op to keep), given edges already decided.

        ``ctx.supernet`` already has the decided edges discretized when this is called.
        """


@runtime_checkable
class Strategy(Protocol):
    """Turns scores into one final architecture."""

    name: str

    def search(self, ctx: SearchContext) -> SearchOutcome:
        """Run the search; randomness only from ``ctx.rng`` / ``ctx.torch_generator()``."""
