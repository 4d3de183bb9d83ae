"""Cost of every zero-cost proxy on one NB201 network (C=16, N=5), CPU, a batch of 64 CIFAR-10 images.

The arch has convs on five of six edges (a costly one), so the numbers are close to an upper
bound over NB201. Each round scores a fresh copy-free call on the same network: the proxies
leave the network as they found it, so rounds are independent.
"""

from __future__ import annotations

import math

import pytest
import torch

from nasbench.plugins import get_plugin_manager
from nasbench.registry import Registry
from nasbench_plugins.proxies.catalog import built_in_proxies

ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
#: the NTK needs one backward pass per sample (16-60 s on one CPU thread at batch 64): one round only
SINGLE_ROUND = {"tenas", "tenas_ntk"}
#: timed by bench_search.py (nwot on the same arch and batch); nwot_eval costs the same
BENCHED_ELSEWHERE = {"nwot", "nwot_eval"}
NAMES = [name for name in built_in_proxies() if name not in BENCHED_ELSEWHERE]


@pytest.fixture(scope="module")
def nb201_net():
    from nasbench_plugins.nb201.space import NB201Space

    space = NB201Space()
    return space.build_network(space.parse(ARCH), 10, torch.Generator().manual_seed(1))


@pytest.mark.parametrize("name", NAMES)
def test_proxy_cost(benchmark, nb201_net, cifar_batch, name):
    proxy = Registry(get_plugin_manager()).get("proxy", name)
    x, y = cifar_batch
    value = benchmark.pedantic(
        lambda: proxy.score(nb201_net, x, y, torch.Generator().manual_seed(2)),
        rounds=1 if name in SINGLE_ROUND else 3,
        iterations=1,
        warmup_rounds=0 if name in SINGLE_ROUND else 1,
    )
    assert math.isfinite(value)


@pytest.mark.parametrize("mode", ["loop", "batched"])
def test_tenas_ntk_gradients(benchmark, nb201_net, cifar_batch, mode):
    """The NTK's B per-sample gradients: a backward per sample (default) or one vectorised backward."""
    from nasbench_plugins.proxies.runtime import untouched
    from nasbench_plugins.proxies.tenas import ntk_grads

    x, _ = cifar_batch

    def run():
        with untouched(nb201_net):
            return ntk_grads(nb201_net, x, 1, mode=mode)

    grads = benchmark.pedantic(run, rounds=1, iterations=1, warmup_rounds=0)
    assert grads.shape[0] == x.shape[0]
