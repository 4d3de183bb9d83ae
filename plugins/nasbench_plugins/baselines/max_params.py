"""``max-params``: the arch with the most parameters (Zero-Cost-PT's max-param baseline).

Definition: p(e, o) = the parameters op ``o`` adds when it sits on edge ``e`` of the discrete
network; each edge takes its argmax op (ties: first candidate). Measured two ways:

- spaces with a fixed topology where every op combination is an arch (NB201): on real discrete
  networks, p(e, o) = params(base with edge e set to o) - params(base), base = the first candidate
  op on every edge; on NB201 this is the unique all-``nor_conv_3x3`` cell;
- DARTS-cell spaces (``darts``, ``s1``-``s4``, ``o1``, ...), where most op combinations are not
  archs (each node needs exactly 2 inputs, so "first op everywhere" is no network): p(e, o) = the
  parameters of the op module the discrete network builds for ``o`` on ``e``, summed over every
  cell of ``e``'s kind (the cell layout, channels and strides of ``DartsNetwork``). Edge strength
  = p(e, chosen op); each node keeps its 2 strongest edges (``select_topology``).

The per-edge parameter counts are recorded as the initial scores, so their correlation with the
oracle is reported like any scorer's.
"""

from __future__ import annotations

from nasbench.api import Arch, SearchOutcome, hookimpl, select_topology

_STREAM = 30


def param_count(ctx, arch: Arch) -> int:
    net = ctx.space.build_network(arch, ctx.num_classes, ctx.torch_generator(_STREAM))
    return sum(p.numel() for p in net.parameters())


def darts_op_params(space) -> dict[str, dict[str, float]]:
    """edge -> op -> parameters of that op on that edge, over every cell of the discrete network."""
    from nasbench_plugins.darts_space.network import _layout
    from nasbench_plugins.darts_space.ops import make_op

    spec, values = space.spec, space.values
    channels, cells = int(values["darts_eval_channels"]), int(values["darts_eval_cells"])
    out: dict[str, dict[str, float]] = {e: dict.fromkeys(space.candidate_ops(e), 0.0) for e in space.edges}
    c = channels
    for reduction in _layout(cells):
        c = c * 2 if reduction else c
        kind = spec.kind_of(reduction)
        for j, k in spec.pairs:
            edge = f"{kind}:{j}->{k}"
            stride = 2 if reduction and j < 2 else 1
            for op in space.candidate_ops(edge):
                out[edge][op] += float(sum(p.numel() for p in make_op(op, c, stride, True).parameters()))
    return out


class MaxParams:
    """Max-params baseline: the op with the most parameters on every edge."""

    name = "max-params"
    needs_proxy = False
    needs_images = False
    settings: dict = {}

    def search(self, ctx) -> SearchOutcome:
        space = ctx.space
        if hasattr(space, "spec"):  # a DARTS-cell space: count op modules, not whole networks
            return self._cells(ctx)
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

    def _cells(self, ctx) -> SearchOutcome:
        space = ctx.space
        counts = darts_op_params(space)
        initial = [ctx.record({}, edge, 0, counts[edge]) for edge in space.edges]
        decisions = {e: max(counts[e], key=lambda o, e=e: counts[e][o]) for e in space.edges}
        strength = {e: counts[e][decisions[e]] for e in space.edges}
        arch = space.complete(select_topology(space, decisions, strength))
        return SearchOutcome(arch, initial=initial, info={"params": param_count(ctx, arch)})


@hookimpl
def nasbench_register_strategies(register) -> None:
    register(MaxParams())
