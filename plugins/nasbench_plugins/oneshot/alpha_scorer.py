"""``darts``: the DARTS magnitude policy (Zero-Cost-PT Eq. 3): score(o) = alpha_{e,o}.

Reads alpha of the trial's trained supernet (``nasbench_plugins.oneshot.training``); training settings are
declared here so that every component of a run shares one checkpoint key.
"""

from __future__ import annotations

from nasbench.api import active_ops, hookimpl
from nasbench_plugins.oneshot.training import TRAIN_SETTINGS, trained_supernet


def alpha_scores(ctx, edge: str) -> dict[str, float]:
    """alpha of every still-active op of ``edge`` on the trained supernet."""
    trainer = trained_supernet(ctx)
    net = trainer.net
    e = net.edges.index(edge)
    return {op: float(trainer.alpha.detach()[e, net.edge_ops[e].index(op)]) for op in active_ops(net, edge)}


class DartsScorer:
    """DARTS: keep the op with the largest architecture parameter alpha (Eq. 3)."""

    name = "darts"
    needs_proxy = False
    needs_images = True
    settings = dict(TRAIN_SETTINGS)

    def score_edge(self, ctx, decisions: dict[str, str], edge: str) -> dict[str, float]:
        return alpha_scores(ctx, edge)


@hookimpl
def nasbench_register_scorers(register) -> None:
    register(DartsScorer())
