"""Fig. 5: peak memory of stage 1, supernet vs evolutionary, for |O| = 4..8, and the average NB301
accuracy of random fixed-shallow models per |O|.

The spaces are ``darts-ops4`` .. ``darts-ops8`` (``darts_space.reduced_spaces``: {none, skip,
max_pool, avg_pool} then + sep3, + dil3, + sep5, + dil5). What is measured (``nasbench.api.measure``:
CPU peak-RSS increase, CUDA max allocated / reserved) is the loop that bounds stage 1's memory:

- supernet: build the supernet (every op on every edge), ``steps`` weight steps, then value the
  ops of one edge (Delta V with fine-tuning);
- evolutionary: build a random discrete model, ``steps`` weight steps, then expand one edge,
  fine-tune, value its ops and discretise it (``stages.expand_and_value``).

Both use the same cells, channels, batch and images, so the ratio evolutionary / supernet is the
paper's "roughly 20% of their memory costs" (Sec. V; Fig. 5) at our scale.
"""

from __future__ import annotations

import dataclasses
import statistics
from typing import Any

import numpy as np
import torch

from nasbench.api import Arch, ImageSet, SearchContext, measure, resolve_settings
from nasbench_plugins.darts_space.reduced_spaces import OPS_FAMILY_ADDED, OPS_FAMILY_BASE
from nasbench_plugins.darts_space.spec import SHALLOW_PAIRS
from nasbench_plugins.pertnas.models import build_model, new_trainer
from nasbench_plugins.pertnas.stages import _MODEL, _TRAIN, expand_and_value
from nasbench_plugins.pertnas.strategy import PertNASSearch
from nasbench_plugins.pertnas.valuation import train_steps, value_edge

SIZES = tuple(range(len(OPS_FAMILY_BASE), len(OPS_FAMILY_BASE) + len(OPS_FAMILY_ADDED) + 1))


def family_ops(n: int) -> tuple[str, ...]:
    return OPS_FAMILY_BASE + OPS_FAMILY_ADDED[: n - len(OPS_FAMILY_BASE)]


def study_ctx(registry: Any, n: int, images: ImageSet, settings: dict, device: torch.device, seed: int = 0):
    """A trial context for ``pertnas`` on ``darts-ops{n}`` with ``settings`` (sizes, steps)."""
    space = registry.get("space", f"darts-ops{n}")
    strategy = PertNASSearch()
    resolved = resolve_settings([space, strategy], settings)
    return SearchContext(
        space=space.with_settings(resolved),
        benchmark=None,
        dataset="cifar10",
        scorer=registry.get("scorer", "none"),
        proxy=None,
        settings=resolved,
        seed=seed,
        device=device,
        images_loader=lambda: images,
    )


def stage1_workload(ctx: Any, variant: str, steps: int) -> None:
    """The memory-bound part of stage 1 for ``variant`` (see the module docstring)."""
    spec = ctx.space.spec
    edge = spec.edges[0]
    if variant == "supernet":
        net = build_model(ctx, {}, _MODEL)
        trainer = new_trainer(ctx, net, _MODEL)
        train_steps(trainer, steps, ctx.torch_generator(_TRAIN), ctx.counters)
        value_edge(trainer, edge, ctx.settings, 0, ctx.counters)
        return
    real = {e: tuple(o for o in spec.edge_ops[i] if o != "none") for i, e in enumerate(spec.edges)}
    ops = {e: (str(ctx.rng.choice(r)),) for e, r in real.items()}
    holder = [build_model(ctx, ops, _MODEL)]
    trainer = new_trainer(ctx, holder[0], _MODEL)
    train_steps(trainer, steps, ctx.torch_generator(_TRAIN), ctx.counters)
    del trainer
    expand_and_value(ctx, holder, ops, edge, 0)


def peak_memory(registry, n, variant, images, settings, device, steps, repeats) -> dict[str, Any]:
    """Peak memory (bytes) of ``repeats`` runs of the stage-1 workload: all values and the median."""
    values, seconds, reserved = [], [], []
    for r in range(repeats):
        ctx = study_ctx(registry, n, images, settings, device, seed=r)
        with measure(device) as m:
            stage1_workload(ctx, variant, steps)
        del ctx
        values.append(m.peak_memory_bytes)
        seconds.append(m.seconds)
        reserved.append(m.extra.get("cuda_max_reserved_bytes", 0))
    return {
        "ops": n,
        "variant": variant,
        "peak_bytes": values,
        "median_bytes": statistics.median(values),
        "reserved_bytes": reserved,
        "seconds": statistics.median(seconds),
        "memory_device": m.memory_device,
    }


def shallow_spec(o1_spec: Any, n: int):
    """A fixed shallow (O1-like) cell offering the real ops of ``darts-ops{n}`` on every edge.

    ``none`` is left out: NB301 cannot encode a fixed-topology cell with a dropped edge."""
    real = tuple(o for o in family_ops(n) if o != "none")
    return dataclasses.replace(
        o1_spec, name=f"shallow-ops{n}", ops={"cell": tuple(real for _ in SHALLOW_PAIRS)}, summary=""
    )


def random_average(bench: Any, o1_spec: Any, n: int, samples: int, seed: int = 0) -> dict[str, float]:
    """Mean (and std) NB301 accuracy of ``samples`` uniformly random shallow models with |O| = n."""
    spec = shallow_spec(o1_spec, n)
    rng = np.random.default_rng(seed)
    genotypes = []
    for _ in range(samples):
        ops = tuple(spec.edge_ops[e][int(rng.integers(len(spec.edge_ops[e])))] for e in range(len(spec.edges)))
        genotypes.append(spec.genotype(Arch(spec.name, ops)))
    acc = bench.surrogate.predict(genotypes)
    return {"ops": n, "mean": float(acc.mean()), "std": float(acc.std()), "samples": samples}
