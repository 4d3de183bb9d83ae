"""proxy_runtime: CUDA-OOM retry with batch splitting, chunk weights, state restoration."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest
import torch
from proxy_testnets import MLP, batch
from torch import nn

from nasbench.errors import NasbenchError
from nasbench_plugins.proxies import runtime as proxy_runtime
from nasbench_plugins.proxies.runtime import (
    chunks,
    executed_modules,
    fingerprint,
    shared_work,
    sharing_scope,
    untouched,
    with_oom_retry,
)


def _oom() -> Exception:
    return torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")


def test_oom_retry_halves_until_it_fits():
    tried = []

    def compute(parts: int) -> int:
        tried.append(parts)
        if parts < 4:
            raise _oom()
        return parts

    assert with_oom_retry(compute, batch_size=16) == 4
    assert tried == [1, 2, 4]


def test_oom_retry_gives_up_at_single_samples():
    def compute(parts: int) -> int:
        raise _oom()

    with pytest.raises(NasbenchError, match="single samples"):
        with_oom_retry(compute, batch_size=6)


def test_other_errors_are_not_retried():
    calls = []

    def compute(parts: int) -> int:
        calls.append(parts)
        raise ValueError("a bug")

    with pytest.raises(ValueError):
        with_oom_retry(compute, batch_size=8)
    assert calls == [1]


def test_chunks_cover_the_batch_with_weights_summing_to_one():
    x = torch.arange(7.0)
    parts = list(chunks(x, x, 3))
    assert torch.equal(torch.cat([p[0] for p in parts]), x)
    assert [len(p[0]) for p in parts] == [2, 3, 2]
    assert sum(p[2] for p in parts) == pytest.approx(1.0)


def test_untouched_restores_mode_buffers_grads_and_flags():
    net = nn.Sequential(nn.Linear(5, 4), nn.BatchNorm1d(4), nn.Linear(4, 3)).eval()
    net[0].weight.requires_grad_(False)
    old_grad = torch.ones_like(net[2].weight)
    net[2].weight.grad = old_grad
    x, _ = batch()
    with untouched(net):
        assert net.training
        net(x).sum().backward()
    assert not net.training
    assert torch.equal(net[1].running_mean, torch.zeros(4))
    assert net[2].weight.grad is old_grad and net[0].weight.grad is None
    assert not net[0].weight.requires_grad


def test_executed_modules_skips_modules_that_do_not_run():
    class WithSpare(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.mlp, self.spare = MLP(), nn.Linear(3, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.mlp(x)

    net = WithSpare()
    x, _ = batch()
    ran = executed_modules(net, x[:1])
    assert net.spare not in ran and net.mlp[0] in ran and net.mlp[2] in ran


def test_shared_work_computes_once_per_key_inside_a_scope():
    calls = []

    def compute() -> int:
        calls.append(1)
        return 42

    with sharing_scope() as work:
        assert shared_work().get(("k",), compute) == 42
        assert shared_work().get(("k",), compute) == 42
        assert shared_work().get(("other",), compute) == 42
    assert len(calls) == 2
    assert work.seconds_reused >= 0.0


def test_reuse_is_charged_the_original_compute_time(monkeypatch):
    clock = itertools.count(step=100.0)  # every computation takes 100 fake seconds
    monkeypatch.setattr(proxy_runtime, "time", SimpleNamespace(perf_counter=lambda: next(clock)))
    with sharing_scope() as work:
        work.get(("k",), lambda: 1)
        work.get(("k",), lambda: 1)
        work.get(("k",), lambda: 1)
    assert work.seconds_reused == 200.0


def test_reuse_is_charged_the_peak_recorded_for_the_entry():
    with sharing_scope() as work:
        work.get(("a",), lambda: 1)
        work.record_peak(500)  # what the computing proxy measured
        work.get(("b",), lambda: 2)
        work.record_peak(70)
        work.record_peak(9)  # no new entry: nothing changes
        work.get(("a",), lambda: 1)
        assert work.peak_reused == 500
        work.new_charge()
        work.get(("b",), lambda: 2)
        assert work.peak_reused == 70


def test_outside_a_scope_nothing_is_reused():
    calls = []
    shared_work().get(("k",), lambda: calls.append(1))
    shared_work().get(("k",), lambda: calls.append(1))
    assert len(calls) == 2


def test_a_failed_computation_is_not_kept():
    def fail() -> int:
        raise ValueError("boom")

    with sharing_scope():
        with pytest.raises(ValueError):
            shared_work().get(("k",), fail)
        assert shared_work().get(("k",), lambda: 7) == 7


def test_fingerprint_tells_weights_buffers_mode_and_inputs_apart():
    net, x = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3)), torch.ones(2, 4)
    base = fingerprint(net, x)
    assert fingerprint(net, x) == base
    assert fingerprint(net, x + 1) != base
    net.eval()
    assert fingerprint(net, x) != base
    net.train()
    with torch.no_grad():
        net[1].running_mean.add_(1.0)
    assert fingerprint(net, x) != base
    with torch.no_grad():
        net[1].running_mean.sub_(1.0)
        net[0].weight[0, 0] += 1e-3
    assert fingerprint(net, x) != base


def test_fingerprint_reads_any_dtype():
    net = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3)).to(torch.bfloat16)  # numpy has no bfloat16
    x = torch.ones(2, 4, dtype=torch.bfloat16)
    assert fingerprint(net, x) != fingerprint(net, x.to(torch.float32))


def test_fingerprint_tells_two_masks_of_one_supernet_apart():
    from proxy_testnets import image_batch, tiny_nb201

    from nasbench.supernet import removed

    _, supernet = tiny_nb201()
    x, _ = image_batch()
    base = fingerprint(supernet, x)
    edge = supernet.edges[0]
    with removed(supernet, edge, supernet.edge_ops[0][1]):
        assert fingerprint(supernet, x) != base
    assert fingerprint(supernet, x) == base
