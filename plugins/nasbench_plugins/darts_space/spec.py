"""A DARTS-style cell space as plain data: which edges exist, which ops each may take, topology.

Every cell has 2 input nodes (0, 1: the outputs of the two previous cells) and 4 intermediate
nodes (2-5) whose concatenation is the cell output. A spec lists the (source, target) pairs
present in each cell, the candidate ops per edge and per cell kind, and whether topology is
searched (each node keeps 2 inputs) or fixed. One module of code serves DARTS, DARTS-PT's S1-S4,
PertNAS' O1/O2 and the candidate-op family: only the data differs.

Edge names are ``<kind>:<source>-><target>``, e.g. ``normal:0->2``. ``kinds`` is
``("normal", "reduce")``, or ``("cell",)`` when normal and reduction cells share one genotype
(PertNAS: "the same architecture for normal and reduction cells").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from nasbench.api import Arch, BadInput, TopologyRule

NODES = (2, 3, 4, 5)
#: all 14 edges of a DARTS cell, in DARTS' order (offset {2: 0, 3: 2, 4: 5, 5: 9} + source)
FULL_PAIRS = tuple((j, k) for k in NODES for j in range(k))
#: PertNAS "shallow (d=1)": every intermediate node reads both cell inputs, 8 edges
SHALLOW_PAIRS = tuple((j, k) for k in NODES for j in (0, 1))
SPLIT_KINDS = ("normal", "reduce")
SHARED_KINDS = ("cell",)
CONCAT = list(NODES)

#: genotype: cell kind ("normal"/"reduce") -> [(op, source)] with entries 2m, 2m+1 feeding node m+2
Genotype = dict[str, list[tuple[str, int]]]


@dataclass(frozen=True)
class CellSpaceSpec:
    """One cell space. ``ops[kind][i]`` = candidate ops of pair ``pairs[i]`` in cells of ``kind``."""

    name: str
    summary: str
    kinds: tuple[str, ...]
    pairs: tuple[tuple[int, int], ...]
    ops: dict[str, tuple[tuple[str, ...], ...]]
    search_topology: bool
    source: str = ""
    keep: int = 2

    @cached_property
    def edges(self) -> tuple[str, ...]:
        return tuple(f"{kind}:{j}->{k}" for kind in self.kinds for j, k in self.pairs)

    @cached_property
    def edge_ops(self) -> tuple[tuple[str, ...], ...]:
        return tuple(ops for kind in self.kinds for ops in self.ops[kind])

    @cached_property
    def topology(self) -> TopologyRule | None:
        if not self.search_topology:
            return None
        groups = {
            f"{kind}:{k}": tuple(f"{kind}:{j}->{t}" for j, t in self.pairs if t == k)
            for kind in self.kinds
            for k in NODES
        }
        return TopologyRule(groups=groups, keep=self.keep)

    def kind_of(self, reduction: bool) -> str:
        """The genotype kind a normal (``False``) or reduction (``True``) cell reads."""
        if len(self.kinds) == 1:
            return self.kinds[0]
        return "reduce" if reduction else "normal"

    def edge_index(self, kind: str, source: int, target: int) -> int:
        return self.edges.index(f"{kind}:{source}->{target}")

    def genotype(self, arch: Arch) -> Genotype:
        """``{normal: [...], reduce: [...]}`` (both the same for shared cells), validated."""
        self.check(arch)
        out: Genotype = {}
        for cell in SPLIT_KINDS:
            kind = self.kind_of(cell == "reduce")
            pairs: list[tuple[str, int]] = []
            for k in NODES:
                for j, t in self.pairs:
                    op = arch.ops[self.edge_index(kind, j, t)]
                    if t == k and op != "none":
                        pairs.append((op, j))
            out[cell] = pairs
        return out

    def arch_from_genotype(self, genotype: Genotype) -> Arch:
        """The arch of a genotype; ``BadInput`` when it does not belong to this space."""
        if len(self.kinds) == 1 and genotype["normal"] != genotype["reduce"]:
            raise BadInput(f"space {self.name!r} shares one cell for normal and reduce; the genotype's differ")
        ops = ["none"] * len(self.edges)
        for kind in self.kinds:
            cell = "reduce" if kind == "reduce" else "normal"
            pairs = genotype[cell]
            if len(pairs) != 2 * len(NODES):
                raise BadInput(
                    f"{cell} cell must list {2 * len(NODES)} (op, input) pairs, 2 per node; got {len(pairs)}"
                )
            for m, (op, source) in enumerate(pairs):
                target = NODES[m // 2]
                name = f"{kind}:{source}->{target}"
                if name not in self.edges:
                    raise BadInput(f"{cell} cell: node {target} cannot read input {source} in space {self.name!r}")
                e = self.edges.index(name)
                if ops[e] != "none":
                    raise BadInput(f"{cell} cell: node {target} reads input {source} twice")
                if op == "none" or op not in self.edge_ops[e]:
                    choices = ", ".join(o for o in self.edge_ops[e] if o != "none")
                    raise BadInput(f"op {op!r} is not allowed on edge {name} of space {self.name!r}; choose: {choices}")
                ops[e] = op
        return Arch(self.name, tuple(ops))

    def check(self, arch: Arch) -> None:
        """``BadInput`` unless every op is a candidate and every node has exactly 2 real inputs."""
        if len(arch.ops) != len(self.edges):
            raise BadInput(f"space {self.name!r} has {len(self.edges)} edges; the arch has {len(arch.ops)} ops")
        for e, op in enumerate(arch.ops):
            if op not in self.edge_ops[e] and op != "none":
                raise BadInput(f"op {op!r} is not a candidate of edge {self.edges[e]} in space {self.name!r}")
        for kind in self.kinds:
            for k in NODES:
                real = [j for j, t in self.pairs if t == k and arch.ops[self.edge_index(kind, j, t)] != "none"]
                if len(real) != self.keep:
                    raise BadInput(f"{kind} node {k} has {len(real)} inputs; every node needs exactly {self.keep}")
