"""``tenas``: TE-NAS pruning (Chen, Gong & Wang 2021) on the untrained supernet.

Round after round, every still-undecided edge loses its weakest op until one op per edge is
left. An op's importance is measured by switching it off (in place, ``supernet.removed``):
removing an important op raises the NTK condition number kappa (worse trainability) and lowers
the number of linear regions (worse expressivity). As TE-NAS does, the candidates of a round
are ranked over all edges by kappa-after-removal (high = important) and by regions-after-removal
(low = important); importance = the sum of the two ranks; each edge prunes its least important
op. kappa and the linear regions come from the ``tenas`` proxy module (no second copy here).
The NTK uses the run's minibatch (``batch_size``, default 72: TE-NAS' ``prune_launch.py`` uses 72
for NAS-Bench-201 and 14 for the DARTS space on CIFAR-10); regions use 3x3 crops of it.
Not done: TE-NAS repeats each measurement over 3 re-initialisations (``--repeat 3``) and
averages; here one initialisation per trial (the trial seed) is measured.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import rankdata

from nasbench.api import SearchOutcome, Setting, active_ops, hookimpl, removed, reset
from nasbench_plugins.proxies.tenas import CROP, LR_SAMPLES, linear_regions, ntk_condition, random_crops

_STREAM_CROPS = 31


class TenasSearch:
    """TE-NAS: prune the op whose removal hurts NTK conditioning and linear regions least."""

    name = "tenas"
    needs_proxy = False
    needs_images = True
    settings = {
        "batch_size": Setting(72, "NTK minibatch (TE-NAS: 72 on NB201, 14 on DARTS)", minimum=2, flag="--batch-size")
    }

    def _measure(self, ctx, crops) -> tuple[float, float]:
        net = ctx.supernet
        inputs, _ = ctx.batch
        kappa = ntk_condition(net, inputs)
        regions = linear_regions(net, crops)
        ctx.counters.forward_passes += 2
        ctx.counters.supernet_forwards += 2
        ctx.counters.perturbations += 1
        return (math.inf if math.isnan(kappa) else kappa), regions

    def search(self, ctx) -> SearchOutcome:
        net = ctx.supernet
        reset(net)
        crops = random_crops(ctx.batch[0], LR_SAMPLES, CROP, ctx.torch_generator(_STREAM_CROPS))
        initial, progressive, rounds = [], [], 0
        decided: dict[str, str] = {}
        while True:
            open_edges = [e for e in ctx.space.edges if len(active_ops(net, e)) > 1]
            if not open_edges:
                break
            cands = [(e, o) for e in open_edges for o in active_ops(net, e)]
            kappas, regions = [], []
            for edge, op in cands:
                with removed(net, edge, op):
                    k, r = self._measure(ctx, crops)
                kappas.append(k)
                regions.append(r)
            importance = rankdata(np.array(kappas)) + rankdata(-np.array(regions))
            by_edge: dict[str, dict[str, float]] = {}
            for (edge, op), imp in zip(cands, importance):
                by_edge.setdefault(edge, {})[op] = float(imp)
            for edge in open_edges:
                rec = ctx.record(decided, edge, rounds, by_edge[edge])
                (initial if rounds == 0 else progressive).append(rec)
                weakest = min(by_edge[edge], key=lambda o: by_edge[edge][o])
                net.op_mask[net.edges.index(edge), net.edge_ops[net.edges.index(edge)].index(weakest)] = False
            for edge in ctx.space.edges:
                ops = active_ops(net, edge)
                if len(ops) == 1:
                    decided[edge] = ops[0]
            rounds += 1
        arch = ctx.space.complete({e: active_ops(net, e)[0] for e in ctx.space.edges})
        reset(net)
        return SearchOutcome(arch, initial=initial, progressive=progressive, info={"rounds": rounds})


@hookimpl
def nasbench_register_strategies(register) -> None:
    register(TenasSearch())
