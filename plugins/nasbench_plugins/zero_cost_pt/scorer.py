"""``zc-pt``: Zero-Cost-PT perturbation scoring (Xiang et al., Eq. 7).

The importance of op o on edge e is read from S(A - (e, o)), the proxy score of the current
supernet with o switched off on e. The op whose removal hurts most is kept:
score(o) = -S(A - (e, o)), so higher = better as for every scorer (the official code takes the
nanargmin of S, ``init_projection.py:372``).

Semantics (``zcpt_semantics``, ``zcpt_ablate``; see ``nasbench_plugins.zero_cost_pt.semantics``):
by default those of the official code's path for the space (``official_paths``: NB201, the
DARTS cells, Macro), each reproduced number by number (``nasbench verify zc-pt``): eval-mode BN,
ReLU-class hooks, removed ops as the path's code treats them, its op weights, its minibatch
schedule, DARTS' topology by perturbation, and validation of every candidate as its own freshly
initialised network on its own batches. With ``nwot`` (or ``nwot_eval``) as proxy the kernel
is computed by the path's kernel module (no hooks, no autograd); other proxies score the
masked supernet with the same op weights. ``zcpt_semantics=nasbench-v1`` keeps the semantics
nasbench had before (train-mode nwot on the masked supernet, removed ops skipped, one batch per
proposal): a named ablation. Spaces without an official path (PertNAS' shared-cell o1/o2) run
nasbench-v1 and the trial's info says so.
"""

from __future__ import annotations

import math
from contextlib import nullcontext
from dataclasses import dataclass, field

import torch

from nasbench.api import Setting, active_ops, hookimpl, network_precision, perturbation_scores, precision_scope
from nasbench_plugins.zero_cost_pt.codes import logdet
from nasbench_plugins.zero_cost_pt.darts_topology import official_topology
from nasbench_plugins.zero_cost_pt.edge_orders import FixedOrder, InterleavedOrder
from nasbench_plugins.zero_cost_pt.official_data import OfficialBatches, PassBatches
from nasbench_plugins.zero_cost_pt.official_paths import OfficialPath, path_of
from nasbench_plugins.zero_cost_pt.semantics import ITEMS, SEMANTICS, Semantics, check_items, parse_ablate
from nasbench_plugins.zero_cost_pt.tenas_route import BATCHES, ProjectRoute, kappa_fp32, regions_eval

#: generator streams of a trial (``SearchContext.torch_generator``), free numbers >= 10
_STREAM_ALPHA, _STREAM_EDGE_BATCHES, _STREAM_VALIDATION, _STREAM_VALIDATION_NETS = 20, 21, 1000, 2000
_STREAM_TWIN, _STREAM_CROPS = 22, 23  # the tenas route's one-channel-stem twin and its crops


@dataclass
class _Trial:
    """Per-trial state, kept in ``ctx.state`` (the scorer object is shared by trials)."""

    semantics: Semantics
    alpha_gen: torch.Generator
    edge_batches: object
    path: OfficialPath | None = None
    alpha: torch.Tensor | None = None
    batch: tuple[torch.Tensor, torch.Tensor] | None = None
    info: dict = field(default_factory=dict)
    started: bool = False  # begin_proposal has run
    decided: int = 0  # begin_edge calls since begin_proposal (DARTS: two decisions share a batch)
    proposals: int = 0  # begin_proposal calls (the tenas route's measurements are per proposal state)
    route: ProjectRoute | None = None  # NB201 with tenas: the authors' tenas_project (``tenas_route``)


