"""NAS-Bench-201: a 4-node cell, 6 edges, 5 candidate ops, 15,625 archs.

Arch strings use the official format ``|a~0|+|b~0|c~1|+|d~0|e~1|f~2|``: group k lists the
edges into node k and ``op~j`` is the op on edge j -> k.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from nasbench.api import Arch, BadInput, NasbenchError, Setting, hookimpl, reset_parameters
from nasbench_plugins.nb201.network import EDGE_NAMES, REMOVED_OPS, NB201Network, NB201Supernet
from nasbench_plugins.nb201.ops import OPS
from nasbench_plugins.nb201.table import ARCH_RE, codes_of


class NB201Space:
    """NAS-Bench-201 cell space (C=16, N=5), with its masked supernet."""

    name = "nb201"
    edges = EDGE_NAMES
    settings = {
        "nb201_channels": Setting(16, "initial channels C of network and supernet (NB201: 16)", minimum=1),
        "nb201_cells": Setting(5, "cells per stage N (NB201: 5)", minimum=1),
        "nb201_removed_ops": Setting(
            "skip",
            "supernet: removed ops are skipped; 'blocked' runs them on x*0 with weight 0 as the official"
            " Zero-Cost-PT/DARTS-PT code; 'zero' runs them on x with weight 0 (neither code does)",
            choices=REMOVED_OPS,
        ),
        "nb201_conv_bias": Setting(
            False,
            "supernet convs have a bias: false as the Zero-Cost-PT/DARTS-PT code, true as NATS-Bench's xautodl",
        ),
        "nb201_supernet_weights": Setting(
            "",
            "an official NB201 supernet state_dict (Zero-Cost-PT/DARTS-PT names) to start from instead of a fresh init",
            path="file",
        ),
    }

    def __init__(
        self,
        channels: int = 16,
        cells_per_stage: int = 5,
        removed_ops: str = "skip",
        conv_bias: bool = False,
        supernet_weights: str = "",
    ) -> None:
        self.channels = channels
        self.cells_per_stage = cells_per_stage
        self.removed_ops = removed_ops
        self.conv_bias = conv_bias
        self.supernet_weights = supernet_weights

    def with_settings(self, settings: dict) -> NB201Space:
        """A copy sized and configured by the run's settings."""
        return NB201Space(
            settings.get("nb201_channels", 16),
            settings.get("nb201_cells", 5),
            settings.get("nb201_removed_ops", "skip"),
            bool(settings.get("nb201_conv_bias", False)),
            str(settings.get("nb201_supernet_weights", "")),
        )

    def check_settings(self, run) -> None:
        """``nb201_supernet_weights``, when the run's settings are read: a torch state_dict (read
        ``weights_only``) whose names and shapes fit this space's supernet, built on the meta
        device (no memory, no init); the classifier's width is taken from the file (the trial
        checks it against its images)."""
        if not self.supernet_weights:
            return
        from nasbench_plugins.nb201.official import fitted, load_weights

        try:
            state = load_weights(Path(self.supernet_weights))
            classes = state.get("classifier.weight", torch.empty(10, 0)).shape[0]
            with torch.device("meta"):
                net = NB201Supernet(classes, self.channels, self.cells_per_stage, self.removed_ops, self.conv_bias)
            fitted(net.state_dict(), state, "supernet")
        except NasbenchError as exc:
            raise BadInput(f"setting nb201_supernet_weights={self.supernet_weights!r}: {exc}") from None

    def candidate_ops(self, edge: str) -> tuple[str, ...]:
        return OPS

    def parse(self, text: str) -> Arch:
        text = text.strip()
        if ARCH_RE.match(text) is None:
            raise BadInput(f"malformed NB201 arch string {text!r}: expected |op~0|+|op~0|op~1|+|op~0|op~1|op~2|")
        codes = codes_of(text)
        if codes is None:
            raise BadInput(f"NB201 arch string {text!r} uses an unknown op; ops are: {', '.join(OPS)}")
        return Arch(self.name, tuple(OPS[c] for c in codes))

    def format(self, arch: Arch) -> str:
        o = arch.ops
        return f"|{o[0]}~0|+|{o[1]}~0|{o[2]}~1|+|{o[3]}~0|{o[4]}~1|{o[5]}~2|"

    def sample(self, rng: np.random.Generator) -> Arch:
        return Arch(self.name, tuple(OPS[int(i)] for i in rng.integers(0, len(OPS), size=len(self.edges))))

    def complete(self, decisions: dict[str, str]) -> Arch:
        missing = [e for e in self.edges if e not in decisions]
        if missing:
            raise BadInput(f"NB201 arch needs an op on every edge; undecided: {', '.join(missing)}")
        return Arch(self.name, tuple(decisions[e] for e in self.edges))

    def build_network(self, arch: Arch, num_classes: int, generator: torch.Generator) -> nn.Module:
        net = NB201Network(arch.ops, num_classes, self.channels, self.cells_per_stage)
        return reset_parameters(net, generator)

    def build_supernet(self, num_classes: int, generator: torch.Generator) -> nn.Module:
        net = NB201Supernet(num_classes, self.channels, self.cells_per_stage, self.removed_ops, self.conv_bias)
        reset_parameters(net, generator)
        if self.supernet_weights:
            from nasbench_plugins.nb201.official import load_official, load_weights

            load_official(net, load_weights(Path(self.supernet_weights)), "supernet")
        return net


@hookimpl
def nasbench_register_spaces(register) -> None:
    register(NB201Space())
