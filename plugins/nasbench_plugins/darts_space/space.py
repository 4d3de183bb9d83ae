"""The search-space component for every DARTS-cell space (``darts``, ``s1``-``s4``, ``o1``, ...).

One class serves them all; a space differs only by its ``CellSpaceSpec`` (see
``reduced_spaces``). Network sizes are settings, applied per run through ``with_settings``;
defaults: supernet C=16 with 8 cells (DARTS search), discrete network C=16 with 8 cells and no
auxiliary head (cheap enough for proxies; DARTS evaluation = ``darts_eval_channels=36``,
``darts_eval_cells=20``, ``darts_auxiliary=true``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from nasbench.api import Arch, BadInput, Setting, hookimpl, reset_parameters
from nasbench_plugins.darts_space import genotype as darts_genotype
from nasbench_plugins.darts_space.network import DartsNetwork, DartsSupernet
from nasbench_plugins.darts_space.reduced_spaces import SPECS
from nasbench_plugins.darts_space.spec import NODES, CellSpaceSpec, Genotype

SETTINGS = {
    "darts_channels": Setting(16, "cell-space supernet initial channels C (DARTS search: 16)", minimum=1),
    "darts_cells": Setting(8, "cell-space supernet cells (DARTS search: 8)", minimum=1),
    "darts_partial_channels": Setting(
        1, "PC-DARTS partial-channel factor K (1 = off; PC-DARTS: 4)", choices=(1, 2, 4, 8)
    ),
    "darts_eval_channels": Setting(16, "cell-space discrete network channels (DARTS evaluation: 36)", minimum=1),
    "darts_eval_cells": Setting(8, "cell-space discrete network cells (DARTS evaluation: 20)", minimum=1),
    "darts_auxiliary": Setting(False, "auxiliary head on the discrete network (DARTS evaluation: true)"),
}


class CellSpace:
    """A DARTS-style cell space defined by data (see ``reduced_spaces``)."""

    settings = SETTINGS

    def __init__(self, spec: CellSpaceSpec, values: dict[str, Any] | None = None) -> None:
        self.spec = spec
        self.name = spec.name
        self.edges = spec.edges
        self.topology = spec.topology
        self.values = {k: s.default for k, s in SETTINGS.items()} | {
            k: v for k, v in (values or {}).items() if k in SETTINGS
        }

    def with_settings(self, settings: dict[str, Any]) -> CellSpace:
        """The same space with this run's network sizes."""
        return type(self)(self.spec, settings)

    def candidate_ops(self, edge: str) -> tuple[str, ...]:
        try:
            return self.spec.edge_ops[self.edges.index(edge)]
        except ValueError as exc:
            raise BadInput(f"space {self.name!r} has no edge {edge!r}") from exc

    def genotype(self, arch: Arch) -> Genotype:
        return self.spec.genotype(arch)

    def parse(self, text: str) -> Arch:
        """DARTS ``Genotype(...)`` notation or its JSON form (see ``darts_genotype``)."""
        arch = self.spec.arch_from_genotype(darts_genotype.parse(text))
        self.spec.check(arch)
        return arch

    def format(self, arch: Arch) -> str:
        return darts_genotype.format_darts(self.genotype(arch))

    def format_json(self, arch: Arch) -> str:
        return darts_genotype.format_json(self.genotype(arch))

    def _real_ops(self, e: int) -> tuple[str, ...]:
        return tuple(op for op in self.spec.edge_ops[e] if op != "none")

    def sample(self, rng: np.random.Generator) -> Arch:
        ops = ["none"] * len(self.edges)
        for kind in self.spec.kinds:
            for k in NODES:
                into = [self.spec.edge_index(kind, j, t) for j, t in self.spec.pairs if t == k]
                n = len(into)
                chosen = rng.choice(n, size=self.spec.keep, replace=False) if self.topology else range(n)
                for i in sorted(int(c) for c in chosen):
                    real = self._real_ops(into[i])
                    ops[into[i]] = real[int(rng.integers(len(real)))]
        return Arch(self.name, tuple(ops))

    def complete(self, decisions: dict[str, str]) -> Arch:
        """A valid arch from one op per edge.

        Per node, the edges with a real (non-``none``) op are kept; if there are more than 2 the
        first 2 in edge order are kept (call ``nasbench.topology.apply_topology`` first to keep
        the strongest instead); if fewer, the lowest-numbered free inputs are added with their
        first non-``none`` candidate op.
        """
        unknown = [e for e in decisions if e not in self.edges]
        if unknown:
            raise BadInput(f"space {self.name!r} has no edge {unknown[0]!r}")
        if self.topology is None:
            missing = [e for e in self.edges if e not in decisions]
            if missing:
                raise BadInput(f"space {self.name!r} needs an op on every edge; undecided: {', '.join(missing)}")
        ops = ["none"] * len(self.edges)
        for kind in self.spec.kinds:
            for k in NODES:
                into = [self.spec.edge_index(kind, j, t) for j, t in self.spec.pairs if t == k]
                real = [e for e in into if decisions.get(self.edges[e], "none") != "none"]
                fill = [e for e in into if e not in real]
                for e in (real + fill)[: self.spec.keep]:
                    op = decisions.get(self.edges[e], "none")
                    ops[e] = op if op != "none" else self._real_ops(e)[0]
        arch = Arch(self.name, tuple(ops))
        self.spec.check(arch)
        return arch

    def build_network(self, arch: Arch, num_classes: int, generator: torch.Generator) -> nn.Module:
        v = self.values
        net = DartsNetwork(
            self.genotype(arch),
            num_classes,
            generator,
            v["darts_eval_channels"],
            v["darts_eval_cells"],
            v["darts_auxiliary"],
        )
        return reset_parameters(net, generator)

    def build_supernet(self, num_classes: int, generator: torch.Generator) -> nn.Module:
        v = self.values
        try:
            net = DartsSupernet(
                self.spec, num_classes, generator, v["darts_channels"], v["darts_cells"], v["darts_partial_channels"]
            )
        except ValueError as exc:
            raise BadInput(str(exc)) from exc
        return reset_parameters(net, generator)


def make_space(spec: CellSpaceSpec) -> CellSpace:
    """A ``CellSpace`` whose class docstring is the spec's summary (what `nasbench plugins` shows)."""
    cls = type(f"CellSpace[{spec.name}]", (CellSpace,), {"__doc__": spec.summary, "__module__": __name__})
    return cls(spec)


@hookimpl
def nasbench_register_spaces(register) -> None:
    for spec in SPECS:
        register(make_space(spec))
