"""TE-NAS (Chen et al. 2021): trainability (NTK condition number) and expressivity (linear regions).

tenas_ntk: per-sample gradients g_i = d(sum_c f(x_i)_c)/dtheta over every parameter named
  ``*weight*`` that gets a gradient (Conv, Linear and BN scales, as TE-NAS' ``get_ntk_n``), one
  backward per sample, train mode; NTK = G G^T (B x B, float64); kappa = lambda_max / lambda_min.
  Score = -kappa (TE-NAS prefers small kappa). NaN stays NaN (TE-NAS maps it to kappa = 1e5).
tenas_lr: TE-NAS' linear-region count: the network's ReLU outputs on ``LR_SAMPLES`` inputs
  are turned into sign patterns, one per input (all ReLUs concatenated); score = number of
  distinct patterns (computed as TE-NAS does: sum_i 1 / #{j : pattern_j = pattern_i}).
  Inputs are 3x3 crops (all channels) of the minibatch images at positions drawn from the
  proxy generator, like TE-NAS' (1000, 3, 3) crops (``correlate`` gives every arch the same
  generator, so the same crops: the count saturates and per-arch crops would decide the ranking);
  eval mode, forward only. TE-NAS counts on
  a thin (C=1, N=1) copy of the cell; a proxy only sees the network it is given, so wide
  networks saturate near LR_SAMPLES (documented in docs/proxies.md).
tenas: TE-NAS combines the two by their ranks among the candidates being pruned
  (rank of kappa ascending + rank of LR descending); a single network has no candidates, so we
  return log(LR) - log(kappa): monotone in both, higher = better, and a difference of two
  networks' scores compares the two ratios TE-NAS trades off.

Sign: higher = better for all three. Labels: no. Batch size: the run's minibatch for the NTK
(B backward passes), LR_SAMPLES crops for LR. Precision: float32 network, NTK and its
eigenvalues in float64. The network is left as it was (``untouched``).

Within one score job (``nasbench correlate``) ``tenas`` and ``tenas_ntk`` see identical fresh
networks and the same minibatch, so the NTK (nearly all of their cost) is computed once and
shared (``proxy_runtime.reused``); each is still charged the NTK's time and peak memory.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import torch
from torch import nn

from nasbench.api import hookimpl
from nasbench_plugins.proxies.runtime import hooked_eval_forward, reused, untouched, with_oom_retry

LR_SAMPLES = 1000
CROP = 3


#: how ``ntk_grads`` gets the B rows: ``loop`` (one backward per sample) or ``batched`` (one
#: vectorised backward of the B one-hot cotangents, ``is_grads_batched``); same values (a test
#: checks 1e-6 in float64), but on CPU the loop is faster: vmap falls back to a per-example loop
#: for convolution, BN and pooling backward (docs/proxies.md has the timings)
NTK_MODE = "loop"
#: cotangents per vectorised backward in ``batched`` mode (memory grows with it)
NTK_CHUNK = 8


def ntk_grads(net: nn.Module, inputs: torch.Tensor, parts: int, mode: str | None = None) -> torch.Tensor:
    """[B, P] float64 per-sample gradients of the summed logits, forward in ``parts`` slices.

    Per sample i: d(sum_c f(x_i)_c)/dtheta over every parameter named ``*weight*`` that gets a
    gradient, in train mode through the batch-coupled forward (BN on batch statistics).
    """
    named = [p for n, p in net.named_parameters() if "weight" in n]
    rows = []
    for x in torch.tensor_split(inputs, max(1, min(parts, inputs.shape[0]))):
        summed = net(x).sum(dim=1)
        if (mode or NTK_MODE) == "batched":
            rows.append(_batched_rows(summed, named))
            continue
        for i in range(x.shape[0]):
            for p in named:
                p.grad = None
            summed[i].backward(retain_graph=i < x.shape[0] - 1)
            rows.append(torch.cat([p.grad.reshape(-1) for p in named if p.grad is not None]).double()[None])
    return torch.cat(rows)


def _batched_rows(summed: torch.Tensor, named: list[nn.Parameter]) -> torch.Tensor:
    """The rows of one forward slice by vectorised backward passes over one-hot cotangents."""
    eye = torch.eye(summed.shape[0], dtype=summed.dtype, device=summed.device)
    out = []
    for start in range(0, summed.shape[0], NTK_CHUNK):
        grads = torch.autograd.grad(
            summed, named, grad_outputs=eye[start : start + NTK_CHUNK], is_grads_batched=True,
            retain_graph=True, allow_unused=True,
        )  # fmt: skip
        out.append(torch.cat([g.reshape(g.shape[0], -1) for g in grads if g is not None], dim=1).double())
    return torch.cat(out)


def ntk_condition(net: nn.Module, inputs: torch.Tensor) -> float:
    """lambda_max / lambda_min of the empirical NTK on ``inputs`` (train mode); inf if singular.

    Reused when the same network and inputs were already measured in this sharing scope.
    """
    return reused("tenas.ntk_condition", net, (inputs,), lambda: _ntk_condition(net, inputs))


def ntk_eigenvalues(net: nn.Module, inputs: torch.Tensor) -> torch.Tensor | None:
    """Ascending float64 eigenvalues of the empirical NTK on ``inputs`` (train mode, the
    network left as it was); ``None`` when the NTK is not finite."""
    with untouched(net):
        grads = with_oom_retry(lambda parts: ntk_grads(net, inputs, parts), inputs.shape[0])
    ntk = grads @ grads.T
    if not bool(torch.isfinite(ntk).all()):
        return None
    return torch.linalg.eigvalsh(ntk)


def _ntk_condition(net: nn.Module, inputs: torch.Tensor) -> float:
    eig = ntk_eigenvalues(net, inputs)
    if eig is None:
        return math.nan
    return float(eig[-1] / eig[0]) if eig[0] > 0 else math.inf


def random_crops(inputs: torch.Tensor, n: int, size: int, generator: torch.Generator) -> torch.Tensor:
    """``n`` crops [n, C, size, size] of random images at random positions (generator-driven)."""
    b, _, h, w = inputs.shape
    idx = torch.randint(0, b, (n,), generator=generator)
    top = torch.randint(0, h - size + 1, (n,), generator=generator)
    left = torch.randint(0, w - size + 1, (n,), generator=generator)
    rows = top[:, None] + torch.arange(size)[None, :]  # [n, size]
    cols = left[:, None] + torch.arange(size)[None, :]
    x = inputs.cpu()[idx]  # [n, C, H, W]
    x = x[
        torch.arange(n)[:, None, None, None],
        torch.arange(x.shape[1])[None, :, None, None],
        rows[:, None, :, None],
        cols[:, None, None, :],
    ]
    return x.to(inputs.device)


def linear_regions(net: nn.Module, inputs: torch.Tensor) -> float:
    """Number of distinct ReLU sign patterns of ``net`` over the samples of ``inputs`` (eval mode)."""
    patterns: list[torch.Tensor] = []

    def hook(_m: nn.Module, _args: tuple, out: torch.Tensor) -> None:
        patterns.append((out.reshape(out.shape[0], -1) > 0).to(torch.float32))

    hooked_eval_forward(net, inputs, [m for m in net.modules() if isinstance(m, nn.ReLU)], hook)
    if not patterns:
        return 1.0
    codes = torch.cat(patterns, dim=1)
    # differing units between samples i and j: c_i (1 - c_j) + (1 - c_i) c_j
    differ = codes @ (1 - codes).T
    differ = differ + differ.T
    same = (differ == 0).double().sum(dim=1)
    return float((1.0 / same).sum())


#: what ``np.nan_to_num(..., nan=100000.0)`` puts for a NaN condition number (TE-NAS ``ntk.py:55``,
#: Zero-Cost-PT ``op_score.py:110``)
NAN_KAPPA = 1e5


def nan_to_num_kappa(value: float) -> float:
    """A condition number as both official codes store it (``np.nan_to_num``): NaN -> 1e5,
    +-inf -> +-the largest float, anything else as it is."""
    if math.isnan(value):
        return NAN_KAPPA
    if math.isinf(value):
        return math.copysign(sys.float_info.max, value)
    return value


def relu_sign_codes(net: nn.Module, batches: list[torch.Tensor], train: bool) -> torch.Tensor:
    """[samples, units] float 0/1: every ``nn.ReLU`` output > 0 (ReLUs fed a 4-D input), forward
    batch by batch in train mode (TE-NAS' counter) or eval mode (Zero-Cost-PT's copy of it), the
    network's mode put back after."""
    rows: list[torch.Tensor] = []
    current: list[torch.Tensor] = []

    def hook(_m: nn.Module, args: tuple, out: torch.Tensor) -> None:
        if args and args[0].dim() == 4:
            current.append((out.detach().reshape(out.shape[0], -1) > 0).float())

    handles = [m.register_forward_hook(hook) for m in net.modules() if isinstance(m, nn.ReLU)]
    was_training = net.training
    try:
        net.train(train)
        with torch.no_grad():
            for x in batches:
                current.clear()
                net(x)
                rows.append(torch.cat(current, dim=1) if current else torch.zeros(x.shape[0], 0))
    finally:
        for h in handles:
            h.remove()
        net.train(was_training)
    return torch.cat(rows, dim=0)


