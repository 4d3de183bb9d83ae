"""A proxy or scorer whose results changed declares a new ``version`` (a scorer may declare
``version(proxy)`` when only some proxies' results changed); runs that use it get a new run key,
so a result stored under the old definition is never found as the new one's. Version "1" (or no
version) adds nothing to the key, which keeps every key stored before versions entered it."""

import dataclasses

from nasbench.api import hookimpl
from nasbench.runner import prepare
from nasbench.testing import random_images


class _SumProxy:
    """Scores a network by the sum of its logits on the batch (enough to run a search)."""

    name = "sum-proxy"

    def score(self, net, inputs, targets, generator):
        return float(net(inputs).sum())


class _SumProxyV2(_SumProxy):
    version = "2"


class _KernelProxy(_SumProxy):
    relu_code_kernel = True  # as nwot declares: zc-pt's official path scores it with its own kernel


class _Unversioned:
    """The zc-pt scorer as it was before it declared a version (the spec holds its name only)."""

    name = "zc-pt"


class _Plugin:
    @hookimpl
    def nasbench_register_proxies(self, register):
        register(_SumProxy())


def _prepared(registry):
    return prepare(
        registry,
        space="toy",
        dataset="toy",
        scorer="zc-pt",
        proxy="sum-proxy",
        strategy="independent",
        settings={"batch_size": 8},
        images=random_images(),
    )


def test_a_proxy_without_a_version_keeps_the_key_of_version_1(toy_plugin, register_plugin, nasbench_registry):
    register_plugin(_Plugin(), name="sum-proxy")
    prepared = _prepared(nasbench_registry)
    explicit_1 = type("V1", (_SumProxy,), {"version": "1"})()
    assert dataclasses.replace(prepared, proxy=explicit_1).run_key == prepared.run_key


def test_a_new_proxy_version_is_another_run(toy_plugin, register_plugin, nasbench_registry):
    register_plugin(_Plugin(), name="sum-proxy")
    prepared = _prepared(nasbench_registry)
    assert dataclasses.replace(prepared, proxy=_SumProxyV2()).run_key != prepared.run_key


def test_a_scorer_declaring_version_1_keeps_the_key_it_had_without_one(toy_plugin, register_plugin, nasbench_registry):
    register_plugin(_Plugin(), name="sum-proxy")
    before = dataclasses.replace(_prepared(nasbench_registry), scorer=_Unversioned())
    assert dataclasses.replace(before, scorer=type("V1", (), {"version": "1"})()).run_key == before.run_key


def test_zc_pt_gives_the_runs_of_a_proxy_it_now_scores_differently_a_new_key(
    toy_plugin, register_plugin, nasbench_registry
):
    register_plugin(_Plugin(), name="sum-proxy")
    prepared = _prepared(nasbench_registry)
    assert prepared.run_key != dataclasses.replace(prepared, scorer=_Unversioned()).run_key


def test_zc_pt_keeps_the_keys_of_kernel_proxy_runs(toy_plugin, register_plugin, nasbench_registry):
    register_plugin(_Plugin(), name="sum-proxy")
    kernel = dataclasses.replace(_prepared(nasbench_registry), proxy=_KernelProxy())
    assert kernel.run_key == dataclasses.replace(kernel, scorer=_Unversioned()).run_key
