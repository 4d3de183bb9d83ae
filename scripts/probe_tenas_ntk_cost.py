#!/usr/bin/env python
"""CPU seconds of one TE-NAS NTK condition number on the NB201 supernet, by minibatch size.

    OMP_NUM_THREADS=1 python scripts/probe_tenas_ntk_cost.py 8 16 32 64

Zero-Cost-PT's tenas proxy spends nearly all its time in ``ntk_condition``: one backward per sample
through the batch-coupled forward (BN on batch statistics), as TE-NAS' ``get_ntk_n`` does, so a
minibatch of B costs B backward passes of a B-sized graph. This times one call per B on the
registered NB201 supernet (C=16, N=5, all ops; seed 0 init, Gaussian inputs: the cost does not
depend on the values) and prints process CPU seconds, so a busy machine changes the wall time more
than the number. docs/paper-tables.md records the output.
"""

from __future__ import annotations

import argparse
import time

import torch

from nasbench.api import registry_of, torch_generator
from nasbench_plugins.proxies.tenas import ntk_condition


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("batch", type=int, nargs="+")
    args = ap.parse_args()
    torch.set_num_threads(1)
    space = registry_of().get("space", "nb201")
    net = space.build_supernet(10, torch_generator(0))
    for b in args.batch:
        x = torch.randn(b, 3, 32, 32, generator=torch_generator(1))
        cpu, wall = time.process_time(), time.perf_counter()
        kappa = ntk_condition(net, x)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        print(f"B={b} cpu_s={cpu:.1f} wall_s={wall:.1f} kappa={kappa:.4g}", flush=True)


if __name__ == "__main__":
    main()