def count_regions(codes: torch.Tensor) -> float:
    """sum_i 1 / #{j: pattern_j = pattern_i} as TE-NAS' and Zero-Cost-PT's ``calc_LR`` compute it:
    the counts in float16 (exact up to 2,048, then rounded to even), the sum in float32. The counts
    come from grouping identical rows (``torch.unique``), where the official code multiplies the
    [n, units] codes by their complement (n^2 units work): the same integers, n log n sorting."""
    if codes.shape[1] == 0:
        same = torch.full((codes.shape[0],), codes.shape[0])
    else:
        _rows, inverse, counts = torch.unique(codes.to(torch.uint8), dim=0, return_inverse=True, return_counts=True)
        same = counts[inverse]
    return float((1.0 / same.to(torch.float16).float()).sum())


#: the CIFAR-10 channel statistics TE-NAS normalises its NTK batches and crops with
#: (``get_dataset_with_transform.py:93-94``) and Zero-Cost-PT its region crops (``linear_region.py``)
TENAS_MEAN = tuple(x / 255 for x in (125.3, 123.0, 113.9))
TENAS_STD = tuple(x / 255 for x in (63.0, 62.1, 66.7))


class CropSampler:
    """Where the region counters' one-channel crops come from, drawn as both official loaders draw
    them: shuffled epochs of ``samples`` records (the last partial batch dropped); per batch, in this
    order, the permutation (at an epoch's start), a (top, left) in the record padded by ``pad`` zeros
    and a channel per crop. TE-NAS keeps one loader a search (pad 0); Zero-Cost-PT's
    ``tenas_project`` builds a new one per decision (pad 4, ``restart``). One class, so the two
    methods' verified draws cannot drift apart."""

    def __init__(
        self, shape: tuple[int, ...], samples: int, generator: torch.Generator, pad: int = 0, size: int = CROP
    ) -> None:
        self.records, self.channels, self.height = shape[0], shape[1], shape[2]
        self.samples, self.generator, self.pad, self.size = samples, generator, pad, size
        self._order = np.zeros(0, dtype=np.int64)

    def restart(self) -> None:
        """A new loader: the next batch starts a new epoch."""
        self._order = np.zeros(0, dtype=np.int64)

    def rows(self) -> np.ndarray:
        """The next batch's [k, 4] (record, top, left, channel) rows; k = min(samples, records);
        ``samples`` positions and channels are drawn either way, so the generator advances alike."""
        if len(self._order) < self.samples:
            self._order = torch.randperm(self.records, generator=self.generator).numpy()
        index, self._order = self._order[: self.samples], self._order[self.samples :]
        span = self.height + 2 * self.pad - self.size + 1
        pos = torch.randint(0, span, (self.samples, 2), generator=self.generator).numpy()
        channel = torch.randint(0, self.channels, (self.samples,), generator=self.generator).numpy()
        k = len(index)
        return np.column_stack([index, pos[:k], channel[:k]]).astype(np.int64)


