"""A seed's proxy scores as it computes them, so that a seed stopped part-way continues.

A protocol-size zc-pt seed on one CPU core makes 330 supernet perturbations and ~1,000
validation scores (hours), and a trial is stored only when its seed ends. Every proxy value a
trial computes goes through ``SearchContext.proxy_score``, each with a fresh generator in the
same state, so the values are the only expensive state of a search: the rest (supernet, batch
streams, decisions) is re-made from the trial seed in seconds. A journal appends each value with
its forward-pass counts; a re-run of the same run key and seed *replays* them in order instead of
recomputing, and continues computing where the journal ends.

Safety: the last journalled value is recomputed, not replayed, and must agree (relative 1e-6)
before the seed goes on; a journal of another run key or seed, or one that disagrees, is
discarded and the seed starts from scratch (``JournalMismatch``). A line cut short by a kill is
ignored. The file is deleted once the trial is stored.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nasbench.errors import NasbenchError
from nasbench.provenance import source_commit

#: bump when an entry's meaning changes (a journal of another format is discarded, never replayed)
JOURNAL_FORMAT = 1
#: how close the recomputed last value must be to the journalled one
_AGREE = 1e-6


class JournalMismatch(NasbenchError):
    """The recomputed last journalled value differs: the journal is not this search's."""


def journal_path(directory: str | Path, run_key: str, seed: int) -> Path:
    """Where a seed's journal lives: one file per (run key, seed)."""
    return Path(directory) / f"{run_key}-s{seed}.jsonl"


def _encode(value: float) -> Any:
    return None if math.isnan(value) else (str(value) if math.isinf(value) else value)


def _decode(value: Any) -> float:
    return math.nan if value is None else float(value)


def _same(a: float, b: float) -> bool:
    """Equal within ``_AGREE`` of max(1, |a|, |b|); NaN agrees only with NaN."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=_AGREE, abs_tol=_AGREE)


@dataclass
class Entry:
    value: float
    #: forward passes the value cost: (all, supernet, network), added to the counters on replay
    passes: tuple[int, int, int]
    #: the search's seconds when the value was written (all sessions of the seed together)
    seconds: float


@dataclass
class ProxyJournal:
    """One seed's journal: ``replay()`` before computing a value, ``record()`` after."""

    path: Path
    run_key: str
    seed: int
    entries: list[Entry] = field(default_factory=list)
    #: values served from the file so far, and the seconds the seed had spent at the last of them
    replayed: int = 0
    seconds_before: float = 0.0
    #: the source commit of each session that wrote to the file before this one (its header line)
    commits: list[str | None] = field(default_factory=list)
    _t0: float = field(default_factory=time.perf_counter, repr=False)
    _file: Any = field(default=None, repr=False)

    @classmethod
    def open(cls, path: Path, run_key: str, seed: int) -> ProxyJournal:
        """The journal at ``path`` read for replay (empty when there is none or it is another
        run's); this session's header is appended before the first new value."""
        journal = cls(Path(path), run_key, seed)
        journal._read()
        return journal

    def _read(self) -> None:
        if not self.path.exists():
            return
        entries, commits, good = [], [], []
        lines = self.path.read_text().split("\n")
        for line in lines[:-1]:  # the text after the last newline is a line cut short by a kill
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                break  # the values before it stand
            good.append(line)
            if "journal" in item:
                if (item.get("journal"), item.get("run_key"), item.get("seed")) != (
                    JOURNAL_FORMAT,
                    self.run_key,
                    self.seed,
                ):
                    self.path.unlink()  # another run's or format's: never replayed
                    return
                commits.append(item.get("commit"))
                continue
            entries.append(Entry(_decode(item["v"]), tuple(item["passes"]), float(item["s"])))
        if len(good) < len(lines) - 1 or lines[-1]:
            self.path.write_text("".join(line + "\n" for line in good))  # appends start on a whole line
        self.entries, self.commits = entries, commits

    @property
    def resuming(self) -> bool:
        return bool(self.entries)

    def replay(self) -> Entry | None:
        """The next journalled value, or ``None`` when it must be computed (the journal's last
        value always is: ``record`` then checks it against the file)."""
        if self.replayed + 1 < len(self.entries):
            entry = self.entries[self.replayed]
            self.replayed += 1
            self.seconds_before = entry.seconds
            self._t0 = time.perf_counter()  # this session's seconds count from the last replayed value
            return entry
        return None

    def elapsed(self) -> float:
        """The seed's search seconds so far: before this session's first computed value, and since."""
        return self.seconds_before + (time.perf_counter() - self._t0)

    def record(self, value: float, passes: tuple[int, int, int]) -> None:
        """A computed value: the check of the journal's last one, or a new line."""
        if self.replayed < len(self.entries):
            expected = self.entries[self.replayed]
            if not _same(expected.value, value):
                raise JournalMismatch(
                    f"journal {self.path}: value {self.replayed} recomputed as {value!r}, journal has "
                    f"{expected.value!r}; starting the seed afresh"
                )
            self.replayed += 1
            return
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("a")
            header = {"journal": JOURNAL_FORMAT, "run_key": self.run_key, "seed": self.seed}
            header |= {"from_value": self.replayed, "commit": source_commit()}
            self._file.write(json.dumps(header) + "\n")
        line = {"v": _encode(value), "passes": list(passes), "s": round(self.elapsed(), 3)}
        self._file.write(json.dumps(line) + "\n")
        self._file.flush()

    def summary(self) -> dict[str, Any]:
        """What a resumed trial's row records about its earlier sessions (empty for a fresh seed)."""
        if not self.entries:
            return {}
        done = {"values_from_journal": self.replayed, "seconds_before": self.seconds_before}
        return done | {"sessions_before": len(self.commits), "commits_before": self.commits}

    def close(self, remove: bool = False) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        if remove and self.path.exists():
            os.unlink(self.path)


def journalled(search: Callable[[ProxyJournal], Any], path: Path, run_key: str, seed: int) -> Any:
    """``search(journal)`` (a trial's result) with the seed's journal at ``path``: replayed when it
    holds values, discarded and the seed searched afresh when it disagrees, deleted once the
    trial is ok (a failed trial keeps it)."""
    journal = ProxyJournal.open(path, run_key, seed)
    if journal.resuming:
        _say(f"seed {seed}: resuming from {path} ({len(journal.entries)} proxy values)")
    result = search(journal)
    if result.status != "ok" and (result.failure or "").startswith(JournalMismatch.__name__):
        _say(f"seed {seed}: {result.failure.split(': ', 1)[1]}")
        journal.close(remove=True)
        journal = ProxyJournal.open(path, run_key, seed)
        result = search(journal)
    journal.close(remove=result.status == "ok")
    return result


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
