"""Issue 26's speed targets: the same work in fp32 NCHW (how it ran before), fp32 (channels-last on
the CPU) and bf16, timed in one run so that the ratios hold on a loaded box.

Cases (process CPU time is what the targets are about; pytest-benchmark records wall time):

- ``zcpt_slice``: the two units a zc-pt seed of the official protocol is made of, at batch 256: one
  perturbation score S(A - (e, o)) with every edge undecided (the costliest) and one validation
  network score. A seed is 30 + 10 x 30 = 330 supernet scores and (distinct candidates) x V=100
  network scores; docs/precision.md extrapolates a seed from these and checks against whole seeds.
  The peak RSS of a perturbation score is recorded (target: a seed <= 1 GB).
- ``training_step``: one DARTS step (alpha step + weight step) at batch 64 of the NB201 supernet
  (C=16, N=5) and of a DARTS supernet (C=8, 5 cells here: C=16 8 cells costs ~30 s a step on this
  box; docs/precision.md has it measured by hand). Target: bf16 >= 2.5x faster than fp32 NCHW.

``test_*_ratio`` print the CPU-time ratios (``-s``) and assert only what holds on any CPU: on a CPU
with bf16 units (AMX / AVX512-BF16) bf16 is faster than fp32 NCHW; without them the case skips.
"""

from __future__ import annotations

import time

import pytest
import torch

import nasbench.precision as precision_module
from benchutil import cifar_minibatch
from nasbench.api import ImageSet, precision_scope, torch_generator
from nasbench_plugins.darts_space.reduced_spaces import SPECS
from nasbench_plugins.darts_space.space import make_space
from nasbench_plugins.nb201.space import NB201Space
from nasbench_plugins.oneshot.training import SupernetTrainer, train_config
from nasbench_plugins.zero_cost_pt.code_kernel import KernelRules, logdet, network_kernel, supernet_kernel

CANDIDATE = "|nor_conv_3x3~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
#: (label, precision, channels-last on the CPU): "fp32-nchw" is how every network ran before issue 26
MODES = (("fp32-nchw", "fp32", False), ("fp32", "fp32", True), ("bf16", "bf16", True))
BATCH = 64

pytestmark = pytest.mark.usefixtures("single_thread")  # see nasbench.testing


@pytest.fixture
def mode(request, monkeypatch):
    label, name, channels_last = request.param
    table = dict(precision_module.CHANNELS_LAST)
    table[("cpu", name)] = channels_last
    monkeypatch.setattr(precision_module, "CHANNELS_LAST", table)
    return name


@pytest.fixture(scope="module")
def batch256():
    return cifar_minibatch(256)[0]


@pytest.fixture(scope="module")
def nb201_nets():
    space = NB201Space()
    supernet = space.build_supernet(10, torch_generator(0)).eval()
    network = space.build_network(space.parse(CANDIDATE), 10, torch_generator(0)).eval()
    weights = torch.softmax(1e-3 * torch.randn(6, 5, generator=torch_generator(1)), dim=-1)
    weights[0, 3] = 0.0  # A - (0->1, nor_conv_3x3), every other edge undecided: the costliest step
    return supernet, network, weights


def _perturbation(nets, x, name):
    supernet, _network, weights = nets
    with precision_scope(name, "cpu"):
        return logdet(supernet_kernel(supernet, x, weights, KernelRules()))


def _validation(nets, x, name):
    with precision_scope(name, "cpu"):
        return logdet(network_kernel(nets[1], x, KernelRules()))


@pytest.mark.parametrize("mode", MODES, indirect=True, ids=[m[0] for m in MODES])
def test_zcpt_slice_perturbation(benchmark, record_peak_memory, mode, nb201_nets, batch256):
    benchmark.pedantic(_perturbation, args=(nb201_nets, batch256, mode), rounds=3, iterations=1, warmup_rounds=1)
    record_peak_memory(lambda: _perturbation(nb201_nets, batch256, mode))


