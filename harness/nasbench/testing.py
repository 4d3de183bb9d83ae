"""Pytest plugin (entry point ``pytest11``) with fixtures for people who write nasbench plugins.

Fixtures:

``nasbench_pm``        a fresh plugin manager with every installed plugin loaded
``register_plugin``    ``register_plugin(obj, name=None)`` adds a plugin for one test only
``nasbench_registry``  a ``Registry`` over ``nasbench_pm`` (build it after registering)
``nasbench_cli``       ``nasbench_cli(args)`` runs the CLI on ``nasbench_pm`` via click's runner
``toy_space``          a 3-edge, 4-op cell space small enough to enumerate (64 archs)
``toy_benchmark``      an exact tabular benchmark for ``toy_space`` (so oracle scorers work)
``toy_plugin``         registers both (space ``toy``, benchmark ``toy``) for one test
``tiny_images``        64 random 8x8 labelled images, as an ``ImageSet``
``single_thread``      one torch intra-op thread for the test (``pytest.mark.usefixtures``)

The toy space is a real space: real torch networks and a masked supernet, so a scorer or
strategy that runs on it runs unchanged on NB201 or DARTS. ``FirstDrawProxy`` scores a network by
the first draw of its generator, to test which randomness a host hands a proxy.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

from nasbench.components import Arch
from nasbench.errors import BadInput
from nasbench.hookspecs import hookimpl
from nasbench.images import ImageSet
from nasbench.metrics import rank_of
from nasbench.supernet import new_mask
from nasbench.torchutil import reset_parameters

TOY_OPS = ("none", "skip", "conv1x1", "conv3x3")
TOY_EDGES = ("0->1", "0->2", "1->2")
_TOY_WIRING = ((1, 0), (2, 0), (2, 1))  # (target, source) per edge


def _toy_op(name: str, channels: int) -> nn.Module:
    convs = {"conv1x1": 1, "conv3x3": 3}
    if name in convs:
        k = convs[name]
        return nn.Sequential(
            nn.ReLU(), nn.Conv2d(channels, channels, k, padding=k // 2, bias=False), nn.BatchNorm2d(channels)
        )
    return nn.Identity()


class _ToyCell(nn.Module):
    def __init__(self, channels: int, ops_per_edge: tuple[tuple[str, ...], ...], mask_of: Callable[[], Any]) -> None:
        super().__init__()
        self.ops_per_edge = ops_per_edge
        self.mask_of = mask_of
        self.layers = nn.ModuleList([nn.ModuleList([_toy_op(o, channels) for o in ops]) for ops in ops_per_edge])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mask, weights = self.mask_of()
        nodes = [x, None, None]
        for e, (target, source) in enumerate(_TOY_WIRING):
            for k, op in enumerate(self.ops_per_edge[e]):
                if op == "none" or (mask is not None and not mask[e, k]) or nodes[source] is None:
                    continue
                out = self.layers[e][k](nodes[source])
                if weights is not None:
                    out = out * weights[e, k]
                nodes[target] = out if nodes[target] is None else nodes[target] + out
        return nodes[2] if nodes[2] is not None else torch.zeros_like(x)


class _ToyNet(nn.Module):
    def __init__(
        self, ops_per_edge: tuple[tuple[str, ...], ...], num_classes: int, channels: int, masked: bool
    ) -> None:
        super().__init__()
        self.edges = TOY_EDGES
        self.edge_ops = ops_per_edge
        self.op_mask = new_mask(ops_per_edge) if masked else None
        self.op_weights: torch.Tensor | None = None
        self.stem = nn.Sequential(nn.Conv2d(3, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels))
        self.cell = _ToyCell(channels, ops_per_edge, lambda: (self.op_mask, self.op_weights))
        self.head = nn.Sequential(nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.cell(self.stem(x)))


class ToySpace:
    """Toy 3-edge cell space (4 ops per edge, 64 archs) for plugin tests."""

    name = "toy"
    edges = TOY_EDGES
    settings: dict = {}

    def __init__(self, channels: int = 4) -> None:
        self.channels = channels

    def candidate_ops(self, edge: str) -> tuple[str, ...]:
        return TOY_OPS

    def parse(self, text: str) -> Arch:
        ops = tuple(text.strip().split(","))
        if len(ops) != len(TOY_EDGES) or any(o not in TOY_OPS for o in ops):
            raise BadInput(f"malformed toy arch {text!r}: three of {', '.join(TOY_OPS)}, comma separated")
        return Arch(self.name, ops)

    def format(self, arch: Arch) -> str:
        return ",".join(arch.ops)

    def sample(self, rng: np.random.Generator) -> Arch:
        return Arch(self.name, tuple(TOY_OPS[int(i)] for i in rng.integers(0, len(TOY_OPS), len(TOY_EDGES))))

    def complete(self, decisions: dict[str, str]) -> Arch:
        return Arch(self.name, tuple(decisions[e] for e in TOY_EDGES))

    def build_network(self, arch: Arch, num_classes: int, generator: torch.Generator) -> nn.Module:
        return reset_parameters(_ToyNet(tuple((o,) for o in arch.ops), num_classes, self.channels, False), generator)

    def build_supernet(self, num_classes: int, generator: torch.Generator) -> nn.Module:
        return reset_parameters(_ToyNet(tuple(TOY_OPS for _ in TOY_EDGES), num_classes, self.channels, True), generator)


def toy_accuracy(ops: tuple[str, ...]) -> float:
    """A fixed, hand-checkable accuracy: convs help, 3x3 most; no path input->output is chance."""
    value = {"none": 0.0, "skip": 2.0, "conv1x1": 5.0, "conv3x3": 9.0}
    has_path = ops[1] != "none" or (ops[0] != "none" and ops[2] != "none")
    return 50.0 + sum(value[o] * (i + 1) for i, o in enumerate(ops)) if has_path else 10.0


class ToyBenchmark:
    """Exact table for the toy space (accuracy = ``toy_accuracy``)."""

    name = "toy"
    space = "toy"
    datasets = ("toy",)
    oracle_dataset = {"toy": "toy"}
    settings: dict = {}

    def __init__(self) -> None:
        self.archs = list(itertools.product(TOY_OPS, repeat=len(TOY_EDGES)))
        self.codes = np.array([[TOY_OPS.index(o) for o in a] for a in self.archs], dtype=np.int8)
        self.acc = np.array([toy_accuracy(a) for a in self.archs])

    def _check(self, dataset: str) -> None:
        if dataset not in self.datasets:
            raise BadInput(f"unknown dataset {dataset!r}; choose one of: toy")

    def accuracy(self, arch: Arch, dataset: str) -> float:
        self._check(dataset)
        return toy_accuracy(arch.ops)

    def rank(self, arch: Arch, dataset: str) -> tuple[int, int]:
        return rank_of(self.accuracy(arch, dataset), self.acc), len(self.acc)

    def table(self, dataset: str) -> tuple[np.ndarray, np.ndarray]:
        self._check(dataset)
        return self.codes, self.acc


class NoTableBenchmark:
    """A surrogate-like benchmark stand-in for ``space``: no table, so edge records carry no
    oracle scores (for tests that build a SearchContext on a space without real ground truth)."""

    name = "no-table"
    datasets = ("cifar10",)
    oracle_dataset = {"cifar10": "cifar10"}
    settings: dict = {}

    def __init__(self, space: str) -> None:
        self.space = space

    def table(self, dataset: str) -> None:
        return None


class FirstDrawProxy:
    """A proxy whose score is the first uniform draw of the generator it is handed.

    Shows which randomness the host gave a score: equal scores mean equal generator states.
    """

    name = "first-draw"
    needs_labels = False
    settings: dict = {}

    def score(self, net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, generator: torch.Generator) -> float:
        return float(torch.rand(1, generator=generator))


class ToyPlugin:
    """Registers the toy space and benchmark."""

    @hookimpl
    def nasbench_register_spaces(self, register: Callable[[Any], None]) -> None:
        register(ToySpace())

    @hookimpl
    def nasbench_register_benchmarks(self, register: Callable[[Any], None]) -> None:
        register(ToyBenchmark())


def random_images(n: int = 64, size: int = 8, num_classes: int = 10, seed: int = 0) -> ImageSet:
    gen = torch.Generator().manual_seed(seed)
    images = torch.randn(n, 3, size, size, generator=gen)
    labels = torch.randint(0, num_classes, (n,), generator=gen)
    return ImageSet("random", images, labels, num_classes, f"{n} random {size}x{size} images (seed {seed})")


@pytest.fixture
def nasbench_pm() -> Any:
    from nasbench.plugins import get_plugin_manager

    return get_plugin_manager()


@pytest.fixture
def register_plugin(nasbench_pm: Any) -> Iterator[Callable[..., Any]]:
    added: list[Any] = []

    def register(plugin: Any, name: str | None = None) -> Any:
        nasbench_pm.register(plugin, name=name)
        added.append(plugin)
        return plugin

    yield register
    for plugin in added:
        if nasbench_pm.is_registered(plugin):
            nasbench_pm.unregister(plugin)


@pytest.fixture
def nasbench_registry(nasbench_pm: Any) -> Any:
    from nasbench.registry import Registry

    return Registry(nasbench_pm)


@pytest.fixture
def nasbench_cli(nasbench_pm: Any) -> Callable[[list[str]], Any]:
    from click.testing import CliRunner

    from nasbench.cli import make_cli

    def invoke(args: list[str]) -> Any:
        return CliRunner().invoke(make_cli(nasbench_pm), args, catch_exceptions=False)

    return invoke


@pytest.fixture
def toy_space() -> ToySpace:
    return ToySpace()


@pytest.fixture
def toy_benchmark() -> ToyBenchmark:
    return ToyBenchmark()


@pytest.fixture
def toy_plugin(register_plugin: Callable[..., Any]) -> Any:
    return register_plugin(ToyPlugin(), name="toy")


@pytest.fixture
def tiny_images() -> ImageSet:
    return random_images()


@pytest.fixture
def single_thread() -> Iterator[None]:
    """One intra-op thread for the test: on a small shared CPU, OpenMP threads spinning against
    other jobs made tiny networks 10-100x slower than one thread."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
