"""What makes a trial fail although no plugin raised: every op of an edge scored NaN (nothing was
decided), or the trial ran past ``--trial-timeout``. Both become a failed row with the reason."""

from __future__ import annotations

import math
import signal
import threading
from typing import Any


class TrialTimeout(Exception):
    """A trial ran past ``PreparedRun.trial_timeout`` (raised inside it by SIGALRM)."""


class PluginFault(Exception):
    """A plugin returned something no decision can be made from (every op score NaN)."""


def check_scores(prepared: Any, outcome: Any) -> None:
    """An edge whose every candidate scored NaN was decided by nothing: the trial fails."""
    for record in list(outcome.initial) + list(outcome.progressive):
        values = list(record.scores.values())
        if values and all(isinstance(v, float) and math.isnan(v) for v in values):
            who = prepared.spec["scorer"] + (f" with proxy {prepared.spec['proxy']}" if prepared.spec["proxy"] else "")
            raise PluginFault(f"{who} scored every op of edge {record.edge} NaN (step {record.step})")


class deadline:
    """SIGALRM after ``seconds`` raises ``TrialTimeout`` in the trial (main thread, POSIX only;
    elsewhere no limit applies). A hang in Python code, or in C code that returns to Python, is
    stopped; the partial work is dropped and the failed row says why."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.active = (
            seconds > 0 and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
        )

    def _fire(self, _signum: int, _frame: Any) -> None:
        raise TrialTimeout(f"trial exceeded its {self.seconds:g} s limit (--trial-timeout)")

    def __enter__(self) -> None:
        if self.active:
            self.previous = signal.signal(signal.SIGALRM, self._fire)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def __exit__(self, *exc: object) -> None:
        if self.active:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)
