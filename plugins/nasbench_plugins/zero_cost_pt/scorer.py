"""``zc-pt``: Zero-Cost-PT perturbation scoring (Xiang et al., Eq. 7).

The importance of op o on edge e is read from S(A - (e, o)), the proxy score of the current
supernet with o switched off on e. The op whose removal hurts most is kept:
score(o) = -S(A - (e, o)), so higher = better as for every scorer (the official code takes the
nanargmin of S, ``init_projection.py:372``).

Semantics (``zcpt_semantics``, ``zcpt_ablate``; see ``nasbench_plugins.zero_cost_pt.semantics``):
by default those of the official NB201 code, reproduced number by number (``nasbench verify
zc-pt``): eval-mode BN, ReLU-class hooks, blocked removed ops, softmax(alpha) weights redrawn
per proposal, a fresh augmented minibatch per edge decision, and validation of every candidate
as its own freshly initialised network on its own batches. With ``nwot`` (or ``nwot_eval``) as
proxy on NB201 the kernel is computed by ``code_kernel`` (no hooks, no autograd, blocked convs
not run); other proxies score the supernet in ``blocked`` mode with the same op weights.
``zcpt_semantics=nasbench-v1`` keeps the semantics nasbench had before (train-mode nwot on the
masked supernet, removed ops skipped, one batch per proposal): a named ablation.
On spaces other than NB201 the official kernel does not apply and nasbench-v1 is used (the
trial's info says so).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from nasbench.api import Setting, active_ops, hookimpl, perturbation_scores
from nasbench_plugins.nb201.network import NB201Network, NB201Supernet, blocked_mode_weights
from nasbench_plugins.zero_cost_pt.code_kernel import logdet, network_kernel, supernet_kernel
from nasbench_plugins.zero_cost_pt.official_data import OfficialBatches
from nasbench_plugins.zero_cost_pt.semantics import ITEMS, SEMANTICS, Semantics, parse_ablate

#: generator streams of a trial (``SearchContext.torch_generator``), free numbers >= 10
_STREAM_ALPHA, _STREAM_EDGE_BATCHES, _STREAM_VALIDATION, _STREAM_VALIDATION_NETS = 20, 21, 1000, 2000


@dataclass
class _Trial:
    """Per-trial state, kept in ``ctx.state`` (the scorer object is shared by trials)."""

    semantics: Semantics
    alpha_gen: torch.Generator
    edge_batches: object
    alpha: torch.Tensor | None = None
    batch: tuple[torch.Tensor, torch.Tensor] | None = None
    info: dict = field(default_factory=dict)


class ZeroCostPT:
    """Zero-Cost-PT: keep the op whose removal lowers the proxy score most."""

    name = "zc-pt"
    needs_proxy = True
    default_proxy = "nwot"  # the paper's proxy
    needs_images = True
    settings = {
        "zcpt_semantics": Setting(
            "official",
            "official: the authors' NB201 code, verified score by score; nasbench-v1: nasbench's earlier semantics",
            choices=SEMANTICS,
        ),
        "zcpt_ablate": Setting(
            "", f"comma-separated official items to switch off: {', '.join(ITEMS)}", check=parse_ablate
        ),
        # the strategy's batch_size wins when it declares one (progressive, independent: 256);
        # under another strategy (darts-pt) this is the minibatch the scorer draws
        "batch_size": Setting(64, "minibatch size for proxy scoring", minimum=1, flag="--batch-size"),
    }

    # -- per-trial state --------------------------------------------------------------------
    def _trial(self, ctx) -> _Trial:
        state = ctx.state.get(self.name)
        if state is None:
            semantics = Semantics.from_settings(ctx.settings)
            note = ""
            if semantics.official and not isinstance(ctx.supernet, NB201Supernet):
                semantics, note = Semantics(official=False), "nasbench-v1: the official kernel is NB201's"
            edge_batches = None
            if semantics.official and semantics.data:
                size = int(ctx.settings["batch_size"])
                edge_batches = OfficialBatches(ctx.images, size, ctx.torch_generator(_STREAM_EDGE_BATCHES))
            state = _Trial(semantics, ctx.torch_generator(_STREAM_ALPHA), edge_batches)
            state.info = {"zcpt_semantics": note or ("official" if semantics.official else "nasbench-v1")}
            ctx.state[self.name] = state
        return state

    def _fast(self, ctx, net) -> bool:
        return getattr(ctx.proxy, "relu_code_kernel", False) and isinstance(net, NB201Supernet | NB201Network)

    def trial_info(self, ctx) -> dict:
        """What the trial's row records about the semantics actually used."""
        return dict(self._trial(ctx).info)

    # -- lifecycle, called by the progressive / independent strategies ------------------------
    def begin_proposal(self, ctx) -> bool:
        """A new proposal: new alphas (official) and, without per-edge batches, a new minibatch.
        True when the scorer manages the minibatches itself."""
        trial = self._trial(ctx)
        if not trial.semantics.official:
            return False
        trial.alpha = 1e-3 * torch.randn(ctx.supernet.op_mask.shape, generator=trial.alpha_gen)
        trial.batch = None if trial.edge_batches is not None else ctx.new_batch()
        return True

    def begin_edge(self, ctx) -> None:
        """An edge decision starts: the official code draws a fresh minibatch for it."""
        trial = self._trial(ctx)
        if trial.semantics.official and trial.edge_batches is not None:
            x, y = trial.edge_batches.next()
            trial.batch = (x.to(ctx.device), y.to(ctx.device))

    # -- scoring ------------------------------------------------------------------------------
    def score_edge(self, ctx, decisions: dict[str, str], edge: str) -> dict[str, float]:
        trial = self._trial(ctx)
        net = ctx.supernet
        if not trial.semantics.official:  # nasbench-v1: S(A - (e, o)) on the masked supernet
            values = perturbation_scores(net, edge, lambda: ctx.proxy_score(net), counters=ctx.counters)
            return {op: -value for op, value in values.items()}
        if trial.alpha is None:
            self.begin_proposal(ctx)
        if trial.batch is None:
            self.begin_edge(ctx)
        base = torch.softmax(trial.alpha, dim=-1) if trial.semantics.alpha else None
        weights = blocked_mode_weights(net.op_mask, base)
        e = net.edges.index(edge)
        scores = {}
        for op in active_ops(net, edge):
            perturbed = weights.clone()
            perturbed[e, net.edge_ops[e].index(op)] = 0.0
            scores[op] = -self._supernet_score(ctx, net, perturbed, trial)
            ctx.counters.perturbations += 1
        return scores

    def _supernet_score(self, ctx, net, weights: torch.Tensor, trial: _Trial) -> float:
        x, y = trial.batch
        if self._fast(ctx, net):
            ctx.counters.forward_passes += 1
            ctx.counters.supernet_forwards += 1
            value = logdet(supernet_kernel(net, x, weights, trial.semantics.rules))
            return math.nan if math.isnan(value) or value == math.inf else value
        saved = (net.removed_ops, net.op_weights)
        net.removed_ops, net.op_weights = ("blocked" if trial.semantics.rules.blocked else "skip"), weights
        try:
            return ctx.proxy_score(net, (x, y))
        finally:
            net.removed_ops, net.op_weights = saved

    def validation_scores(self, ctx, archs: list, rounds: int) -> list[float] | None:
        """Official validation: each candidate its own fresh network and its own ``rounds`` batches;
        the sum of its scores (``post_validate.py:206-234``). ``None`` under nasbench-v1."""
        trial = self._trial(ctx)
        if not trial.semantics.official:
            return None
        sem = trial.semantics
        size = int(ctx.settings["batch_size"])
        totals = []
        bar = ctx.progress(rounds * len(archs), "validation")
        for i, arch in enumerate(archs):
            own = i if sem.validation else 0
            net = (
                ctx.build_network(arch, stream=_STREAM_VALIDATION_NETS + own)
                if sem.validation
                else ctx.build_network(arch)
            )
            net.eval()
            batches = self._batches(ctx, ctx.torch_generator(_STREAM_VALIDATION + own), size, sem)
            total = 0.0
            for j in range(rounds):
                x, y = batches()
                x, y = x.to(ctx.device), y.to(ctx.device)
                if self._fast(ctx, net):
                    ctx.counters.forward_passes += 1
                    ctx.counters.network_forwards += 1
                    total += logdet(network_kernel(net, x, sem.rules))
                else:
                    total += ctx.proxy_score(net, (x, y))
                bar.update(1, candidate=f"{i + 1}/{len(archs)}", batch=f"{j + 1}/{rounds}")
            totals.append(total)
        bar.close()
        return totals

    @staticmethod
    def _batches(ctx, generator: torch.Generator, size: int, sem: Semantics):
        if sem.data:
            return OfficialBatches(ctx.images, size, generator).next
        stream = ctx.images.minibatches(size, generator)
        return lambda: next(stream)


@hookimpl
def nasbench_register_scorers(register) -> None:
    register(ZeroCostPT())
