"""NAS-Bench-Macro space: 8 searchable layers x {identity, mb3_k3, mb6_k5} = 6,561 archs.

Arch strings are the benchmark's keys: 8 digits, one per layer, ``0`` = identity,
``1`` = mb3_k3, ``2`` = mb6_k5 (e.g. ``22212220``, the best arch on CIFAR-10).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import torch
from torch import nn

from nasbench.api import Arch, BadInput, Setting, hookimpl, reset_parameters
from nasbench_plugins.macro.network import EDGES, MACRO_OPS, MacroNetwork, MacroSupernet

ARCH_RE = re.compile(rf"^[012]{{{len(EDGES)}}}$")
SETTINGS = {
    "macro_channels": Setting(32, "NAS-Bench-Macro stem channels (benchmark: 32)", minimum=1),
    "macro_head_channels": Setting(1280, "NAS-Bench-Macro head 1x1 conv channels (benchmark: 1280)", minimum=1),
}


class MacroSpace:
    """NAS-Bench-Macro: 8 MobileNetV2 layers x 3 choices (6,561 archs), with its masked supernet."""

    name = "macro"
    edges = EDGES
    settings = SETTINGS

    def __init__(self, values: dict[str, Any] | None = None) -> None:
        self.values = {k: s.default for k, s in SETTINGS.items()} | {
            k: v for k, v in (values or {}).items() if k in SETTINGS
        }

    def with_settings(self, settings: dict[str, Any]) -> MacroSpace:
        return MacroSpace(settings)

    def candidate_ops(self, edge: str) -> tuple[str, ...]:
        return MACRO_OPS

    def parse(self, text: str) -> Arch:
        text = text.strip() if isinstance(text, str) else ""
        if ARCH_RE.match(text) is None:
            raise BadInput(f"malformed NAS-Bench-Macro arch {text!r}: expected 8 digits from 0-2, e.g. 22212220")
        return Arch(self.name, tuple(MACRO_OPS[int(c)] for c in text))

    def format(self, arch: Arch) -> str:
        try:
            return "".join(str(MACRO_OPS.index(op)) for op in arch.ops)
        except ValueError as exc:
            raise BadInput(f"{arch.ops} is not a NAS-Bench-Macro arch") from exc

    def sample(self, rng: np.random.Generator) -> Arch:
        return Arch(self.name, tuple(MACRO_OPS[int(i)] for i in rng.integers(0, len(MACRO_OPS), size=len(EDGES))))

    def complete(self, decisions: dict[str, str]) -> Arch:
        missing = [e for e in EDGES if e not in decisions]
        if missing:
            raise BadInput(f"NAS-Bench-Macro needs an op on every layer; undecided: {', '.join(missing)}")
        arch = Arch(self.name, tuple(decisions[e] for e in EDGES))
        self.format(arch)
        return arch

    def build_network(self, arch: Arch, num_classes: int, generator: torch.Generator) -> nn.Module:
        self.format(arch)
        net = MacroNetwork(arch.ops, num_classes, self.values["macro_channels"], self.values["macro_head_channels"])
        return reset_parameters(net, generator)

    def build_supernet(self, num_classes: int, generator: torch.Generator) -> nn.Module:
        net = MacroSupernet(num_classes, self.values["macro_channels"], self.values["macro_head_channels"])
        return reset_parameters(net, generator)


@hookimpl
def nasbench_register_spaces(register) -> None:
    register(MacroSpace())