class ZeroCostPT:
    """Zero-Cost-PT: keep the op whose removal lowers the proxy score most."""

    name = "zc-pt"
    needs_proxy = True
    default_proxy = "nwot"  # the paper's proxy
    needs_images = True
    settings = {
        "zcpt_semantics": Setting(
            "official",
            "official: the authors' code for the space (NB201, DARTS cells, Macro), verified score by score; "
            "nasbench-v1: nasbench's earlier semantics",
            choices=SEMANTICS,
        ),
        "zcpt_ablate": Setting(
            "", f"comma-separated official items to switch off: {', '.join(ITEMS)}", check=parse_ablate
        ),
        # the strategy's batch_size wins when it declares one (progressive, independent: 256);
        # under another strategy (darts-pt) this is the minibatch the scorer draws
        "batch_size": Setting(64, "minibatch size for proxy scoring", minimum=1, flag="--batch-size"),
    }

    @staticmethod
    def version(proxy) -> str:
        """2 (2026-12-07): on NB201 a proxy without a code kernel is scored as the official
        ``find_measures`` branch does (the ``measures`` item), in NCHW; nwot's runs keep version 1.
        3 (2026-12-07, tenas only): on NB201 tenas takes the authors' route, ``tenas_project``."""
        if proxy is None or getattr(proxy, "relu_code_kernel", False):
            return "1"
        return "3" if getattr(proxy, "name", "") == "tenas" else "2"

    def check_settings(self, run) -> None:
        """Before any trial: an ablation item the space's official path lacks is one clear line."""
        Semantics.from_settings(run.settings)  # e.g. an ablation under nasbench-v1
        path = path_of(run.space, None)
        check_items(run.settings, path.name if path else None, path.items if path else (), run.space.name)

    # -- per-trial state --------------------------------------------------------------------
    def _trial(self, ctx) -> _Trial:
        state = ctx.state.get(self.name)
        if state is None:
            semantics = Semantics.from_settings(ctx.settings)
            path = path_of(ctx.space, ctx.supernet) if semantics.official else None
            note = ""
            if semantics.official and path is None:
                semantics, note = Semantics(official=False), "nasbench-v1: the official code has no path for this space"
            edge_batches = None
            if semantics.official and semantics.data:
                size, gen = int(ctx.settings["batch_size"]), ctx.torch_generator(_STREAM_EDGE_BATCHES)
                edge_batches = (PassBatches if path.name == "darts" else OfficialBatches)(ctx.images, size, gen)
            state = _Trial(semantics, ctx.torch_generator(_STREAM_ALPHA), edge_batches, path)
            if path is not None and path.alpha == "per-trial":  # the DARTS supernet keeps its alpha
                state.alpha = self._draw_alpha(ctx, state)
            state.info = {"zcpt_semantics": note or ("official" if semantics.official else "nasbench-v1")}
            if self._takes_tenas_route(ctx, state):
                raw = ctx.images.raw
                state.route = ProjectRoute(raw, ctx.torch_generator(_STREAM_TWIN), ctx.torch_generator(_STREAM_CROPS))
                state.info["tenas_route"] = "tenas_project (edges decided in index order)"
            ctx.state[self.name] = state
        return state

    @staticmethod
    def _draw_alpha(ctx, trial: _Trial) -> torch.Tensor:
        return 1e-3 * torch.randn(ctx.supernet.op_mask.shape, generator=trial.alpha_gen)

    @staticmethod
    def _takes_tenas_route(ctx, trial: _Trial) -> bool:
        """NB201's official path with the tenas proxy, ``tenas_project`` not ablated."""
        sem = trial.semantics
        named_tenas = getattr(ctx.proxy, "name", "") == "tenas"
        return sem.official and trial.path.name == "nb201" and sem.tenas_project and named_tenas

    def _fast(self, ctx, net, trial: _Trial) -> bool:
        if not getattr(ctx.proxy, "relu_code_kernel", False) or trial.path is None:
            return False
        return isinstance(net, trial.path.supernet_types + trial.path.network_types)

    def trial_info(self, ctx) -> dict:
        """What the trial's row records about the semantics actually used."""
        return dict(self._trial(ctx).info)

    # -- lifecycle, called by the progressive / independent strategies ------------------------
    def begin_proposal(self, ctx) -> bool:
        """A new proposal: new alphas (NB201), a new pass over the images (DARTS) and, without
        per-edge batches, a new minibatch. True when the scorer manages the minibatches itself."""
        trial = self._trial(ctx)
        if not trial.semantics.official:
            return False
        if trial.path.alpha == "per-proposal":
            trial.alpha = self._draw_alpha(ctx, trial)
        trial.started, trial.decided = True, 0
        trial.proposals += 1
        if isinstance(trial.edge_batches, PassBatches):
            trial.edge_batches.restart()
        trial.batch = None if trial.edge_batches is not None else ctx.new_batch()
        return True

    def begin_edge(self, ctx) -> None:
        """An edge decision starts: the official code draws a fresh minibatch for it (on DARTS
        cells, for each step of one normal and one reduction decision)."""
        trial = self._trial(ctx)
        if trial.route is not None:  # tenas_project draws a minibatch per measurement, none per edge
            return
        if trial.semantics.official and trial.edge_batches is not None:
            if trial.decided % trial.path.decisions_per_batch(ctx.space) == 0:
                self._next_batch(ctx, trial)
            trial.decided += 1

    @staticmethod
    def _next_batch(ctx, trial: _Trial) -> None:
        x, y = trial.edge_batches.next()
        trial.batch = (x.to(ctx.device), y.to(ctx.device))

    def edge_order(self, ctx, name: str):
        """The official DARTS-space order for ``random`` / ``fixed`` (one edge per cell kind and
        step), ``None`` elsewhere (the strategy's own order)."""
        trial = self._trial(ctx)
        if trial.route is not None:  # tenas_project decides the first remaining edge, whatever the order
            return FixedOrder()
        if trial.semantics.official and trial.path.name == "darts" and name in ("random", "fixed"):
            return InterleavedOrder(name, tuple(ctx.space.spec.kinds))
        return None

    # -- scoring ------------------------------------------------------------------------------
    def score_edge(self, ctx, decisions: dict[str, str], edge: str) -> dict[str, float]:
        trial = self._trial(ctx)
        net = ctx.supernet
        if not trial.semantics.official:  # nasbench-v1: S(A - (e, o)) on the masked supernet
            values = perturbation_scores(net, edge, lambda: ctx.proxy_score(net), counters=ctx.counters)
            return {op: -value for op, value in values.items()}
        if not trial.started:
            self.begin_proposal(ctx)
        if trial.route is not None:
            return self._route_scores(ctx, net, trial, edge)
        if trial.batch is None:
            self.begin_edge(ctx)
        weights = trial.path.weights(net, trial.alpha, trial.semantics)
        e = net.edges.index(edge)
        ops = active_ops(net, edge)
        per_op = self._find_measures(ctx, net, trial)
        if per_op:  # the edge's other ops at 1/|O|, as the official branch for other proxies sets them
            weights[e, : len(net.edge_ops[e])] = 1.0 / len(net.edge_ops[e])
        variants = [self._perturbed(weights, e, net.edge_ops[e].index(op)) for op in ops]
        if trial.path.supernet_kernels is not None and self._fast(ctx, net, trial):
            return {op: self._sign * v for op, v in zip(ops, self._supernet_scores(ctx, net, variants, trial))}
        scores = {}
        for op, perturbed in zip(ops, variants):
            if per_op and trial.edge_batches is not None:  # find_measures draws its own minibatch
                self._next_batch(ctx, trial)
            scores[op] = self._sign * self._supernet_score(ctx, net, perturbed, trial)
            ctx.counters.perturbations += 1
        return scores

    def _route_scores(self, ctx, net, trial: _Trial, edge: str) -> dict[str, float]:
        """``tenas_project``: minus the rank sum of each op of ``edge`` among every remaining
        (edge, op) removal, all measured once for the supernet's current state (``tenas_route``)."""
        route = trial.route
        thin = route.twin(net, ctx.device)
        weights = trial.path.weights(net, trial.alpha, trial.semantics)
        remaining = [e for e in range(len(net.edges)) if int(net.op_mask[e].sum()) > 1]
        pairs = [(e, k) for e in remaining for k in range(len(net.edge_ops[e]))]
        mode = "blocked" if trial.semantics.rules.blocked else "skip"

        def measure(pair: tuple[int, int], crops) -> tuple[float, float]:
            perturbed = self._perturbed(weights, *pair)
            if trial.edge_batches is not None:  # get_ntk_n starts a new pass over the queue
                self._next_batch(ctx, trial)
            x = trial.batch[0]
            batches = [b.to(ctx.device) for b in crops.next()]  # drawn before a journal may replay
            ctx.counters.perturbations += 1
            with self._authors_layout(ctx, trial):
                kappa = ctx.journalled(lambda: self._on(ctx, net, net, perturbed, mode, 1, lambda: kappa_fp32(net, x)))
                regions = ctx.journalled(
                    lambda: self._on(ctx, net, thin, perturbed, mode, BATCHES, lambda: regions_eval(thin, batches))
                )
            return kappa, regions

        scores = route.decide((trial.proposals, tuple(remaining)), pairs, measure)
        e = net.edges.index(edge)
        return {op: scores[(e, net.edge_ops[e].index(op))] for op in active_ops(net, edge)}

    @staticmethod
    def _on(ctx, supernet, net, weights: torch.Tensor, mode: str, forwards: int, compute) -> float:
        """``compute()`` with ``net`` (the supernet or its twin) in the supernet's state: its op mask,
        ``weights``, removed ops run as ``mode``; counted as ``forwards`` supernet forwards."""
        saved = (net.removed_ops, net.op_weights, net.op_mask.clone())
        net.removed_ops, net.op_weights = mode, weights
        net.op_mask.copy_(supernet.op_mask)
        try:
            return compute()
        finally:
            net.removed_ops, net.op_weights = saved[:2]
            net.op_mask.copy_(saved[2])
            ctx.counters.forward_passes += forwards
            ctx.counters.supernet_forwards += forwards

    @staticmethod
    def _authors_layout(ctx, trial: _Trial):
        """NB201's official path scores a proxy without a code kernel in NCHW, the authors' layout:
        there nasbench reproduces the official fp32 values to ~2e-7 (snip, grad_norm, fisher; grasp
        2.5e-5), where channels-last (train-mode BN) moves them by up to 2e-2 and flipped one of
        jacov's kept ops (docs/zc-pt.md). Also under ``zcpt_ablate=measures``."""
        if trial.path is None or trial.path.name != "nb201":
            return nullcontext()
        return precision_scope(network_precision().name, ctx.device, channels_last=False)

    def _find_measures(self, ctx, net, trial: _Trial) -> bool:
        """True where the official code scores each op as one ``find_measures`` call (the
        ``measures`` item): NB201 with a proxy that has no code kernel (not nwot)."""
        return trial.path.name == "nb201" and trial.semantics.measures and not self._fast(ctx, net, trial)

    #: higher = better: zc-pt keeps the op whose removal lowers S most (score = -S(A - (e, o)))
    _sign = -1.0

    @staticmethod
    def _perturbed(weights: torch.Tensor, e: int, j: int) -> torch.Tensor:
        """The op weights of A - (e, o): op ``j`` of edge ``e`` switched off."""
        out = weights.clone()
        out[e, j] = 0.0
        return out

    def _supernet_scores(self, ctx, net, variants: list[torch.Tensor], trial: _Trial) -> list[float]:
        """The official kernel's S of several weight matrices in one pass over their shared prefix."""
        x, _y = trial.batch
        kernels = trial.path.supernet_kernels(net, x, variants, trial.semantics.rules)
        ctx.counters.forward_passes += len(variants)
        ctx.counters.supernet_forwards += len(variants)
        ctx.counters.perturbations += len(variants)
        values = [logdet(k) for k in kernels]
        return [math.nan if math.isnan(v) or v == math.inf else v for v in values]

    def _supernet_score(self, ctx, net, weights: torch.Tensor, trial: _Trial) -> float:
        x, y = trial.batch
        if self._fast(ctx, net, trial):
            ctx.counters.forward_passes += 1
            ctx.counters.supernet_forwards += 1
            value = logdet(trial.path.supernet_kernel(net, x, weights, trial.semantics.rules))
            return math.nan if math.isnan(value) or value == math.inf else value
        if hasattr(net, "removed_ops"):  # NB201: run removed ops blocked (or skipped, ablated)
            saved = (net.removed_ops, net.op_weights)
            net.removed_ops, net.op_weights = ("blocked" if trial.semantics.rules.blocked else "skip"), weights
            try:
                with self._authors_layout(ctx, trial):
                    return ctx.proxy_score(net, (x, y))
            finally:
                net.removed_ops, net.op_weights = saved
        saved = (net.op_mask.clone(), net.op_weights)  # other supernets: weight-0 ops not run
        net.op_mask.copy_(weights != 0)
        net.op_weights = weights
        try:
            return ctx.proxy_score(net, (x, y))
        finally:
            net.op_mask.copy_(saved[0])
            net.op_weights = saved[1]

    def select_topology(self, ctx, decisions: dict[str, str]) -> dict[str, str] | None:
        """DARTS cells: the official topology steps (``darts_topology``); ``None`` elsewhere or with
        the ``topology`` item ablated (the strategy then applies nasbench's generic rule)."""
        trial = self._trial(ctx)
        if not (trial.semantics.official and trial.path.topology and trial.semantics.topology):
            return None
        net = ctx.supernet

        def new_batch() -> None:
            if trial.edge_batches is not None:
                self._next_batch(ctx, trial)
            elif trial.batch is None:
                trial.batch = ctx.new_batch()

        def score_without(edges: tuple[str, ...]) -> list[float]:
            variants = []
            for edge in edges:
                variants.append(trial.path.weights(net, trial.alpha, trial.semantics))
                variants[-1][net.edges.index(edge)] = 0.0
            if trial.path.supernet_kernels is not None and self._fast(ctx, net, trial):
                return self._supernet_scores(ctx, net, variants, trial)
            ctx.counters.perturbations += len(variants)
            return [self._supernet_score(ctx, net, w, trial) for w in variants]

        def drop_edge(edge: str) -> None:
            net.op_mask[net.edges.index(edge)] = False

        return official_topology(ctx, decisions, new_batch, score_without, drop_edge)

    def validation_scores(self, ctx, archs: list, rounds: int) -> list[list[float]] | None:
        """Official validation: each candidate its own fresh network and its own ``rounds`` batches;
        its scores in order (the official code sums them, ``post_validate.py:206-234``). ``None``
        under nasbench-v1."""
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
            scores = []
            for j in range(rounds):
                x, y = batches()
                x, y = x.to(ctx.device), y.to(ctx.device)
                if self._fast(ctx, net, trial):
                    ctx.counters.forward_passes += 1
                    ctx.counters.network_forwards += 1
                    scores.append(logdet(trial.path.network_kernel(net, x, sem.rules)))
                else:
                    with self._authors_layout(ctx, trial):
                        scores.append(ctx.proxy_score(net, (x, y)))
                bar.update(1, candidate=f"{i + 1}/{len(archs)}", batch=f"{j + 1}/{rounds}")
            totals.append(scores)
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
