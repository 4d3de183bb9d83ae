"""How scripts/main-job runs its zc-pt seeds on this machine, and how long that will take.

Prints shell assignments (PRECISION=..., WORKERS=...) on stdout for main-job to ``eval``, and the
plan with its reasons and an ETA on stderr. The ETA is measured, not guessed: one perturbation
score and one validation-network score of the official protocol (batch 256) are timed here, in
the chosen precision, on one thread, and multiplied by what a seed does (330 supernet scores, about
7 distinct candidates x V=100 network scores; docs/zc-pt.md), with ``SUPERNET_MEAN`` for the
supernet scores getting cheaper as edges are decided (measured from whole seeds, docs/precision.md).

    python scripts/main_job_plan.py --seeds 0-3 [--precision auto|fp32|bf16] [--workers auto|N]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time

#: a seed of the official protocol: 30 initial + 10 proposals x 30 perturbation scores
SUPERNET_SCORES = 330
#: distinct candidates x V, seeds 0-3 of docs/zc-pt.md had 6-8 distinct candidates
NETWORK_SCORES = 700
#: a validation candidate of the official folder (one of the archs zc-pt proposes)
CANDIDATE = "|nor_conv_3x3~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
#: mean cost of a seed's supernet scores / the costliest one (every edge undecided), from whole seeds
SUPERNET_MEAN = 0.75


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def choose_precision(asked: str) -> tuple[str, str]:
    from nasbench.precision import cpu_has_bf16_units

    if asked != "auto":
        return asked, "asked for"
    if cpu_has_bf16_units():
        return "bf16", "this CPU has bf16 units, and on the Table 2 protocol bf16 is safe for zc-pt (docs/precision.md)"
    return "fp32", "this CPU has no bf16 units (bf16 would be emulated, slower)"


def choose_workers(asked: str, seeds: int) -> tuple[int, str]:
    if asked != "auto":
        return int(asked), "asked for"
    n = max(1, min(cores(), seeds))
    return n, f"{cores()} cores, {seeds} seeds: one seed per core (workers beat threads here, docs/precision.md)"


def probe(precision: str) -> tuple[float, float]:
    """CPU seconds of the costliest perturbation score and of one validation-network score."""
    import torch

    from nasbench.api import load_cifar10, precision_scope, torch_generator
    from nasbench_plugins.nb201.space import NB201Space
    from nasbench_plugins.zero_cost_pt.code_kernel import KernelRules, logdet, network_kernel, supernet_kernel

    torch.set_num_threads(1)
    x = next(load_cifar10("train").minibatches(256, torch_generator(0)))[0]
    space = NB201Space()
    supernet = space.build_supernet(10, torch_generator(0)).eval()
    net = space.build_network(space.parse(CANDIDATE), 10, torch_generator(1)).eval()
    weights = torch.softmax(1e-3 * torch.randn(6, 5, generator=torch_generator(1)), dim=-1)
    weights[0, 3] = 0.0
    with precision_scope(precision, "cpu"):
        times = []
        for fn in (
            lambda: supernet_kernel(supernet, x, weights, KernelRules()),
            lambda: network_kernel(net, x, KernelRules()),
        ):
            logdet(fn())  # warm-up
            start = time.process_time()
            logdet(fn())
            times.append(time.process_time() - start)
    return times[0], times[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0-3")
    parser.add_argument("--precision", default="auto", choices=("auto", "fp32", "bf16"))
    parser.add_argument("--workers", default="auto")
    args = parser.parse_args(argv)
    from nasbench.api import parse_seeds

    seeds = parse_seeds(args.seeds)
    precision, why_precision = choose_precision(args.precision)
    workers, why_workers = choose_workers(args.workers, len(seeds))
    pert, val = probe(precision)
    per_seed = SUPERNET_SCORES * SUPERNET_MEAN * pert + NETWORK_SCORES * val
    rounds = math.ceil(len(seeds) / workers)
    eta = rounds * per_seed
    say = lambda text: print(text, file=sys.stderr)  # noqa: E731
    say(f"main-job: precision {precision} ({why_precision})")
    say(f"main-job: {workers} worker(s), one thread each ({why_workers})")
    say(
        f"main-job: measured here: a perturbation score {pert:.2f} s, a network score {val:.2f} s (CPU, one thread);"
        f" a seed ~ {per_seed / 60:.1f} CPU-min; {len(seeds)} seed(s) in {rounds} round(s):"
        f" ETA ~ {eta / 60:.0f} min if each worker has a core to itself (longer on a shared machine)"
    )
    print(f"PRECISION={precision}\nWORKERS={workers}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
