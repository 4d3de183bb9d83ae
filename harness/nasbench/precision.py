"""The numerics networks run in: ``fp32`` (exact, the default) or ``bf16`` (the matrix units).

Why one host mechanism: a run's precision is one setting, but networks run in many places (the
zc-pt kernel, proxies, supernet training, validation networks, ``verify``, ``correlate``). The
runner (or a command) opens a ``precision_scope`` for the work it does; code that runs a network
asks ``network_precision()`` and wraps the forward (and backward) in it::

    with network_precision() as p:       # bf16: torch.autocast; fp32: nothing to do
        out = net(p.layout(x))           # channels-last where that was measured faster

and puts numerics that must stay exact (integer Gram matrices, log-determinants, losses it sums)
under ``p.exact()``. Code that never asks runs in fp32 whatever the run says: adopting bf16 is a
decision a component makes after measuring its agreement (docs/precision.md).

fp32 is exact in the IEEE sense on every device: the scope switches TF32 (CUDA) and bf32 (oneDNN)
math off, so a GPU computes the same fp32 as the CPU up to summation order.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from typing import Any

import torch

from nasbench.errors import BadInput
from nasbench.settings import Setting

PRECISIONS = ("fp32", "bf16")

#: the host's setting: every run has it (``nasbench run --precision``); in the run key unless fp32
#: (fp32 is what every run did before the setting existed)
PRECISION_SETTING = Setting(
    "fp32",
    "numerics networks run in: fp32 (exact, TF32 off) or bf16 (autocast; CPU matrix units / CUDA)",
    choices=PRECISIONS,
    flag="--precision",
    keyed_when_changed=True,
)

#: (device type, precision) -> channels-last is faster there (measured on this project's CPU:
#: docs/precision.md; CUDA fp32 unmeasured until scripts/device-check runs on a GPU: left NCHW)
CHANNELS_LAST = {("cpu", "fp32"): True, ("cpu", "bf16"): True, ("cuda", "bf16"): True}

#: fp32 math backends and the value that keeps them IEEE fp32 (no TF32 / bf32)
_FP32_BACKENDS = ("cuda.matmul", "cudnn.conv", "mkldnn.matmul", "mkldnn.conv")


@dataclass
class Precision:
    """What the current scope asks of a network: a context manager around its forward."""

    name: str = "fp32"
    device_type: str = "cpu"
    #: None: the measured choice (``CHANNELS_LAST``); False/True: forced by the scope (``verify``
    #: of a trained method runs NCHW, the authors' layout: reordered sums drift over training)
    channels_last_override: bool | None = None

    @property
    def dtype(self) -> torch.dtype:
        return torch.bfloat16 if self.name == "bf16" else torch.float32

    @property
    def channels_last(self) -> bool:
        if self.channels_last_override is not None:
            return self.channels_last_override
        return CHANNELS_LAST.get((self.device_type, self.name), False)

    def layout(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` (an image batch) in the memory format measured faster on its device in this
        precision; convolutions carry the format through the network, so the input is enough."""
        wanted = self.channels_last_override
        if wanted is None:
            wanted = CHANNELS_LAST.get((x.device.type, self.name), False)
        if x.dim() == 4 and wanted:
            return x.contiguous(memory_format=torch.channels_last)
        return x

    def autocast(self) -> Any:
        """torch.autocast to bf16 on this device type, or a no-op context in fp32."""
        if self.name == "bf16":
            return torch.autocast(self.device_type, dtype=torch.bfloat16)
        return nullcontext()

    def exact(self) -> Any:
        """A region inside ``autocast`` whose float ops run in the dtype of their inputs."""
        return torch.autocast(self.device_type, enabled=False) if self.name == "bf16" else nullcontext()

    def __enter__(self) -> Precision:
        self._ctx = self.autocast()
        self._ctx.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._ctx.__exit__(*exc)


_CURRENT: ContextVar[Precision | None] = ContextVar("nasbench_precision", default=None)


def network_precision(name: str | None = None, device: torch.device | str | None = None) -> Precision:
    """What a network asks before it runs: the current ``precision_scope``'s precision (fp32 outside
    any), or ``name`` on ``device`` where the caller keeps its own (a supernet training keys its
    checkpoint by the precision it trained in). A fresh object each call (nested ``with`` is fine)."""
    current = _CURRENT.get() or Precision()
    if name is None:
        return Precision(current.name, current.device_type, current.channels_last_override)
    device_type = torch.device(device).type if device is not None else current.device_type
    return Precision(check_precision(name), device_type, current.channels_last_override)


def check_precision(name: str) -> str:
    if name not in PRECISIONS:
        raise BadInput(f"bad precision {name!r}: choose one of {', '.join(PRECISIONS)}")
    return name


@cache
def cpu_has_bf16_units() -> bool:
    """AMX-BF16 or AVX512-BF16 in /proc/cpuinfo; True where the flags cannot be read (not Linux)."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read()
    except OSError:
        return True
    return "amx_bf16" in flags or "avx512_bf16" in flags


_warned: set[str] = set()


def warn_if_slow(name: str, device_type: str) -> None:
    """One line on stderr, once per process: bf16 on a CPU without bf16 units is emulated (slow)."""
    if name == "bf16" and device_type == "cpu" and not cpu_has_bf16_units() and "cpu" not in _warned:
        _warned.add("cpu")
        print(
            "warning: this CPU has no bf16 units (no amx_bf16 / avx512_bf16): --precision bf16 will be slow here",
            file=sys.stderr,
        )


@contextmanager
def _ieee_fp32() -> Iterator[None]:
    """fp32 matmuls and convolutions in IEEE fp32 on every backend (TF32 / bf32 off), restored after."""
    saved = {}
    for path in _FP32_BACKENDS:
        holder = _backend(path)
        if holder is not None:
            saved[path] = holder.fp32_precision
            holder.fp32_precision = "ieee"
    try:
        yield
    finally:
        for path, value in saved.items():
            _backend(path).fp32_precision = value


def _backend(path: str) -> Any:
    """``torch.backends.<path>`` when this torch has the fp32_precision switch there, else None."""
    obj: Any = torch.backends
    for part in path.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj if hasattr(obj, "fp32_precision") else None


@contextmanager
def precision_scope(
    name: str, device: torch.device | str = "cpu", channels_last: bool | None = None
) -> Iterator[Precision]:
    """The work inside runs networks in precision ``name`` on ``device`` (what ``network_precision``
    answers there); fp32 math stays IEEE fp32 either way. ``channels_last`` forces the layout
    (None: the measured choice), e.g. NCHW to reproduce an official code's sums in ``verify``."""
    check_precision(name)
    device_type = torch.device(device).type
    warn_if_slow(name, device_type)
    token = _CURRENT.set(Precision(name, device_type, channels_last))
    try:
        with _ieee_fp32():
            yield network_precision()
    finally:
        _CURRENT.reset(token)
