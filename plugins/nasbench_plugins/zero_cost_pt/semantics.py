"""Which Zero-Cost-PT semantics a run uses: the official code's (default), one item of it
switched off (``zcpt_ablate``), or nasbench's pre-2026-12 semantics (``zcpt_semantics=nasbench-v1``).

The eight items, each a name for ``--set zcpt_ablate=NAME[,NAME...]`` (file:line in
visionbasicagent/zerocost_operation_score @55fc52b):

``bn``          BN in eval mode with fresh running statistics while scoring, both stages
                (``nasbench201/op_score.py:14``, ``Scorers/scorer.py:24``). Ablated: batch statistics.
``hooks``       every module whose class name contains "ReLU" is hooked: ``nn.ReLU`` and the
                ``ReLUConvBN`` wrapper, so a conv op's input is coded twice (``op_score.py:34-36``).
                Ablated: ``nn.ReLU`` only.
``blocked``     removed and not-chosen convs run on x*0 (``search_cells.py:49``,
                ``cell_operations.py:68-71``): the wrapper codes x, the inner ReLU codes zeros
                (D 11^T). Ablated: they are not run.
``alpha``       undecided edges weigh softmax(alpha) (alpha = 1e-3 N(0,1), redrawn per proposal,
                ``search_model_darts_proj.py:22-30,62-65``), not renormalised after a removal.
                Ablated: every op weighs 1.
``data``        a fresh minibatch per edge decision, training augmentation and the code's CIFAR
                mean/std (``init_projection.py:337``, ``utils.py:118-136``). Ablated: one batch per
                proposal, no augmentation, NAS-Bench-201's mean/std.
``measures``    NB201, a proxy other than nwot: each op is scored as one call of zero-cost-nas
                ``find_measures``, on its own fresh minibatch (its ``get_some_data`` opens a new
                iterator of the shuffling loader) with the edge's other ops at 1/|O|
                (``init_projection.py:337-366``, ``train_queue`` read as the ``proj_queue`` the
                function is given: docs/zc-pt.md). Ablated: the edge's one minibatch, softmax(alpha).
``tenas_project`` NB201 with ``--proxy tenas``: the code's route for that proxy, ``tenas_project``
                (``networks_proposal.py:191-195``, ``init_projection.py:389-446``; ``tenas_route``): every
                remaining (edge, op) removal measured (NTK condition number on the supernet, linear
                regions on a one-channel-stem twin), ranked together, the first remaining edge decided.
                Ablated: ``pt_project``'s rule with the tenas proxy as one score (the ``measures`` item).
``validation``  every distinct candidate is its own freshly initialised discrete network scored on
                its own V augmented batches (``post_validate.py:187-234``). Ablated: candidates share
                one initialisation stream and the same V batches (common random numbers).

Two more items belong to one path each (``official_paths``; an item a space's path lacks is refused):

``topology``    DARTS cells: after the ops, each node keeps two incoming edges by perturbation of
                whole edges (``sota/cnn/init_projection.py:141-191``, ``darts_topology``). Ablated:
                nasbench's generic rule (``nasbench.topology.apply_topology`` with the run's proxy).
``decided``     Macro: a decided layer's kept op weighs 1 while its other ops keep their 1/3 and still
                run (``nasbench_macro/network_proposal.py:127``). Ablated: a decided layer runs its
                kept op only.

On DARTS cells ``alpha`` is drawn once per trial (the official supernet keeps its alpha across
proposals) and ``data`` is one minibatch per step of a normal and a reduction decision; the
official DARTS code does not run weight-0 ops, so ``blocked`` does not apply there, and Macro has
no alpha and no ReLU wrapper classes, so ``alpha`` and ``hooks`` do not apply there.
"""

from __future__ import annotations

from dataclasses import dataclass

from nasbench.api import BadInput, item_set
from nasbench_plugins.zero_cost_pt.code_kernel import KernelRules

ITEMS = ("bn", "hooks", "blocked", "alpha", "data", "measures", "tenas_project", "validation", "topology", "decided")
SEMANTICS = ("official", "nasbench-v1")


@dataclass(frozen=True)
class Semantics:
    """The resolved switches of one run."""

    official: bool = True  # False: nasbench-v1, the generic masked-supernet path
    rules: KernelRules = KernelRules()
    alpha: bool = True
    data: bool = True
    validation: bool = True
    topology: bool = True
    decided: bool = True
    measures: bool = True
    tenas_project: bool = True

    @classmethod
    def from_settings(cls, settings: dict) -> Semantics:
        name = settings.get("zcpt_semantics", "official")
        ablate = parse_ablate(settings.get("zcpt_ablate", ""))
        if name == "nasbench-v1":
            if ablate:
                raise BadInput(
                    "zcpt_ablate switches items of the official semantics; drop it with zcpt_semantics=nasbench-v1"
                )
            return cls(official=False)
        rules = KernelRules(
            bn_eval="bn" not in ablate, wrapper_hooks="hooks" not in ablate, blocked="blocked" not in ablate
        )
        return cls(
            True,
            rules,
            "alpha" not in ablate,
            "data" not in ablate,
            "validation" not in ablate,
            "topology" not in ablate,
            "decided" not in ablate,
            "measures" not in ablate,
            "tenas_project" not in ablate,
        )


def check_items(settings: dict, path_name: str | None, items: tuple[str, ...], space: str) -> None:
    """One clear line when ``zcpt_ablate`` names an item the space's official path does not have."""
    ablate = parse_ablate(settings.get("zcpt_ablate", ""))
    if settings.get("zcpt_semantics", "official") != "official" or not ablate:
        return
    if path_name is None:
        raise BadInput(f"zcpt_ablate needs an official path; space {space!r} has none (it runs nasbench-v1)")
    extra = sorted(ablate - set(items))
    if extra:
        raise BadInput(
            f"zcpt_ablate item {extra[0]!r} does not apply on {space!r} (the official {path_name} code); "
            f"items there: {', '.join(items)}"
        )


def parse_ablate(text: str) -> frozenset[str]:
    """``"bn,data"`` -> the items ``zcpt_ablate`` switches off; an unknown item is one clear line."""
    return item_set("zcpt_ablate", text, ITEMS)