def crop_rows(
    raw: np.ndarray, rows: np.ndarray, pad: int = 0, size: int = CROP, mean=TENAS_MEAN, std=TENAS_STD
) -> torch.Tensor:
    """[n, 1, size, size] float32 crops from (record, top, left, channel) rows of uint8 ``raw``
    [N, 3, H, W]: the record padded by ``pad`` zeros, cropped, ``(x / 255 - mean) / std`` of the
    row's channel (``ToTensor``, ``Normalize``, then the one-channel pick)."""
    rows = np.asarray(rows, dtype=np.int64)
    padded = np.pad(raw[rows[:, 0]], ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    crops = np.stack([p[c, t : t + size, s : s + size] for p, (t, s, c) in zip(padded, rows[:, 1:4])])
    ch = rows[:, 3]
    m, sd = np.asarray(mean, np.float32)[ch, None, None], np.asarray(std, np.float32)[ch, None, None]
    return torch.from_numpy((crops.astype(np.float32) / np.float32(255) - m) / sd)[:, None]


class TenasNTK:
    """TE-NAS trainability: minus the NTK condition number."""

    name = "tenas_ntk"
    needs_labels = False
    settings: dict = {}

    def score(self, net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, generator: torch.Generator) -> float:
        return -ntk_condition(net, inputs)


class TenasLR:
    """TE-NAS expressivity: linear regions over 3x3 input crops."""

    name = "tenas_lr"
    needs_labels = False
    settings: dict = {}

    def score(self, net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, generator: torch.Generator) -> float:
        return linear_regions(net, random_crops(inputs, LR_SAMPLES, CROP, generator))


class Tenas:
    """TE-NAS for one network: log(#linear regions) - log(NTK condition number)."""

    name = "tenas"
    needs_labels = False
    settings: dict = {}

    def score(self, net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, generator: torch.Generator) -> float:
        kappa = ntk_condition(net, inputs)
        regions = linear_regions(net, random_crops(inputs, LR_SAMPLES, CROP, generator))
        if math.isnan(kappa):
            return math.nan
        return math.log(regions) - math.log(kappa)


@hookimpl
def nasbench_register_proxies(register) -> None:
    for cls in (Tenas, TenasNTK, TenasLR):
        register(cls())
