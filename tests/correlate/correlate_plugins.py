"""Test plugin (a module, so pool workers can register it too): the toy space and benchmark."""

from __future__ import annotations

from nasbench.hookspecs import hookimpl
from nasbench.testing import ToyBenchmark, ToySpace


@hookimpl
def nasbench_register_spaces(register) -> None:
    register(ToySpace())


class FirstDraw:
    """Test proxy: the first uniform draw of the proxy generator (shows which randomness a score got)."""

    name = "first-draw"
    needs_labels = False
    settings: dict = {}

    def score(self, net, inputs, targets, generator) -> float:
        import torch

        return float(torch.rand(1, generator=generator))


@hookimpl
def nasbench_register_proxies(register) -> None:
    register(FirstDraw())


@hookimpl
def nasbench_register_benchmarks(register) -> None:
    register(ToyBenchmark())
