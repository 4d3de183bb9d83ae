"""Where a long trial is: one phase at a time (proposals, validation, supernet training), its
progress, an ETA and the phase's own fields (proposal i/N, edge k/E, epoch, loss, ...).

Why: a zc-pt seed or a supernet training runs for half an hour and printed nothing until it
ended. On a terminal a phase is a tqdm bar on stderr (never with ``--json``); for people who log
runs, the same events are JSON lines on stderr when ``nasbench run --progress-json`` is given or
``NASBENCH_PROGRESS=json`` is set (worker processes inherit either), e.g.::

    {"event": "progress", "seed": 0, "phase": "proposals", "done": 12, "total": 66,
     "elapsed_s": 101.2, "eta_s": 455.6, "proposal": "1/10", "edge": "6/6"}

``start`` opens a phase, ``progress`` follows each update (at most one a second, the last one
always), ``end`` closes it. The ETA is the phase's elapsed time scaled by the work left.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

#: environment variable that turns the JSON events on (value ``json``)
ENV = "NASBENCH_PROGRESS"
#: seconds between two ``progress`` events of one phase (the final update is always sent)
INTERVAL_S = 1.0


def json_events_from_env() -> bool:
    return os.environ.get(ENV, "").strip().lower() == "json"


class Progress:
    """One phase: ``update(n, **fields)`` after each unit of work, ``close()`` at the end."""

    def __init__(self, total: int, phase: str, *, bar: bool, events: bool, seed: int | None = None) -> None:
        self.total, self.phase, self.seed, self.done = max(int(total), 0), phase, seed, 0
        self.events = events
        self.fields: dict[str, Any] = {}
        self._start = self._sent = time.monotonic()
        self._bar = None
        if bar:
            from tqdm import tqdm

            self._bar = tqdm(total=self.total, desc=phase, leave=False, file=sys.stderr)
        self._emit("start")

    def eta_seconds(self) -> float | None:
        """The phase's elapsed time scaled by the work left (None before the first unit)."""
        if self.done <= 0:
            return None
        return (time.monotonic() - self._start) * max(self.total - self.done, 0) / self.done

    def update(self, n: int = 1, **fields: Any) -> None:
        self.done += n
        if fields:
            self.set_postfix(**fields)
        if self._bar is not None:
            self._bar.update(n)
        now = time.monotonic()
        if now - self._sent >= INTERVAL_S or self.done >= self.total:
            self._sent = now
            self._emit("progress")

    def set_postfix(self, **fields: Any) -> None:
        """Fields of the current state (shown beside the bar, sent with the next event)."""
        self.fields.update(fields)
        if self._bar is not None:
            self._bar.set_postfix(**fields, refresh=False)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        self._emit("end")

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _emit(self, event: str) -> None:
        if not self.events:
            return
        eta = self.eta_seconds()
        line: dict[str, Any] = {"event": event, "seed": self.seed, "phase": self.phase, "done": self.done}
        line.update(total=self.total, elapsed_s=round(time.monotonic() - self._start, 1))
        line["eta_s"] = None if eta is None else round(eta, 1)
        line.update({k: v for k, v in self.fields.items() if k not in line})
        print(json.dumps(line, default=str), file=sys.stderr, flush=True)
