"""``max-params``: the arch with the most parameters (Zero-Cost-PT's max-param baseline).

Definition (any cell space where parameters add up per edge op, e.g. NB201 and DARTS cells):
p(e, o) = params(base with edge e set to o) - params(base), measured on real discrete networks
built by the space (base = the first candidate op on every edge); each edge takes its argmax
op (ties: first candidate) and ``space.complete`` makes the arch valid. On NB201 this is the
unique all-``nor_conv_3x3`` cell. The per-edge parameter deltas are recorded as the initial
scores, so their correlation with the oracle is reported like any scorer's.
"""

from __future__ import annotations

from nasbench.api import Arch, SearchOutcome, hookimpl

_STREAM = 30


def param_count(ctx, arch: Arch) -> int:
    net = ctx.space.build_network(arch, ctx.num_classes, ctx.torch_generator(_STREAM))
    return sum(p.numel() for p in net.parameters())


class MaxParams:
    """Max-params baseline: the op with the most parameters on every edge."""

    name = "max-params"
    needs_proxy = False
    needs_images = False
    settings: dict = {}

    def search(self, ctx) -> SearchOutcome:
        space = ctx.space
        base_ops = tuple(space.candidate_ops(e)[0] for e in space.edges)
        base = param_count(ctx, Arch(space.name, base_ops))
        initial, decisions = [], {}
        for i, edge in enumerate(space.edges):
            delta = {}
            for op in space.candidate_ops(edge):
                ops = base_ops[:i] + (op,) + base_ops[i + 1 :]
                delta[op] = float(param_count(ctx, Arch(space.name, ops)) - base)
            initial.append(ctx.record({}, edge, 0, delta))
            decisions[edge] = max(delta, key=lambda o: delta[o])
        arch = space.complete(decisions)
        return SearchOutcome(arch, initial=initial, info={"params": param_count(ctx, arch)})


@hookimpl
def nasbench_register_strategies(register) -> None:
    register(MaxParams())
