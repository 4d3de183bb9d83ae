"""``disc-zc``: zero-cost discretization policy (Zero-Cost-PT Eq. 6): keep the op o whose
discretization A + (e, o) gives the highest proxy score S.

The authors publish no code for disc-zc (visionbasicagent/zerocost_operation_score @55fc52b has
no discretization path), so its default (``disc_zc_semantics=zc-pt``) computes S exactly as
``zc-pt`` computes it on the space (the official path's model and kernel: eval-mode BN, ReLU-class
hooks, softmax(alpha) op weights with decided edges one-hot, a fresh minibatch per edge decision
(per op for a proxy other than nwot: zc-pt's ``measures`` item, and its scorer version),
batch 256 under the Table 1/2 strategies), the edge e one-hot on o instead of o switched off: the
two policies of Table 1 then differ only in the perturbation, as the paper compares them.
``nasbench-v1`` is what nasbench did before: the generic proxy on the supernet with e reduced to o
(``nasbench.supernet.only``, train-mode nwot, one batch per proposal); its stored runs keep their
run key (``keyless_value``). docs/paper-tables.md has both measured.
"""

from __future__ import annotations

import torch

from nasbench.api import Setting, hookimpl, perturbation_scores
from nasbench_plugins.zero_cost_pt.scorer import _STREAM_ALPHA, Semantics, ZeroCostPT, _Trial

DISC_ZC_SEMANTICS = ("zc-pt", "nasbench-v1")


class DiscZC(ZeroCostPT):
    """disc-zc: keep the op whose discretization gives the best proxy score (Eq. 6)."""

    name = "disc-zc"
    needs_proxy = True
    default_proxy = "nwot"
    needs_images = True
    settings = {
        "disc_zc_semantics": Setting(
            "zc-pt",
            "zc-pt: S as zc-pt computes it on the space (official kernel and model), the edge one-hot on o; "
            "nasbench-v1: the proxy on the supernet reduced to o on the edge (nasbench's earlier disc-zc)",
            choices=DISC_ZC_SEMANTICS,
            keyless_value="nasbench-v1",
        ),
        "batch_size": Setting(64, "minibatch size for proxy scoring", minimum=1, flag="--batch-size"),
    }

    #: higher = better: S(A + (e, o)) itself
    _sign = 1.0

    @staticmethod
    def _perturbed(weights: torch.Tensor, e: int, j: int) -> torch.Tensor:
        """The op weights of A + (e, o): edge ``e`` one-hot on op ``j`` (as a decided edge)."""
        out = weights.clone()
        out[e] = 0.0
        out[e, j] = 1.0
        return out

    def check_settings(self, run) -> None:
        if run.settings.get("disc_zc_semantics") == "zc-pt":
            super().check_settings(run)

    def _trial(self, ctx) -> _Trial:
        if ctx.settings.get("disc_zc_semantics") == "nasbench-v1" and self.name not in ctx.state:
            trial = _Trial(Semantics(official=False), ctx.torch_generator(_STREAM_ALPHA), None)
            trial.info = {"disc_zc_semantics": "nasbench-v1"}
            ctx.state[self.name] = trial
        trial = super()._trial(ctx)
        trial.info.setdefault("disc_zc_semantics", "zc-pt")
        return trial

    def score_edge(self, ctx, decisions: dict[str, str], edge: str) -> dict[str, float]:
        if not self._trial(ctx).semantics.official:  # nasbench-v1 (or a space without an official path)
            net = ctx.supernet
            return perturbation_scores(net, edge, lambda: ctx.proxy_score(net), keep=True, counters=ctx.counters)
        return super().score_edge(ctx, decisions, edge)


@hookimpl
def nasbench_register_scorers(register) -> None:
    register(DiscZC())
