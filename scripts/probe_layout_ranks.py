"""Does channels-last move gradient proxies' per-arch ranks? (docs/precision.md, measured here).

Scores a random NB201 sample with each proxy twice, fp32 NCHW and fp32 channels-last, on the same
networks (same init generator), minibatch and proxy generator as ``nasbench correlate``, then
prints per proxy: Spearman between the two layouts, the largest relative score difference, and
each layout's Spearman with the benchmark's test accuracy.

    python scripts/probe_layout_ranks.py [--sample 40] [--proxies snip,grad_norm,fisher,grasp,jacov]
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy.stats import spearmanr

from nasbench.api import precision_scope, registry_of, torch_generator
from nasbench_plugins.correlate.scorejob import dataset_images, derived_seed, fixed_batch


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=int, default=40)
    ap.add_argument("--proxies", default="snip,grad_norm,fisher,grasp,jacov")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    registry = registry_of()
    space = registry.get("space", "nb201")
    bench = registry.get("benchmark", "nb201")
    rng = np.random.default_rng(args.seed)
    archs = [space.sample(rng) for _ in range(args.sample)]
    found = dataset_images("cifar10", None)
    inputs, targets = fixed_batch(found.images, args.batch_size, args.seed)
    acc = [bench.accuracy(a, "cifar10") for a in archs]
    for name in args.proxies.split(","):
        proxy = registry.get("proxy", name)
        scores = {}
        for channels_last in (False, True):
            values = []
            for arch in archs:
                init = torch_generator(derived_seed(args.seed, "nb201", space.format(arch)))
                net = space.build_network(arch, found.num_classes, init)
                gen = torch_generator(derived_seed(args.seed, "nb201", name))
                with precision_scope("fp32", "cpu", channels_last=channels_last):
                    values.append(float(proxy.score(net, inputs, targets, gen)))
            scores[channels_last] = np.array(values)
        a, b = scores[False], scores[True]
        rel = np.max(np.abs(a - b) / np.maximum(np.abs(a), 1e-30))
        print(
            f"{name:10s} layouts rho={spearmanr(a, b)[0]:.4f} max rel diff={rel:.2e} "
            f"rho(acc) NCHW={spearmanr(a, acc)[0]:.4f} channels-last={spearmanr(b, acc)[0]:.4f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
