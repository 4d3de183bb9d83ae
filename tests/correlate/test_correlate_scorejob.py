"""score_job: proxies of one job share identical work (TE-NAS' NTK, the CE backward, the input
Jacobian) without changing any score."""

from __future__ import annotations

import itertools
from contextlib import contextmanager
from types import SimpleNamespace

from nasbench.measure import Measurement
from nasbench_plugins.correlate import scorejob as proxyjob
from nasbench_plugins.correlate.scorejob import ScoreJob, score_job
from nasbench_plugins.proxies import runtime as proxy_runtime


def _job(tiny_data, proxies: tuple[str, ...], arch: str = "conv3x3,skip,conv1x1", seed: int = 0) -> ScoreJob:
    return ScoreJob(
        space="toy",
        arch=arch,
        proxies=proxies,
        dataset="toy",
        batch_size=6,
        seed=seed,
        device="cpu",
        data_dir=str(tiny_data),
        plugin_modules=("correlate_plugins",),
    )


def test_tenas_scores_are_the_same_alone_and_together(correlate_pm, tiny_data):
    together = {s.proxy: s.score for s in score_job(_job(tiny_data, ("tenas_ntk", "tenas")))}
    alone = {name: score_job(_job(tiny_data, (name,)))[0].score for name in ("tenas_ntk", "tenas")}
    assert together == alone


def test_gradient_and_jacobian_proxies_score_the_same_alone_and_together(correlate_pm, tiny_data):
    names = ("grad_norm", "snip", "plain", "fisher", "grasp", "jacov", "epe_nas")
    together = {s.proxy: s.score for s in score_job(_job(tiny_data, names))}
    alone = {name: score_job(_job(tiny_data, (name,)))[0].score for name in names}
    assert together == alone


def test_the_proxy_that_reuses_the_ntk_is_charged_its_time(correlate_pm, tiny_data, monkeypatch):
    clock = itertools.count(step=100.0)  # shared work takes exactly 100 fake seconds
    monkeypatch.setattr(proxy_runtime, "time", SimpleNamespace(perf_counter=lambda: next(clock)))
    ntk, both = score_job(_job(tiny_data, ("tenas_ntk", "tenas")))
    assert ntk.status == both.status == "ok"
    assert both.seconds >= 100.0


def test_the_proxy_that_reuses_the_ntk_is_charged_its_peak_memory(correlate_pm, tiny_data, monkeypatch):
    peaks = iter([4_000_000, 1_000])  # the NTK's proxy measures 4 MB, the reusing one 1 kB

    @contextmanager
    def fake_measure(_device):
        result = Measurement(peak_memory_bytes=next(peaks))
        yield result

    monkeypatch.setattr(proxyjob, "measure", fake_measure)
    ntk, both = score_job(_job(tiny_data, ("tenas_ntk", "tenas")))
    assert (ntk.peak_memory_bytes, both.peak_memory_bytes) == (4_000_000, 4_000_000)


def test_random_inputs_are_common_to_all_archs_of_a_seed(correlate_pm, tiny_data):
    draw = {
        (arch, seed): score_job(_job(tiny_data, ("first-draw",), arch, seed))[0].score
        for arch in ("conv3x3,skip,conv1x1", "none,conv1x1,skip")
        for seed in (0, 1)
    }
    assert draw[("conv3x3,skip,conv1x1", 0)] == draw[("none,conv1x1,skip", 0)]
    assert draw[("conv3x3,skip,conv1x1", 1)] == draw[("none,conv1x1,skip", 1)]
    assert draw[("conv3x3,skip,conv1x1", 0)] != draw[("conv3x3,skip,conv1x1", 1)]
