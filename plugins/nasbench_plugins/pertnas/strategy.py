"""``pertnas``: PertNAS' three-stage perturbation search (Sec. II-A, III; Fig. 2).

``--set pertnas_variant=supernet`` values stage 1 on a trained supernet, ``evolutionary`` inside
n evolving discrete models (Sec. III-D). Stages 2 (fine-grained op search) and 3 (topology
search, only where the space searches topology: ``darts``, ``o2``) are the same for both.
A stage with nothing to decide is skipped: O1 has no topology to search; O2 has one op per edge,
so stages 1-2 have nothing to rank. Run with ``--scorer none``: the strategy values ops itself.

The row's ``extra.info`` keeps every valuation (``stage1`` = the edge x op Delta V matrix the
Fig. 3 study reads), the top-2 ops, the order edges and nodes were decided in, and the
population of the evolutionary variant. ``initial`` records = stage 1, ``progressive`` = stage 2
(scores = -Delta V, higher = keep).
"""

from __future__ import annotations

import time

from nasbench.api import SearchOutcome, hookimpl
from nasbench_plugins.pertnas.models import cell_spec
from nasbench_plugins.pertnas.settings import STRATEGY_SETTINGS
from nasbench_plugins.pertnas.stages import (
    KEEP,
    Valuation,
    coarse_evolutionary,
    coarse_supernet,
    fine_grained,
    topology,
)
from nasbench_plugins.pertnas.valuation import scores


class PertNASSearch:
    """PertNAS: perturbation valuation, coarse -> fine op search -> topology (supernet / evolutionary)."""

    name = "pertnas"
    needs_proxy = False
    needs_images = True
    settings = STRATEGY_SETTINGS

    def search(self, ctx) -> SearchOutcome:
        spec = cell_spec(ctx)
        variant = str(ctx.settings["pertnas_variant"])
        info: dict = {"variant": variant, "seconds": {}}
        t0 = time.perf_counter()
        initial = []
        if max(len(ops) for ops in spec.edge_ops) > KEEP:
            if variant == "evolutionary":
                valuation, info["evolutionary"] = coarse_evolutionary(ctx)
            else:
                valuation = coarse_supernet(ctx)
            top = valuation.top()
            initial = [ctx.record({}, e, 0, scores(v)) for e, v in valuation.values.items()]
        else:
            valuation = Valuation()
            top = {e: tuple(o for o in spec.edge_ops[i] if o != "none") for i, e in enumerate(spec.edges)}
        info["stage1"] = valuation.values
        info["stage1_v_star"] = valuation.v_star
        info["top2"] = {e: list(v) for e, v in top.items()}
        info["seconds"]["stage1"] = time.perf_counter() - t0

        t1 = time.perf_counter()
        trainer, decisions, fine = fine_grained(ctx, top)
        progressive = []
        for step, (edge, _v, values) in enumerate(fine):
            done = {e: decisions[e] for e, _, _ in fine[:step]}
            progressive.append(ctx.record(done, edge, step + 1, scores(values)))
        info["stage2"] = [{"edge": e, "v_star": v, "delta_v": d} for e, v, d in fine]
        info["ops"] = dict(decisions)
        info["seconds"]["stage2"] = time.perf_counter() - t1

        t2 = time.perf_counter()
        final, nodes = topology(ctx, trainer, decisions)
        info["stage3"] = [{"node": n, "v_star": v, "delta_v": d} for n, v, d in nodes]
        info["seconds"]["stage3"] = time.perf_counter() - t2
        arch = ctx.space.complete({e: op for e, op in final.items() if op != "none"})
        return SearchOutcome(arch, initial=initial, progressive=progressive, info=info)


@hookimpl
def nasbench_register_strategies(register) -> None:
    register(PertNASSearch())
