"""Shared machinery of zero-cost proxies: batch splitting on CUDA OOM, prunable layers, clean-up.

Proxies score a network the caller keeps using (a supernet is scored hundreds of times), so
every proxy must leave it exactly as it found it: training flag, buffers (BN running stats are
updated by train-mode forwards), parameter gradients and ``requires_grad`` flags. ``untouched``
does that; ``hooked_eval_forward`` does it for proxies that only read activations (one eval-mode
forward with hooks). ``with_oom_retry`` re-runs a computation with the minibatch split into 2, 4,
... parts when CUDA runs out of memory; ``chunks`` yields the parts with the weight n_part / n that
makes a sum of per-part mean losses equal the full-batch mean loss, so split and unsplit runs
give the same gradients (exactly so for networks without batch-coupled layers such as BN).

``reused`` lets proxies of one score job reuse an expensive intermediate another proxy already
computed on an identical network and minibatch (TE-NAS' NTK serves ``tenas`` and ``tenas_ntk``;
one cross-entropy backward serves grad_norm, snip, plain, fisher and grasp's gradient; one input
Jacobian serves jacov and epe_nas). Entries are keyed by a content fingerprint of the network and
inputs, so a hit is the same computation; outside a ``sharing_scope`` nothing is kept and nothing
is fingerprinted (a search scoring a supernet hundreds of times pays no hashing).

Precision: ``forward``, ``ce_backward`` and ``hooked_eval_forward`` run the network in the run's
precision (``nasbench.api.network_precision``: bf16 autocast and channels-last where measured
faster; fp32 by default), so a proxy built on them follows ``--precision``. Hooks run inside the
forward, hence inside autocast: a hook whose numbers must stay exact opens ``exact()``. A proxy
measured unsafe in bf16 scores under ``fp32_only(inputs)`` (docs/precision.md).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

import torch
import torch.nn.functional as F
from torch import nn

from nasbench.api import NasbenchError, network_precision, precision_scope

T = TypeVar("T")

#: layer types whose weights the saliency proxies score (as zero-cost-nas / NASLib do)
PRUNABLE = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)


def prunable_layers(net: nn.Module) -> list[nn.Module]:
    """Conv and Linear modules of ``net``, each once, in module order."""
    return [m for m in net.modules() if isinstance(m, PRUNABLE)]


def is_oom(exc: BaseException) -> bool:
    """True for a CUDA out-of-memory error (typed in recent torch, a message in older)."""
    oom_type = getattr(torch.cuda, "OutOfMemoryError", None)
    if oom_type is not None and isinstance(exc, oom_type):
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc)


def with_oom_retry(compute: Callable[[int], T], batch_size: int) -> T:
    """``compute(parts)`` with parts = 1, 2, 4, ... until it fits in memory.

    Gives up with ``NasbenchError`` once a part would hold less than one sample.
    """
    parts = 1
    while True:
        try:
            return compute(parts)
        except Exception as exc:  # noqa: BLE001 - only OOM is retried, the rest re-raised
            if not is_oom(exc):
                raise
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            if parts >= batch_size:
                raise NasbenchError(
                    f"proxy ran out of CUDA memory even with the batch of {batch_size} split into single samples"
                ) from exc
            parts = min(parts * 2, batch_size)


def chunks(
    inputs: torch.Tensor, targets: torch.Tensor, parts: int
) -> Iterator[tuple[torch.Tensor, torch.Tensor, float]]:
    """(inputs, targets, n_part / n) for ``parts`` nearly equal, non-empty slices of the batch."""
    n = inputs.shape[0]
    parts = max(1, min(parts, n))
    bounds = [round(k * n / parts) for k in range(parts + 1)]
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        yield inputs[lo:hi], targets[lo:hi], (hi - lo) / n


def forward(net: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """``net(x)`` in the run's precision (bf16: autocast, so the output may be bf16)."""
    with network_precision() as p:
        return net(p.layout(x))


