"""``naswot``: NASWOT sampling (Mellor et al. 2021): score K random archs, keep the best.

Each sampled arch is built as its own discrete network (fresh init from the trial seed) and
scored by the run's proxy on one fixed minibatch, as NASWOT does. Zero-Cost-PT Table 2 uses
K = 1000; the default here is K = 100 so that a CPU run takes minutes, not an hour — pass
``--set naswot_samples=1000`` for the paper's protocol.
"""

from __future__ import annotations

import math

from nasbench.api import SearchOutcome, Setting, hookimpl


class NASWOTSearch:
    """NASWOT: best of K random archs by an end-to-end proxy score (K = naswot_samples)."""

    name = "naswot"
    needs_proxy = True
    default_proxy = "nwot"
    needs_images = True
    settings = {
        "naswot_samples": Setting(100, "random archs scored (paper: 1000; CPU-friendly default 100)", minimum=1),
        "batch_size": Setting(128, "minibatch size for proxy scoring (NASWOT: 128)", minimum=1, flag="--batch-size"),
    }

    def search(self, ctx) -> SearchOutcome:
        k = int(ctx.settings["naswot_samples"])
        best, best_score, scored = None, -math.inf, {}
        bar = ctx.progress(k, "naswot samples")
        for _ in range(k):
            arch = ctx.space.sample(ctx.rng)
            score = ctx.proxy_score(ctx.build_network(arch), ctx.batch)
            scored[ctx.space.format(arch)] = score
            if best is None or (not math.isnan(score) and score > best_score):
                best, best_score = arch, (score if not math.isnan(score) else best_score)
            bar.update(1)
        bar.close()
        return SearchOutcome(best, info={"samples": k, "distinct": len(scored), "best_score": best_score})


@hookimpl
def nasbench_register_strategies(register) -> None:
    register(NASWOTSearch())
