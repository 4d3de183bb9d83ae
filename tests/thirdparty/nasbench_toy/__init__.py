"""A toy nasbench plugin: a 2-edge space, its table benchmark read from a registered data file,
a scorer with a setting and a run option, and a report column -- written against nasbench.api only.

The benchmark's table is ``toy/table.csv`` under the data dir: ``arch,accuracy`` rows with arch
strings like ``a|b`` (one op per edge).
"""

from __future__ import annotations

import csv

import numpy as np
import torch
from torch import nn

from nasbench.api import (
    Arch,
    BadInput,
    DataError,
    DataFile,
    ReportColumn,
    Setting,
    hookimpl,
    rank_of,
    resolve_data,
)

EDGES = ("e0", "e1")
OPS = ("a", "b")
TABLE = DataFile("toy_table", "toy/table.csv", "https://example.org/toy/table.csv", None, None, "CC0", "toy accuracies")


class ToyNet(nn.Module):
    def __init__(self, arch: Arch, num_classes: int, generator: torch.Generator) -> None:
        super().__init__()
        width = 2 + sum(op == "b" for op in arch.ops)
        self.body = nn.Linear(3 * 32 * 32, width)
        self.head = nn.Linear(width, num_classes)
        with torch.no_grad():
            for p in self.parameters():
                p.copy_(torch.randn(p.shape, generator=generator) * 0.01)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.relu(self.body(x.flatten(1))))


class ToySpace:
    """Toy: two edges, ops a and b."""

    name = "toy"
    edges = EDGES
    settings: dict = {}

    def candidate_ops(self, edge: str) -> tuple[str, ...]:
        return OPS

    def parse(self, text: str) -> Arch:
        ops = tuple(text.split("|"))
        if len(ops) != len(EDGES) or any(op not in OPS for op in ops):
            raise BadInput(f"bad toy arch {text!r}: use e.g. a|b")
        return Arch(self.name, ops)

    def format(self, arch: Arch) -> str:
        return "|".join(arch.ops)

    def sample(self, rng: np.random.Generator) -> Arch:
        return Arch(self.name, tuple(OPS[int(i)] for i in rng.integers(0, len(OPS), len(EDGES))))

    def complete(self, decisions: dict[str, str]) -> Arch:
        return Arch(self.name, tuple(decisions[e] for e in EDGES))

    def build_network(self, arch: Arch, num_classes: int, generator: torch.Generator) -> nn.Module:
        return ToyNet(arch, num_classes, generator)

    def build_supernet(self, num_classes: int, generator: torch.Generator) -> nn.Module:
        return ToyNet(Arch(self.name, ("b", "b")), num_classes, generator)


class ToyBenchmark:
    """Toy table: accuracies of the four toy archs, from the registered data file."""

    name = "toy"
    space = "toy"
    datasets = ("toydata",)
    oracle_dataset = {"toydata": "toydata"}

    def __init__(self) -> None:
        self._acc: dict[str, float] | None = None

    def _table(self) -> dict[str, float]:
        if self._acc is None:
            with open(resolve_data(TABLE)) as f:
                try:
                    self._acc = {row["arch"]: float(row["accuracy"]) for row in csv.DictReader(f)}
                except (KeyError, ValueError) as exc:
                    raise DataError(f"toy table is malformed: {exc}") from exc
        return self._acc

    def accuracy(self, arch: Arch, dataset: str) -> float:
        return self._table()["|".join(arch.ops)]

    def rank(self, arch: Arch, dataset: str) -> tuple[int, int]:
        values = np.array(list(self._table().values()))
        return rank_of(self.accuracy(arch, dataset), values), len(values)

    def table(self, dataset: str):
        return None


class ToyScorer:
    """Toy scorer: prefers op b by toy_bonus; counts the edges it scored."""

    name = "toy-scorer"
    needs_proxy = False
    needs_images = False
    settings = {"toy_bonus": Setting(1.0, "how much better b scores than a", flag="--toy-bonus")}

    def score_edge(self, ctx, decisions: dict[str, str], edge: str) -> dict[str, float]:
        ctx.state["toy_edges"] = ctx.state.get("toy_edges", 0) + 1
        return {"a": 0.0, "b": float(ctx.settings["toy_bonus"])}

    def trial_info(self, ctx) -> dict:
        return {"toy_edges_scored": ctx.state.get("toy_edges", 0)}


@hookimpl
def nasbench_register_spaces(register):
    register(ToySpace())


@hookimpl
def nasbench_register_benchmarks(register):
    register(ToyBenchmark())


@hookimpl
def nasbench_register_scorers(register):
    register(ToyScorer())


@hookimpl
def nasbench_register_data_files(register):
    register(TABLE)


@hookimpl
def nasbench_register_report_columns(register):
    register(ReportColumn("toy edges", metric="toy_edges_scored", digits=0))
