"""A module plugin for ``run --workers``: pool workers register it by name (an object plugin
would not reach them). The toy space and benchmark, the faulty scorers, and ``die-on-2``, a
scorer whose process dies on seed 2 (only ever run in a pool worker)."""

from __future__ import annotations

import os

from faulty_plugins import FaultyPlugin

from nasbench.hookspecs import hookimpl
from nasbench.testing import ToyPlugin

_TOY, _FAULTY = ToyPlugin(), FaultyPlugin()


class DieOnTwo:
    name = "die-on-2"
    needs_proxy = False
    needs_images = False
    settings: dict = {}

    def score_edge(self, ctx, decisions, edge):
        if ctx.seed == 2:
            os._exit(9)
        return ctx.oracle(decisions, edge)["best-acc"]


@hookimpl
def nasbench_register_spaces(register):
    _TOY.nasbench_register_spaces(register)


@hookimpl
def nasbench_register_benchmarks(register):
    _TOY.nasbench_register_benchmarks(register)


@hookimpl
def nasbench_register_scorers(register):
    _FAULTY.nasbench_register_scorers(register)
    register(DieOnTwo())


@hookimpl
def nasbench_register_proxies(register):
    _FAULTY.nasbench_register_proxies(register)
