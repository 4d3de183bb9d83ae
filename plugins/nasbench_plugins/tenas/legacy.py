"""``tenas_semantics=nasbench-v1``: nasbench's TE-NAS before it followed the official code.

Kept unchanged as a named ablation (docs/tenas.md measures it beside the official semantics).
One instance of the pruning engine (``nasbench_plugins.pruning.engine``, also ETENAS' and
Zero-One-Shot's): round after round, every still-undecided edge loses its
weakest op until one op per edge is left. TE-NAS' importance: an op is switched off (in place,
``supernet.removed``); removing an important op raises the NTK condition number kappa (worse
trainability) and lowers the number of linear regions (worse expressivity). The candidates of a
round are ranked over all edges by kappa-after-removal (high = important) and by
regions-after-removal (low = important); importance = the sum of the two ranks.

Topology (spaces that search it, e.g. DARTS; TE-NAS' DARTS-space pruning): after the ops, the
same measurement on whole edges: round after round, every node with more than 2 incoming real
edges loses its least important edge (rank sum over all such edges) until each keeps 2.

kappa and the linear regions come from the ``tenas`` proxy module (no second copy here), on the
run's supernet with the trial's first minibatch (``batch_size``; 0 = 72 here) and 1,000 3x3 crops
of it; one measurement per candidate.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import rankdata

from nasbench.api import SearchOutcome, active_ops, removed, reset
from nasbench_plugins.proxies.tenas import CROP, LR_SAMPLES, linear_regions, ntk_condition, random_crops
from nasbench_plugins.pruning.engine import prune

_STREAM_CROPS = 31
#: ``SearchContext``'s minibatch stream: the first batch drawn from it is the trial's ``ctx.batch``
STREAM_BATCHES = 2
V1_BATCH = 72


def fixed_batch(ctx, size: int):
    """The trial's first minibatch of ``size`` images (what ``ctx.batch`` is at that size), on the device."""
    x, y = next(ctx.images.minibatches(size, ctx.torch_generator(STREAM_BATCHES)))
    return x.to(ctx.device), y.to(ctx.device)


class LegacyTenas:
    """TE-NAS as nasbench ran it before (nasbench-v1)."""

    def __init__(self, batch_size: int) -> None:
        self.batch_size = batch_size or V1_BATCH
        self._batch = None

    def _measure(self, ctx, crops) -> tuple[float, float]:
        net = ctx.supernet
        inputs, _ = self._batch
        kappa = ntk_condition(net, inputs)
        regions = linear_regions(net, crops)
        ctx.counters.forward_passes += 2
        ctx.counters.supernet_forwards += 2
        ctx.counters.perturbations += 1
        return (math.inf if math.isnan(kappa) else kappa), regions

    def _rank(self, measured: list[tuple[float, float]]) -> np.ndarray:
        kappas, regions = np.array([m[0] for m in measured]), np.array([m[1] for m in measured])
        return rankdata(kappas) + rankdata(-regions)

    def search(self, ctx) -> SearchOutcome:
        net = ctx.supernet
        reset(net)
        self._batch = fixed_batch(ctx, self.batch_size)
        crops = random_crops(self._batch[0], LR_SAMPLES, CROP, ctx.torch_generator(_STREAM_CROPS))
        initial, progressive = [], []
        rounds = [0]

        def importance(ctx, net, cands):
            decided = {e: active_ops(net, e)[0] for e in ctx.space.edges if len(active_ops(net, e)) == 1}
            measured = []
            for edge, op in cands:
                with removed(net, edge, op):
                    measured.append(self._measure(ctx, crops))
            scores = {cand: float(s) for cand, s in zip(cands, self._rank(measured))}
            by_edge: dict[str, dict[str, float]] = {}
            for (edge, op), s in scores.items():
                by_edge.setdefault(edge, {})[op] = s
            for edge, ops in by_edge.items():
                (initial if rounds[0] == 0 else progressive).append(ctx.record(decided, edge, rounds[0], ops))
            rounds[0] += 1
            return scores

        try:
            result = prune(ctx, net, importance, None, "round")
            decisions = {e: active_ops(net, e)[0] for e in ctx.space.edges}
            decisions, edge_rounds = self._topology(ctx, crops, decisions)
        finally:
            reset(net)
        info = {"semantics": "nasbench-v1", "rounds": result.rounds, "topology_rounds": edge_rounds}
        return SearchOutcome(ctx.space.complete(decisions), initial=initial, progressive=progressive, info=info)

    def _topology(self, ctx, crops, decisions: dict[str, str]) -> tuple[dict[str, str], int]:
        rule = getattr(ctx.space, "topology", None)
        if rule is None:
            return decisions, 0
        net = ctx.supernet
        out = dict(decisions)
        rounds = 0
        while True:
            live = {node: [e for e in edges if out[e] != rule.none_op] for node, edges in rule.groups.items()}
            open_nodes = {node: edges for node, edges in live.items() if len(edges) > rule.keep}
            if not open_nodes:
                return out, rounds
            cands = [e for edges in open_nodes.values() for e in edges]
            measured = []
            for edge in cands:
                e = net.edges.index(edge)
                row = net.op_mask[e].clone()
                net.op_mask[e].zero_()
                try:
                    measured.append(self._measure(ctx, crops))
                finally:
                    net.op_mask[e].copy_(row)
            importance = dict(zip(cands, self._rank(measured)))
            for edges in open_nodes.values():
                weakest = min(edges, key=lambda e: importance[e])
                out[weakest] = rule.none_op
                net.op_mask[net.edges.index(weakest)].zero_()
            rounds += 1
