"""The networks PertNAS trains: a DARTS cell space restricted to given ops per edge.

A *discrete model* has one op per edge; *expanding* edge e loads every candidate op onto e
(Fig. 1b); the *top-2 model* has two ops per edge. Each is the space's own masked supernet
(``darts_space`` ``CellSpace.build_supernet``) built from a ``CellSpaceSpec`` whose per-edge op
lists are restricted, so only the ops listed are ever constructed: a discrete model with one
expanded edge holds |O| ops on that edge and one op everywhere else, whatever |O| is. Weights
move between such models by op name (``transfer_weights``), which is how an expanded edge and
the model it came from share theta.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from torch import nn

from nasbench.api import BadInput
from nasbench_plugins.darts_space.space import CellSpace
from nasbench_plugins.darts_space.spec import CellSpaceSpec
from nasbench_plugins.oneshot.training import SupernetTrainer, split_halves, train_config

_OP_KEY = re.compile(r"^(cells\.(\d+)\.edge_ops\.(\d+)\.(\d+)\.)(.*)$")


def cell_spec(ctx: Any) -> CellSpaceSpec:
    spec = getattr(ctx.space, "spec", None)
    if not isinstance(spec, CellSpaceSpec):
        raise BadInput(f"strategy pertnas needs a DARTS cell space (darts, o1, o2, ...), not {ctx.space.name!r}")
    return spec


def restricted_spec(spec: CellSpaceSpec, ops: dict[str, tuple[str, ...]]) -> CellSpaceSpec:
    """``spec`` with edge ``e`` offering only ``ops[e]`` (edges not in ``ops`` keep theirs)."""
    per_kind = {}
    for kind in spec.kinds:
        rows = []
        for i, (j, k) in enumerate(spec.pairs):
            edge = f"{kind}:{j}->{k}"
            rows.append(tuple(ops.get(edge, spec.ops[kind][i])))
        per_kind[kind] = tuple(rows)
    return dataclasses.replace(spec, ops=per_kind)


def build_model(ctx: Any, ops: dict[str, tuple[str, ...]], stream: int) -> nn.Module:
    """The masked network of the run's cell space with only ``ops`` on each edge, on the device."""
    space = CellSpace(restricted_spec(cell_spec(ctx), ops), ctx.space.values)
    return space.build_supernet(ctx.num_classes, ctx.torch_generator(stream)).to(ctx.device)


def transfer_weights(src: nn.Module, dst: nn.Module) -> list[str]:
    """Copy every weight of ``src`` into ``dst`` (ops matched by name per edge); returns the keys
    of ``dst`` that ``src`` had no weights for (the ops an expansion adds)."""
    rename: dict[str, str] = {}
    for i, (cs, cd) in enumerate(zip(src.cells, dst.cells)):
        for r in range(len(cs.rows)):
            for k, op in enumerate(cs.op_names[r]):
                if op in cd.op_names[r]:
                    rename[f"cells.{i}.edge_ops.{r}.{k}."] = f"cells.{i}.edge_ops.{r}.{cd.op_names[r].index(op)}."
    state = {}
    for key, value in src.state_dict().items():
        m = _OP_KEY.match(key)
        if m is None:
            state[key] = value
        elif m.group(1) in rename:
            state[rename[m.group(1)] + m.group(5)] = value
    missing, unexpected = dst.load_state_dict(state, strict=False)
    if unexpected:
        raise RuntimeError(f"weight transfer: keys the target lacks: {unexpected[:3]}")
    return list(missing)


def new_trainer(ctx: Any, net: nn.Module, stream: int) -> SupernetTrainer:
    """The one-shot engine's trainer for ``net``: the run's train_* settings, uniform op weights
    (``fix_alpha``: PertNAS' plain mixed op), no checkpoint (these models live for one trial)."""
    config = train_config(ctx.space, ctx.settings, ctx.seed, ctx.num_classes, ctx.images.source)
    config = dataclasses.replace(config, fix_alpha=True, epochs=0)
    train, valid = split_halves(ctx.images)
    return SupernetTrainer(net, config, train, valid, ctx.device, ctx.torch_generator(stream), None)
