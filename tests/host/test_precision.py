"""Precision is a run setting (fp32 exact by default, bf16 opt-in): in the run key, shown in the
report, and one scope that every network of the run asks. Tests never assume bf16 hardware: bf16
autocast runs (slowly) on any CPU; only speed depends on AMX."""

import json

import pytest
import torch
from torch import nn

from nasbench import precision as prec
from nasbench.api import hookimpl, network_precision, precision_scope
from nasbench.runner import prepare
from nasbench.testing import random_images


class _FlatScorer:
    name = "flat"
    needs_proxy = False
    needs_images = False
    settings: dict = {}

    def score_edge(self, ctx, decisions, edge):
        return {op: 0.0 for op in ctx.space.candidate_ops(edge)}


class _Plugin:
    @hookimpl
    def nasbench_register_scorers(self, register):
        register(_FlatScorer())


def _prepared(registry, **settings):
    return prepare(
        registry,
        space="toy",
        dataset="toy",
        scorer="flat",
        strategy="independent",
        settings=settings,
        images=random_images(),
    )


def test_bf16_is_another_run_and_fp32_keeps_the_key_it_had_before_precision_existed(
    toy_plugin, register_plugin, nasbench_registry
):
    register_plugin(_Plugin(), name="flat")
    fp32, bf16 = _prepared(nasbench_registry), _prepared(nasbench_registry, precision="bf16")
    assert fp32.spec["settings"]["precision"] == "fp32" and bf16.spec["settings"]["precision"] == "bf16"
    assert fp32.run_key != bf16.run_key
    assert _prepared(nasbench_registry, precision="fp32").run_key == fp32.run_key
    before = dict(fp32.spec, settings={k: v for k, v in fp32.spec["settings"].items() if k != "precision"})
    import hashlib

    legacy = hashlib.sha1(json.dumps(before, sort_keys=True, default=str).encode()).hexdigest()[:16]
    assert fp32.run_key == legacy


def test_an_unknown_precision_is_one_clear_error(toy_plugin, register_plugin, nasbench_registry):
    from nasbench.api import BadInput

    register_plugin(_Plugin(), name="flat")
    with pytest.raises(BadInput, match="precision='fp16': choose one of fp32, bf16"):
        _prepared(nasbench_registry, precision="fp16")


def test_a_network_runs_in_the_scope_s_precision_and_in_fp32_outside_any():
    conv = nn.Conv2d(3, 4, 3, padding=1)
    x = torch.randn(2, 3, 8, 8)
    with network_precision() as p:
        assert p.name == "fp32" and conv(p.layout(x)).dtype == torch.float32
    with precision_scope("bf16", "cpu"):
        with network_precision() as p:
            y = conv(p.layout(x))
            with p.exact():
                exact = x.flatten(1) @ x.flatten(1).T
    assert y.dtype == torch.bfloat16 and exact.dtype == torch.float32
    assert y.is_contiguous(memory_format=torch.channels_last) == prec.CHANNELS_LAST.get(("cpu", "bf16"), False)


def test_an_explicit_precision_does_not_depend_on_the_scope():
    with precision_scope("bf16", "cpu"):
        assert network_precision("fp32", "cpu").dtype == torch.float32
    assert network_precision("bf16", "cpu").dtype == torch.bfloat16


def test_fp32_scope_switches_reduced_precision_fp32_math_off_and_restores_it():
    backend = prec._backend("mkldnn.matmul")
    if backend is None:
        pytest.skip("this torch has no fp32_precision switch")
    before = backend.fp32_precision
    backend.fp32_precision = "bf16"
    try:
        with precision_scope("fp32", "cpu"):
            assert backend.fp32_precision == "ieee"
        assert backend.fp32_precision == "bf16"
    finally:
        backend.fp32_precision = before


def test_bf16_on_a_cpu_without_bf16_units_warns_once(monkeypatch, capsys):
    monkeypatch.setattr(prec, "cpu_has_bf16_units", lambda: False)
    monkeypatch.setattr(prec, "_warned", set())
    for _ in range(2):
        with precision_scope("bf16", "cpu"):
            pass
    with precision_scope("fp32", "cpu"):
        pass
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "no bf16 units" in err[0]


def test_the_cpu_flags_decide_whether_bf16_units_are_there(monkeypatch, tmp_path):
    import builtins

    real_open = builtins.open
    cpuinfo = tmp_path / "cpuinfo"
    monkeypatch.setattr(builtins, "open", lambda p, *a, **k: real_open(cpuinfo if p == "/proc/cpuinfo" else p, *a, **k))
    try:
        for flags, expected in (("fpu avx512f amx_bf16 amx_tile", True), ("fpu avx2 avx512f", False)):
            cpuinfo.write_text(f"flags\t\t: {flags}\n")
            prec.cpu_has_bf16_units.cache_clear()
            assert prec.cpu_has_bf16_units() is expected
    finally:
        monkeypatch.setattr(builtins, "open", real_open)
        prec.cpu_has_bf16_units.cache_clear()


def test_the_cell_pooling_gives_the_same_average_in_either_layout():
    from nasbench.api import AvgPool3x3

    x = torch.randn(2, 5, 7, 9, generator=torch.Generator().manual_seed(0))
    for stride in (1, 2):
        pool = AvgPool3x3(stride)
        nchw, cl = pool(x), pool(x.contiguous(memory_format=torch.channels_last))
        assert torch.allclose(nchw, cl, rtol=1e-6, atol=1e-7)
        assert isinstance(pool, nn.AvgPool2d)  # hooks and FLOP rules still see an AvgPool2d


def test_default_threads_leave_torch_alone_when_omp_num_threads_is_set():
    from nasbench.cli_run import default_threads

    assert default_threads(1, {"OMP_NUM_THREADS": "1"}) == 0


def test_default_threads_share_the_idle_cores_among_the_workers(monkeypatch):
    import os

    from nasbench.cli_run import default_threads

    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(8)), raising=False)
    assert default_threads(1, {}, load=0.0) == 8
    assert default_threads(2, {}, load=0.0) == 4
    assert default_threads(1, {}, load=6.0) == 2  # a busy machine: only the idle cores
    assert default_threads(1, {}, load=20.0) == 1
    assert default_threads(10_000, {}, load=0.0) == 1


def test_a_scope_can_force_nchw_and_code_that_names_its_own_precision_keeps_it():
    x = torch.zeros(2, 3, 4, 4)
    with precision_scope("fp32", "cpu", channels_last=False):
        assert network_precision().layout(x).is_contiguous()
        # a trainer asks with its own precision name (its checkpoint's); the forced layout holds
        assert network_precision("fp32", "cpu").layout(x).is_contiguous()
    with precision_scope("fp32", "cpu", channels_last=True):
        assert network_precision().layout(x).is_contiguous(memory_format=torch.channels_last)
