"""Speed targets of the first path (issue: harness), measured on CPU with pytest-benchmark.

Targets: a perturbation evaluation of the supernet costs no more than a plain supernet forward
(within 1.2x: masking flips a flag, it copies nothing), and a zc-pt search costs within 1.5x of
the bare forward passes it needs.
"""

import numpy as np
import pytest
import torch

from benchutil import median_seconds
from nasbench.supernet import removed
from nasbench.torchutil import torch_generator
from nasbench_plugins.nb201.space import NB201Space
from nasbench_plugins.proxies.nwot import NWOT

BEST = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"


def _median(fn, repeat=5):
    return median_seconds(fn, repeat)


@pytest.fixture(scope="module")
def supernet():
    return NB201Space().build_supernet(10, torch_generator(0))


def test_nwot_one_nb201_arch_batch64(benchmark, cifar_batch):
    space = NB201Space()
    net = space.build_network(space.parse(BEST), 10, torch_generator(0))
    x, y = cifar_batch
    score = benchmark(NWOT().score, net, x, y, torch_generator(0))
    assert np.isfinite(score)


def test_supernet_plain_forward_batch64(benchmark, supernet, cifar_batch):
    x, _ = cifar_batch

    def forward():
        with torch.inference_mode():
            return supernet(x)

    benchmark(forward)


def test_supernet_perturbation_forward_batch64(benchmark, record_peak_memory, supernet, cifar_batch):
    x, _ = cifar_batch

    def perturbed():
        with removed(supernet, "0->1", "nor_conv_1x1"), torch.inference_mode():
            return supernet(x)

    benchmark(perturbed)
    record_peak_memory(perturbed)


def test_perturbation_costs_within_1_2x_of_a_plain_forward(supernet, cifar_batch):
    x, y = cifar_batch

    def plain():
        with torch.inference_mode():
            supernet(x)

    def perturbed_forward():
        with removed(supernet, "0->1", "nor_conv_1x1"), torch.inference_mode():
            supernet(x)

    def perturbed_nwot():
        with removed(supernet, "0->1", "nor_conv_1x1"):
            NWOT().score(supernet, x, y, torch_generator(0))

    plain()
    base = _median(plain)
    ratio_forward = _median(perturbed_forward) / base
    ratio_nwot = _median(perturbed_nwot) / base
    print(f"\nperturbed forward / plain = {ratio_forward:.2f}; nwot of a perturbation / plain = {ratio_nwot:.2f}")
    assert ratio_forward <= 1.2
    assert ratio_nwot <= 1.2


def test_zc_pt_search_within_1_5x_of_its_bare_forward_passes(tmp_path):
    """Search time / (its forward passes timed bare). Batch 64, N=2, V=5 to keep it short.

    Every supernet forward is timed as a full-supernet forward, although the search's get
    cheaper as edges are discretized: the bare figure is an upper bound, so a ratio below 1
    is expected; above 1.5 means the harness itself costs time."""
    from nasbench import runner
    from nasbench.plugins import get_plugin_manager
    from nasbench.registry import Registry

    prepared = runner.prepare(
        Registry(get_plugin_manager()),
        space="nb201",
        scorer="zc-pt",
        device="cpu",
        settings={"proposals": 2, "validation": 5, "batch_size": 64},
    )
    result = runner.run_trial(prepared, 0)
    counters = result.metrics["extra"]["counters"]
    space = prepared.space
    x = prepared.images_loader().images[:64]
    supernet = space.build_supernet(10, torch_generator(0))
    candidates = result.metrics["extra"]["info"]["candidates"]
    nets = [space.build_network(space.parse(a), 10, torch_generator(0)) for a in candidates]

    def forward(net):
        with torch.inference_mode():
            net(x)

    forward(supernet)
    bare = counters["supernet_forwards"] * _median(lambda: forward(supernet))
    if counters["network_forwards"]:
        per_net = np.mean([_median(lambda n=n: forward(n), repeat=3) for n in nets])
        bare += counters["network_forwards"] * per_net
    ratio = result.metrics["search_seconds"] / bare
    print(f"\nsearch {result.metrics['search_seconds']:.1f} s, bare forwards {bare:.1f} s, ratio {ratio:.2f}")
    assert ratio <= 1.5


def test_short_zc_pt_search(benchmark, tmp_path):
    from nasbench import runner
    from nasbench.plugins import get_plugin_manager
    from nasbench.registry import Registry

    prepared = runner.prepare(
        Registry(get_plugin_manager()),
        space="nb201",
        scorer="zc-pt",
        device="cpu",
        settings={"proposals": 1, "validation": 2, "batch_size": 16},
    )
    result = benchmark.pedantic(runner.run_trial, args=(prepared, 0), rounds=1, iterations=1)
    assert result.status == "ok", result.failure
    benchmark.extra_info["peak_memory_bytes"] = int(result.metrics["peak_memory_bytes"])
