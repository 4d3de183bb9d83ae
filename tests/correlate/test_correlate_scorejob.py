"""score_job: proxies of one job share identical work (TE-NAS' NTK) without changing any score."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

from nasbench import proxy_runtime
from nasbench.proxyjob import ScoreJob, score_job


def _job(tiny_data, proxies: tuple[str, ...]) -> ScoreJob:
    return ScoreJob(
        space="toy",
        arch="conv3x3,skip,conv1x1",
        proxies=proxies,
        dataset="toy",
        batch_size=6,
        seed=0,
        device="cpu",
        data_dir=str(tiny_data),
        plugin_modules=("correlate_plugins",),
    )


def test_tenas_scores_are_the_same_alone_and_together(correlate_pm, tiny_data):
    together = {s.proxy: s.score for s in score_job(_job(tiny_data, ("tenas_ntk", "tenas")))}
    alone = {name: score_job(_job(tiny_data, (name,)))[0].score for name in ("tenas_ntk", "tenas")}
    assert together == alone


def test_the_proxy_that_reuses_the_ntk_is_charged_its_time(correlate_pm, tiny_data, monkeypatch):
    clock = itertools.count(step=100.0)  # shared work takes exactly 100 fake seconds
    monkeypatch.setattr(proxy_runtime, "time", SimpleNamespace(perf_counter=lambda: next(clock)))
    ntk, both = score_job(_job(tiny_data, ("tenas_ntk", "tenas")))
    assert ntk.status == both.status == "ok"
    assert both.seconds >= 100.0
