"""Test plugins that misbehave on purpose, plus the toy space they run on.

Registered in-process (``register_plugin`` fixture) or in a subprocess through ``nb_cli.py``.
Scorers take the toy space's oracle where they behave, so a healthy trial is exact and instant.

``NASBENCH_TEST_SLEEP`` (seconds, default 0) makes ``slow-oracle`` sleep per edge: the crash
tests kill a run while it is inside a trial.
"""

from __future__ import annotations

import math
import os
import time

from nasbench.hookspecs import hookimpl
from nasbench.testing import ToyPlugin


class _Scorer:
    needs_proxy = False
    needs_images = False
    settings: dict = {}


class RaisingScorer(_Scorer):
    """Raises on every odd seed (``fail-odd``) or always (``fail-always``)."""

    def __init__(self, name: str, every: bool) -> None:
        self.name, self.every = name, every

    def score_edge(self, ctx, decisions, edge):
        if self.every or ctx.seed % 2:
            raise RuntimeError(f"scorer blew up on seed {ctx.seed}")
        return ctx.oracle(decisions, edge)["best-acc"]


class NaNScorer(_Scorer):
    """Every op of every edge scores NaN: nothing to decide on."""

    name = "nan-scorer"

    def score_edge(self, ctx, decisions, edge):
        return {op: math.nan for op in ctx.space.candidate_ops(edge)}


class HangingScorer(_Scorer):
    """Never returns (sleeps an hour per edge): only a per-trial timeout ends it."""

    name = "hang"

    def score_edge(self, ctx, decisions, edge):
        time.sleep(3600)
        return {}


class SlowOracle(_Scorer):
    """The oracle, after ``NASBENCH_TEST_SLEEP`` seconds per edge."""

    name = "slow-oracle"

    def score_edge(self, ctx, decisions, edge):
        time.sleep(float(os.environ.get("NASBENCH_TEST_SLEEP", "0")))
        return ctx.oracle(decisions, edge)["best-acc"]


class _Proxy:
    needs_labels = False
    settings: dict = {}


class RaisingProxy(_Proxy):
    name = "raise-proxy"

    def score(self, net, inputs, targets, generator):
        raise ValueError("proxy blew up")


class NaNProxy(_Proxy):
    name = "nan-proxy"

    def score(self, net, inputs, targets, generator):
        return math.nan


class HangingProxy(_Proxy):
    name = "hang-proxy"

    def score(self, net, inputs, targets, generator):
        time.sleep(3600)
        return 0.0


class SlowParams(_Proxy):
    """The parameter count, after ``NASBENCH_TEST_SLEEP`` seconds (a slow, healthy proxy)."""

    name = "slow-params"

    def score(self, net, inputs, targets, generator):
        time.sleep(float(os.environ.get("NASBENCH_TEST_SLEEP", "0")))
        return float(sum(p.numel() for p in net.parameters()))


class FaultyPlugin:
    @hookimpl
    def nasbench_register_scorers(self, register):
        register(RaisingScorer("fail-odd", every=False))
        register(RaisingScorer("fail-always", every=True))
        register(NaNScorer())
        register(HangingScorer())
        register(SlowOracle())

    @hookimpl
    def nasbench_register_proxies(self, register):
        for proxy in (RaisingProxy(), NaNProxy(), HangingProxy(), SlowParams()):
            register(proxy)


def register_all(pm) -> None:
    """Register the toy space/benchmark and the faulty components on plugin manager ``pm``."""
    pm.register(ToyPlugin(), name="toy")
    pm.register(FaultyPlugin(), name="faulty")
