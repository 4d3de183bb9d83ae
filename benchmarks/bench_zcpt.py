"""Zero-Cost-PT under the official semantics: what one perturbation and one validation network cost.

Targets (issue 17): scoring a perturbation S(A - (e, o)) with the official kernel costs at most
1.3x one bare supernet forward at the official batch (256), and scoring a validation network at
most 1.3x its bare forward. A whole seed of the official protocol (N=10, V=100) is timed by the
main job itself (docs/zc-pt.md quotes the stored search seconds), not here.
"""

import pytest
import torch

from benchutil import cifar_minibatch, median_seconds
from nasbench.torchutil import torch_generator
from nasbench_plugins.nb201.space import NB201Space
from nasbench_plugins.zero_cost_pt.code_kernel import KernelRules, network_kernel, supernet_kernel

CANDIDATE = "|nor_conv_3x3~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"


def _median(fn, repeat=3):
    return median_seconds(fn, repeat, warmup=True)


@pytest.fixture(scope="module")
def batch256():
    return cifar_minibatch(256)[0]


@pytest.fixture(scope="module")
def supernet():
    return NB201Space().build_supernet(10, torch_generator(0)).eval()


def _perturbation_weights() -> torch.Tensor:
    weights = torch.softmax(1e-3 * torch.randn(6, 5, generator=torch_generator(1)), dim=-1)
    weights[0, 3] = 0.0  # A - (0->1, nor_conv_3x3), every other edge undecided: the costliest step
    return weights


def test_official_perturbation_score_batch256(benchmark, record_peak_memory, supernet, batch256):
    weights = _perturbation_weights()
    benchmark.pedantic(supernet_kernel, args=(supernet, batch256, weights, KernelRules()), rounds=3, iterations=1)
    record_peak_memory(lambda: supernet_kernel(supernet, batch256, weights, KernelRules()))


def test_official_validation_score_batch256(benchmark, batch256):
    space = NB201Space()
    net = space.build_network(space.parse(CANDIDATE), 10, torch_generator(0)).eval()
    benchmark.pedantic(network_kernel, args=(net, batch256, KernelRules()), rounds=3, iterations=1)


def test_a_perturbation_costs_within_1_3x_of_a_bare_supernet_forward(supernet, batch256):
    weights = _perturbation_weights()

    def bare():
        with torch.inference_mode():
            supernet(batch256)

    ratio = _median(lambda: supernet_kernel(supernet, batch256, weights, KernelRules())) / _median(bare)
    print(f"\nofficial perturbation score / bare supernet forward (batch 256) = {ratio:.2f}")
    assert ratio <= 1.3


def test_a_validation_network_costs_within_1_3x_of_its_bare_forward(batch256):
    space = NB201Space()
    net = space.build_network(space.parse(CANDIDATE), 10, torch_generator(0)).eval()

    def bare():
        with torch.inference_mode():
            net(batch256)

    ratio = _median(lambda: network_kernel(net, batch256, KernelRules())) / _median(bare)
    print(f"\nofficial validation score / bare network forward (batch 256) = {ratio:.2f}")
    assert ratio <= 1.3
