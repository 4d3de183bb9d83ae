"""Time, memory and pass counters for one trial.

CPU peak memory is the increase of the process's peak RSS over its RSS at the start. On Linux
the kernel's peak (VmHWM) is reset first through ``/proc/self/clear_refs`` so each trial sees its
own peak; where that is impossible a 5 ms sampling thread stands in. Freed heap memory is
handed back to the OS first (glibc ``malloc_trim``): otherwise a long-lived process (a run of
several seeds, a benchmark session) reuses pages it already holds and a second trial would
report an increase of ~0. On CUDA it is
``torch.cuda.max_memory_allocated`` and ``max_memory_reserved`` after a peak reset.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_kb(field_name: str) -> int | None:
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def current_rss() -> int:
    rss = _status_kb("VmRSS")
    if rss is not None:
        return rss
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _return_free_heap() -> None:
    """Best effort: give freed malloc arenas back to the OS so RSS starts from what is in use."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        ctypes.CDLL(name).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
        pass


def _reset_peak_rss() -> bool:
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return _status_kb("VmHWM") is not None


@dataclass
class Counters:
    """Work counters a search increments: network forward passes and op perturbations."""

    forward_passes: int = 0
    supernet_forwards: int = 0
    network_forwards: int = 0
    perturbations: int = 0


@dataclass
class Measurement:
    seconds: float = 0.0
    peak_memory_bytes: int = 0
    memory_device: str = "cpu"
    extra: dict[str, int] = field(default_factory=dict)


class measure:  # noqa: N801 - used as a context manager, reads like one
    """``with measure(device) as m: ...`` fills ``m`` with wall time and peak memory."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.result = Measurement(memory_device="cuda" if device.type == "cuda" else "cpu")
        self._sampler: threading.Thread | None = None
        self._stop = threading.Event()
        self._sampled_peak = 0

    def __enter__(self) -> Measurement:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
            self._cuda_base = torch.cuda.memory_allocated(self.device)
        _return_free_heap()
        self._rss_base = current_rss()
        self._kernel_peak = _reset_peak_rss()
        if not self._kernel_peak:
            self._sampled_peak = self._rss_base
            self._sampler = threading.Thread(target=self._sample, daemon=True)
            self._sampler.start()
        self._t0 = time.perf_counter()
        return self.result

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self._sampled_peak = max(self._sampled_peak, current_rss())

    def __exit__(self, *exc: object) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        self.result.seconds = time.perf_counter() - self._t0
        if self._sampler is not None:
            self._stop.set()
            self._sampler.join()
            peak = self._sampled_peak
        else:
            peak = _status_kb("VmHWM") or current_rss()
        self.result.extra["peak_rss_bytes"] = peak
        self.result.extra["rss_increase_bytes"] = max(0, peak - self._rss_base)
        if self.device.type == "cuda":
            allocated = torch.cuda.max_memory_allocated(self.device)
            self.result.extra["cuda_max_allocated_bytes"] = allocated
            self.result.extra["cuda_max_reserved_bytes"] = torch.cuda.max_memory_reserved(self.device)
            self.result.peak_memory_bytes = allocated
        else:
            self.result.peak_memory_bytes = self.result.extra["rss_increase_bytes"]
