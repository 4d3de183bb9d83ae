"""Module-level job functions for executor tests (pool workers import them by name)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def square(x: int) -> int:
    return x * x


def fail_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("three is bad")
    return x


def die_once_on_two(job: tuple[int, str]) -> int:
    """Kills its process the first time it sees 2 (a marker file remembers), returns x after that."""
    x, marker_dir = job
    marker = Path(marker_dir) / f"died-{x}"
    if x == 2 and not marker.exists():
        marker.write_text("died")
        os._exit(7)
    return x


def die_always_on_two(job: tuple[int, str]) -> int:
    x, _ = job
    if x == 2:
        os._exit(9)
    return x


def die_slowly_on_two(job: tuple[int, str]) -> int:
    """On 2: closes every inherited descriptor (its pipe to the parent among them), lingers, then
    exits with 9: the parent sees the pipe close well before the process is gone."""
    x, _ = job
    if x == 2:
        os.closerange(3, 1024)
        time.sleep(0.5)
        os._exit(9)
    return x


def interrupt_self(x: int) -> int:
    """Sends this process the SIGINT a Ctrl-C would, then returns x (if it survived)."""
    os.kill(os.getpid(), signal.SIGINT)
    return x
