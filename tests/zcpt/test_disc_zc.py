"""disc-zc (Eq. 6) computes S as zc-pt does on the space, the edge one-hot on the op instead of the
op switched off; ``disc_zc_semantics=nasbench-v1`` keeps nasbench's earlier generic path."""

from __future__ import annotations

import math

import torch

from nasbench.torchutil import torch_generator
from nasbench_plugins.nb201.space import NB201Space
from nasbench_plugins.zero_cost_pt.codes import logdet
from nasbench_plugins.zero_cost_pt.disc_zc import DiscZC
from nasbench_plugins.zero_cost_pt.official_paths import PATHS
from nasbench_plugins.zero_cost_pt.scorer import Semantics, ZeroCostPT, _Trial
from tests.zcpt.official_hooks import supernet_hooked_kernel


class _Counters:
    perturbations = forward_passes = supernet_forwards = 0


class _KernelProxy:
    """Stands for nwot: the scorer computes its kernel itself (no call reaches ``score``)."""

    name = "nwot"
    relu_code_kernel = True

    def score(self, net, inputs, targets, generator):
        raise AssertionError("the kernel path never calls the proxy")


def _ctx(scorer_name: str, settings: dict):
    class Ctx:
        proxy = _KernelProxy()
        supernet = NB201Space(channels=4, cells_per_stage=1).build_supernet(10, torch_generator(0))
        counters = _Counters()

    ctx = Ctx()
    ctx.settings = settings
    trial = _Trial(Semantics.from_settings({}), torch_generator(0), None, PATHS[0], started=True)
    trial.alpha = 1e-3 * torch.randn(6, 5, generator=torch_generator(1))
    trial.batch = (torch.randn(6, 3, 8, 8, generator=torch_generator(2)), torch.zeros(6))
    ctx.state = {scorer_name: trial}
    return ctx, trial


def test_disc_zc_scores_the_edge_one_hot_on_each_op_with_the_official_kernel():
    ctx, trial = _ctx("disc-zc", {"disc_zc_semantics": "zc-pt"})
    net = ctx.supernet
    scores = DiscZC().score_edge(ctx, {}, "1->2")
    e = net.edges.index("1->2")
    weights = trial.path.weights(net, trial.alpha, trial.semantics)
    for j, op in enumerate(net.edge_ops[e]):
        one_hot = weights.clone()
        one_hot[e] = 0.0
        one_hot[e, j] = 1.0
        expected = logdet(supernet_hooked_kernel(net, trial.batch[0], one_hot))
        assert math.isclose(scores[op], expected, rel_tol=1e-9), op  # higher S = better: no sign flip


def test_zc_pt_on_the_same_trial_scores_minus_s_with_the_op_switched_off():
    ctx, trial = _ctx("zc-pt", {})
    net = ctx.supernet
    scores = ZeroCostPT().score_edge(ctx, {}, "1->2")
    e = net.edges.index("1->2")
    removed = trial.path.weights(net, trial.alpha, trial.semantics)
    removed[e, 0] = 0.0
    expected = -logdet(supernet_hooked_kernel(net, trial.batch[0], removed))
    assert math.isclose(scores[net.edge_ops[e][0]], expected, rel_tol=1e-9)


def test_disc_zc_nasbench_v1_never_opens_the_official_path():
    class Ctx:
        settings = {"disc_zc_semantics": "nasbench-v1"}
        state: dict = {}

        @staticmethod
        def torch_generator(stream):
            return torch_generator(stream)

    trial = DiscZC()._trial(Ctx())
    assert not trial.semantics.official and trial.path is None
    assert trial.info["disc_zc_semantics"] == "nasbench-v1"