@pytest.mark.parametrize("mode", MODES, indirect=True, ids=[m[0] for m in MODES])
def test_zcpt_slice_validation(benchmark, mode, nb201_nets, batch256):
    benchmark.pedantic(_validation, args=(nb201_nets, batch256, mode), rounds=3, iterations=1, warmup_rounds=1)


def _trainer(space_name: str, name: str) -> SupernetTrainer:
    gen = torch_generator(0)
    images = ImageSet(
        "random",
        torch.randn(2 * BATCH, 3, 32, 32, generator=gen),
        torch.randint(0, 10, (2 * BATCH,), generator=gen),
        10,
        "random",
    )
    if space_name == "nb201":
        space, settings = NB201Space(), {}
    else:
        settings = {"darts_channels": 8, "darts_cells": 5}
        space = make_space(SPECS[0]).with_settings(settings)
    settings.update(train_batch_size=BATCH, train_steps=1, train_epochs=1, precision=name)
    config = train_config(space, settings, 0, 10, "random")
    train = ImageSet("t", images.images[:BATCH], images.labels[:BATCH], 10, "random")
    valid = ImageSet("v", images.images[BATCH:], images.labels[BATCH:], 10, "random")
    return SupernetTrainer(space.build_supernet(10, torch_generator(1)), config, train, valid, torch.device("cpu"), gen)


@pytest.mark.parametrize("space_name", ["nb201", "darts"])
@pytest.mark.parametrize("mode", MODES, indirect=True, ids=[m[0] for m in MODES])
def test_training_step(benchmark, mode, space_name):
    trainer = _trainer(space_name, mode)
    record = benchmark.pedantic(trainer.run_epoch, rounds=2, iterations=1, warmup_rounds=1)
    assert record["loss"] > 0


def _cpu_seconds(fn, repeat: int = 2) -> float:
    fn()
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def _ratios(monkeypatch, work) -> dict[str, float]:
    """CPU seconds of ``work(precision)`` per mode, interleaved in one run."""
    seconds = {}
    for label, name, channels_last in MODES:
        table = dict(precision_module.CHANNELS_LAST)
        table[("cpu", name)] = channels_last
        monkeypatch.setattr(precision_module, "CHANNELS_LAST", table)
        seconds[label] = _cpu_seconds(lambda name=name: work(name))
    return seconds


def _needs_bf16_units():
    if not precision_module.cpu_has_bf16_units():
        pytest.skip("this CPU has no bf16 units: bf16 is emulated there, no speed-up to check")


def test_zcpt_slice_ratio(monkeypatch, nb201_nets, batch256):
    _needs_bf16_units()
    per = {
        k: _ratios(monkeypatch, lambda n, f=f: f(nb201_nets, batch256, n))
        for k, f in (("perturbation", _perturbation), ("validation", _validation))
    }
    for kind, s in per.items():
        print(f"\n{kind}: CPU s " + ", ".join(f"{k} {v:.2f}" for k, v in s.items()), end="")
        print(f"; fp32-nchw/bf16 x{s['fp32-nchw'] / s['bf16']:.2f}, fp32-nchw/fp32 x{s['fp32-nchw'] / s['fp32']:.2f}")
        assert s["bf16"] < s["fp32-nchw"]


@pytest.mark.parametrize("space_name", ["nb201", "darts"])
def test_training_step_ratio(monkeypatch, space_name):
    _needs_bf16_units()
    trainers = {}

    def step(name):
        if name not in trainers:
            trainers[name] = _trainer(space_name, name)
        trainers[name].run_epoch()

    s = _ratios(monkeypatch, step)
    print(f"\n{space_name} step: CPU s " + ", ".join(f"{k} {v:.2f}" for k, v in s.items()), end="")
    print(f"; fp32-nchw/bf16 x{s['fp32-nchw'] / s['bf16']:.2f}, fp32-nchw/fp32 x{s['fp32-nchw'] / s['fp32']:.2f}")
    assert s["fp32"] < s["fp32-nchw"]
