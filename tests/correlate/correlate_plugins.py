"""Test plugin (a module, so pool workers can register it too): the toy space and benchmark."""

from __future__ import annotations

from nasbench.hookspecs import hookimpl
from nasbench.testing import FirstDrawProxy, ToyBenchmark, ToySpace


@hookimpl
def nasbench_register_spaces(register) -> None:
    register(ToySpace())


@hookimpl
def nasbench_register_proxies(register) -> None:
    register(FirstDrawProxy())


@hookimpl
def nasbench_register_benchmarks(register) -> None:
    register(ToyBenchmark())
