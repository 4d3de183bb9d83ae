"""What ``verify darts-pt`` replays a reference on: nasbench's supernet and trainer in the official
projection's starting state (``build``), and the plan of steps with what each should measure
(``plan_of``). Official edge ids are the code's: NB201 ``edge2index`` (sorted ``i<-j`` keys: our edge
order), DARTS ``offset + j`` per cell kind (our pair order); node ids 0-2 are nodes 3-5.
"""

from __future__ import annotations

from typing import Any

import torch

from nasbench.api import DataError, torch_generator
from nasbench_plugins.darts_pt.reference import Reference
from nasbench_plugins.darts_pt.schedule import Step, official_plan
from nasbench_plugins.darts_space import official as darts_official
from nasbench_plugins.darts_space.reduced_spaces import SPECS
from nasbench_plugins.darts_space.space import make_space
from nasbench_plugins.nb201.official import load_official as load_nb201
from nasbench_plugins.nb201.space import NB201Space
from nasbench_plugins.oneshot.config import TrainConfig
from nasbench_plugins.oneshot.training import SupernetTrainer


def _space_and_net(ref: Reference) -> tuple[Any, torch.nn.Module]:
    sn = ref.spec["supernet"]
    channels, cells, classes = int(sn["channels"]), int(sn["cells"]), int(sn["num_classes"])
    if ref.spec["space"] == "nb201":
        space = NB201Space(channels, cells, "skip", False)
        net = space.build_supernet(classes, torch_generator(0))
        return space, load_nb201(net, ref.weights("weights"), "supernet", bn_stats_optional=True)
    spec = next(s for s in SPECS if s.name == "s5")
    space = make_space(spec).with_settings({"darts_channels": channels, "darts_cells": cells})
    net = space.build_supernet(classes, torch_generator(0))
    state = ref.weights("weights")
    return space, darts_official.load_official(net, state, "supernet", bn_stats_optional=True)


def build(ref: Reference) -> tuple[SupernetTrainer, Any]:
    """(trainer, space): the official supernet, alpha and architecture-Adam state, loaded into ours."""
    space, net = _space_and_net(ref)
    st = ref.spec["settings"]
    config = TrainConfig(
        space=space.name, space_config="", seed=0, num_classes=int(ref.spec["supernet"]["num_classes"]),
        data_source=ref.images.source, epochs=0, order="first", fix_alpha=False,
        batch_size=int(st["batch_size"]), steps=0, lr=float(st["learning_rate"]), lr_min=0.0,
        momentum=float(st["momentum"]), wd=float(st["weight_decay"]), grad_clip=float(st["grad_clip"]),
        arch_lr=float(st["arch_learning_rate"]), arch_wd=float(st["arch_weight_decay"]), data="official",
    )  # fmt: skip
    trainer = SupernetTrainer(net, config, ref.images, ref.images, torch.device("cpu"), torch_generator(0))
    adam = ref.weights("alpha")
    shape = tuple(trainer.alpha.shape)
    for key in ("alpha", "exp_avg", "exp_avg_sq"):
        if key not in adam or tuple(adam[key].shape) != shape:
            raise DataError(f"{ref.folder}: {ref.spec['supernet']['alpha']} needs '{key}' of shape {list(shape)}")
    if "step" not in adam:
        raise DataError(f"{ref.folder}: {ref.spec['supernet']['alpha']} needs the Adam 'step'")
    with torch.no_grad():
        trainer.alpha.copy_(adam["alpha"])
    trainer.arch_optimizer.state[trainer.alpha] = {
        "step": adam["step"].float().clone(),
        "exp_avg": adam["exp_avg"].clone(),
        "exp_avg_sq": adam["exp_avg_sq"].clone(),
    }
    return trainer, space


def _edge(space: Any, cell: str | None, eid: int) -> str:
    if cell is None:
        return space.edges[eid] if 0 <= eid < len(space.edges) else f"?{eid}"
    pairs = space.spec.pairs
    if not 0 <= eid < len(pairs):
        raise DataError(f"edge id {eid} is not a DARTS cell edge")
    j, k = pairs[eid]
    return f"{cell}:{j}->{k}"


def _action(space: Any, act: dict) -> tuple[str, str, tuple]:
    """(kind, our name, (label, [(what, (batches, acc, loss))], official decision))."""
    if "op" in act:
        a = act["op"]
        name = _edge(space, a["cell"], int(a["edge"]))
        ops = space.candidate_ops(name)
        values = [(ops[k], (v[2], v[0], v[1])) for k, v in enumerate(a["values"])]
        return "op", name, (f"edge {name}", values, ops[int(a["chosen"])])
    a = act["node"]
    name = f"{a['cell']}:{int(a['node']) + 3}"
    values = [
        (f"round {r} without {_edge(space, a['cell'], int(e[0]))}", (e[3], e[1], e[2]))
        for r, row in enumerate(a["rounds"])
        for e in row
    ]
    kept = [_edge(space, a["cell"], int(e)) for e in a["kept"]]
    return "node", name, (f"node {name}", values, kept)


def plan_of(ref: Reference, space: Any) -> tuple[list[Step], list[tuple[dict, list]]]:
    """Our plan for the reference's edge/node choices, and per step what the official run measured."""
    orders: dict[str, list[str]] = {"op": [], "node": []}
    expected = []
    for ref_step in ref.spec["steps"]:
        acts = []
        for act in ref_step["actions"]:
            kind, name, want = _action(space, act)
            orders[kind].append(name)
            acts.append(want)
        expected.append((ref_step, acts))
    intv = int(ref.spec["settings"]["proj_intv"])
    plan = official_plan(orders["op"], orders["node"], intv, ref.spec["space"] != "nb201")
    if [len(s.actions) for s in plan] != [len(a) for _, a in expected]:
        raise DataError(f"{ref.folder}: its steps do not pair edges / nodes as the official schedule does")
    return plan, expected
