#!/usr/bin/env python
"""Show what the authors' Zero-Cost-PT code does on NB201 with a proxy other than nwot.

    python scripts/probe_zcpt_other_proxies.py OFFICIAL_DIR FORESIGHT_DIR [--proxy snip]

OFFICIAL_DIR: a checkout of visionbasicagent/zerocost_operation_score @55fc52b; FORESIGHT_DIR: one of
SamsungLabs/zero-cost-nas (the ``foresight`` package the code imports), both extracted outside the
project. Nothing of them is copied: this imports ``nasbench201/init_projection.py`` (with the runtime
patches of ``make_reference_zcpt.py``) and calls both routes a proxy can take there, ``pt_project``
and ``tenas_project`` (the dispatcher's choice, ``networks_proposal.py:191-195``), on a stand-in
supernet that has only the attributes they read before they score. Each route prints one line:
what it raised, or that it ran. docs/zc-pt.md records the result.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import types
from pathlib import Path

import torch


class StandInSupernet:
    """The attributes of the official NB201 supernet (``search_model_darts_proj.py``) the routes read."""

    num_edge, num_op = 6, 5

    def __init__(self) -> None:
        self.candidate_flags = torch.ones(self.num_edge, dtype=torch.bool)
        self.proj_weights = torch.zeros(self.num_edge, self.num_op)
        self.alpha = [1e-3 * torch.randn(self.num_edge, self.num_op, generator=torch.Generator().manual_seed(0))]

    def arch_parameters(self) -> list[torch.Tensor]:
        return self.alpha

    def get_projected_weights(self) -> torch.Tensor:
        return torch.softmax(self.alpha[0], dim=-1)

    def project_op(self, eid: int, _opid: int) -> None:
        self.candidate_flags[eid] = False


def _patches() -> None:
    path = Path(__file__).with_name("make_reference_zcpt.py")
    spec = importlib.util.spec_from_file_location("make_reference_zcpt", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.patch_runtime()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("official", type=Path)
    parser.add_argument("foresight", type=Path)
    parser.add_argument("--proxy", default="snip")
    args = parser.parse_args()
    sys.path[:0] = [str(args.official), str(args.official / "nasbench201"), str(args.foresight)]
    _patches()
    import nasbench201.init_projection as init_projection

    queue = [(torch.zeros(2, 3, 8, 8), torch.zeros(2, dtype=torch.long))]
    run = types.SimpleNamespace(proj_crit=args.proxy, edge_decision="fixed", dataset="cifar10", seed=0, data=".")
    routes = {
        "pt_project": lambda: init_projection.pt_project(queue, StandInSupernet(), run),
        "tenas_project": lambda: init_projection.tenas_project(queue, StandInSupernet(), None, run),
    }
    for name, call in routes.items():
        try:
            call()
            print(f"{name} proj_crit={args.proxy} -> ran")
        except Exception as exc:  # the point is to show what each route raises
            print(f"{name} proj_crit={args.proxy} -> {type(exc).__name__}: {exc}")


if __name__ == "__main__":
    main()