def ce_loss(net: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of ``net`` on (x, y): forward in the run's precision, the loss in fp32."""
    with network_precision() as p:
        return F.cross_entropy(net(p.layout(x)), y)


def ce_backward(net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, parts: int) -> None:
    """Accumulate d(mean cross-entropy over the whole batch)/d(params) into ``.grad``, in parts."""
    for x, y, weight in chunks(inputs, targets, parts):
        loss = ce_loss(net, x, y) * weight
        loss.backward()


def units_of(x: torch.Tensor) -> torch.Tensor:
    """x as [batch, units] without a copy, units in memory order ((h, w, c) when channels-last):
    for sums over units (Gram matrices of activation codes) the order does not matter."""
    if x.dim() == 4 and not x.is_contiguous() and x.is_contiguous(memory_format=torch.channels_last):
        x = x.permute(0, 2, 3, 1)
    return x.reshape(x.shape[0], -1)


def exact() -> Any:
    """Inside a forward of the run's precision: float ops in their inputs' dtype (no bf16 autocast)."""
    return network_precision().exact()


@contextmanager
def fp32_only(inputs: torch.Tensor) -> Iterator[None]:
    """The proxy inside scores in fp32 whatever the run's precision (one measured unsafe in bf16)."""
    with precision_scope("fp32", inputs.device):
        yield


@contextmanager
def untouched(net: nn.Module, train: bool = True) -> Iterator[nn.Module]:
    """Run a proxy on ``net`` and put back mode, buffers, grads and ``requires_grad`` afterwards.

    Inside, the network is in train mode (``train=True``, the zero-cost-nas convention: BN uses
    batch statistics) or eval mode, every parameter requires grad and has no ``.grad``.
    """
    was_training = net.training
    params = list(net.parameters())
    grads = [p.grad for p in params]
    flags = [p.requires_grad for p in params]
    buffers = {name: b.detach().clone() for name, b in net.named_buffers()}
    try:
        for p in params:
            p.grad = None
            p.requires_grad_(True)
        net.train(train)
        yield net
    finally:
        for p, g, f in zip(params, grads, flags):
            p.grad = g
            p.requires_grad_(f)
        with torch.no_grad():
            for name, b in net.named_buffers():
                if name in buffers:
                    b.copy_(buffers[name])
        net.train(was_training)


def hooked_eval_forward(net: nn.Module, inputs: torch.Tensor, modules: list[nn.Module], hook: Callable) -> None:
    """One eval-mode forward of ``inputs`` under ``inference_mode`` with ``hook`` as a forward hook
    of each of ``modules``: how proxies read activations without changing the network (the hooks
    are removed and the training flag put back, even when the forward raises)."""
    handles = [m.register_forward_hook(hook) for m in modules]
    was_training = net.training
    try:
        net.eval()
        with torch.inference_mode():
            forward(net, inputs)
    finally:
        for h in handles:
            h.remove()
        net.train(was_training)


def executed_modules(net: nn.Module, sample: torch.Tensor) -> list[nn.Module]:
    """Leaf modules that actually run on ``sample`` (masked supernet ops do not), in run order.

    One eval-mode forward under ``inference_mode``; a module run twice is listed once.
    """
    ran: dict[int, nn.Module] = {}

    def hook(module: nn.Module, _args: tuple, _out: object) -> None:
        ran.setdefault(id(module), module)

    leaves = [m for m in net.modules() if not any(True for _ in m.children())]
    hooked_eval_forward(net, sample, leaves, hook)
    return list(ran.values())


class SharedWork:
    """Results of expensive, deterministic computations within one score job, with what they cost.

    At every hit ``seconds_reused`` grows by the original compute time and ``peak_reused`` rises to
    the peak memory recorded for the entry (``record_peak``), so a proxy that reuses work can still
    be charged what it would have cost alone; ``new_charge`` zeroes both for the next proxy.
    """

    def __init__(self) -> None:
        self._done: dict[tuple, Any] = {}
        self._seconds: dict[tuple, float] = {}
        self._peaks: dict[tuple, int] = {}
        self.seconds_reused = 0.0
        self.peak_reused = 0

    def new_charge(self) -> None:
        """Start counting reuse for the next proxy."""
        self.seconds_reused = 0.0
        self.peak_reused = 0

    def get(self, key: tuple, compute: Callable[[], T]) -> T:
        """``compute()``, or its result from an earlier call with the same key (failures are not kept)."""
        if key in self._done:
            self.seconds_reused += self._seconds[key]
            self.peak_reused = max(self.peak_reused, self._peaks.get(key, 0))
            return self._done[key]
        start = time.perf_counter()
        value = compute()
        self._done[key] = value
        self._seconds[key] = time.perf_counter() - start
        return value

    def record_peak(self, peak_bytes: int) -> None:
        """Attribute ``peak_bytes`` (what the caller measured around the computing proxy) to entries
        that have no peak yet: those computed since the last call."""
        for key in self._done:
            self._peaks.setdefault(key, peak_bytes)


_SCOPE: ContextVar[SharedWork | None] = ContextVar("nasbench_shared_work", default=None)


@contextmanager
def sharing_scope() -> Iterator[SharedWork]:
    """Proxies called inside share work through ``shared_work()``; it is dropped on exit."""
    work = SharedWork()
    token = _SCOPE.set(work)
    try:
        yield work
    finally:
        _SCOPE.reset(token)


def shared_work() -> SharedWork:
    """The current scope's ``SharedWork``; outside a scope a fresh one, so nothing is reused."""
    return _SCOPE.get() or SharedWork()


def in_sharing_scope() -> bool:
    """True inside a ``sharing_scope``: work computed now may serve a later proxy of the job."""
    return _SCOPE.get() is not None


def reused(name: str, net: nn.Module, tensors: tuple[torch.Tensor, ...], compute: Callable[[], T]) -> T:
    """``compute()``, shared in the current scope with every call of the same ``name`` on a network
    and ``tensors`` of identical content; outside a scope simply ``compute()``."""
    work = _SCOPE.get()
    if work is None:
        return compute()
    return work.get((name, fingerprint(net, *tensors)), compute)


def fingerprint(net: nn.Module, *tensors: torch.Tensor) -> str:
    """Digest of a network's structure, mode and state and of ``tensors``.

    State = parameters, buffers and plain tensor attributes of every module: a supernet's
    ``op_mask`` / ``op_weights`` are attributes, and two masks of one supernet are two networks.
    """
    digest = hashlib.sha256(repr(net).encode())
    digest.update(b"train" if net.training else b"eval")
    named = [(name.encode(), value) for name, value in net.state_dict().items()]
    named += [
        (f"{prefix}:{attr}".encode(), value)
        for prefix, module in net.named_modules()
        for attr, value in vars(module).items()
        if isinstance(value, torch.Tensor)
    ]
    for label, t in [*named, *((b"", t) for t in tensors)]:
        digest.update(label + str((t.dtype, tuple(t.shape))).encode())
        digest.update(_raw_bytes(t))
    return digest.hexdigest()


def _raw_bytes(t: torch.Tensor) -> bytes:
    """The tensor's memory as bytes, for any dtype (numpy has no bfloat16)."""
    return t.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
