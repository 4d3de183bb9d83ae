"""Trials as text: one JSON line per trial, the format of the committed ``results/*.jsonl``.

Why: a SQLite store is a binary that vanishes with the machine and cannot be reviewed in a diff.
Results that must outlive a session (full-protocol paper tables) are kept as JSON lines in git:
each line is one row of the store (run key, seed, status, spec, metrics, every setting, the
protocol with versions and the commit that made it, the extra record), keys sorted, lines in the
order the trials finished (then run key, seed), so that the same trials always give the same bytes,
a diff shows exactly which trials were added, and a store made from the file lists its runs in the
order they ran, as the store that ran them does. Importing the lines into any store gives back rows that ``report`` and
``suite check`` read as if the trials had just run there; a run that stopped part-way continues
from them (finished seeds are skipped by run key).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from nasbench.errors import BadInput, DataError
from nasbench.store import METRIC_COLUMNS, SPEC_COLUMNS, Store

FORMAT = "nasbench-trial/1"
_KEYS = ("run_key", "seed", "status", "failure", *SPEC_COLUMNS, *METRIC_COLUMNS, "settings", "protocol", "extra")
_OBJECTS = ("settings", "protocol", "extra")


def to_line(row: dict[str, Any]) -> str:
    """One store row (as ``Store.rows`` gives it) as one line of text, without the newline."""
    out: dict[str, Any] = {"format": FORMAT}
    for key in _KEYS:
        out[key] = row.get(key)
    out["finished_at"] = row.get("finished_at")
    return json.dumps(out, sort_keys=True, default=str, ensure_ascii=False)


def _check(obj: Any, where: str) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise DataError(f"{where}: a trial line must be a JSON object")
    if obj.get("format") != FORMAT:
        raise DataError(f"{where}: not a {FORMAT} line (format {obj.get('format')!r})")
    missing = [k for k in ("run_key", "seed", "status") if obj.get(k) is None]
    if missing:
        raise DataError(f"{where}: the line lacks {', '.join(missing)}")
    if not isinstance(obj["seed"], int) or isinstance(obj["seed"], bool):
        raise DataError(f"{where}: seed must be an integer, not {obj['seed']!r}")
    for key in _OBJECTS:
        if not isinstance(obj.get(key) or {}, dict):
            raise DataError(f"{where}: {key} must be a JSON object")
    return obj


def read_lines(path: str | Path) -> list[dict[str, Any]]:
    """The trials of one ``.jsonl`` file; any malformed line is one ``DataError`` naming file:line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput(f"no results file {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read results file {path}: {exc}") from None
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
        rows.append(_check(obj, f"{path}:{number}"))
    return rows


def files_of(path: str | Path) -> list[Path]:
    """A ``.jsonl`` file, or every ``*.jsonl`` in a folder (sorted); nothing found is an error."""
    path = Path(path)
    if path.is_dir():
        found = sorted(path.glob("*.jsonl"))
        if not found:
            raise BadInput(f"no *.jsonl results files in {path}")
        return found
    if not path.exists():
        raise BadInput(f"no results file {path}")
    return [path]


def _key(row: dict[str, Any]) -> tuple[str, int]:
    return str(row["run_key"]), int(row["seed"])


def merge(old: Iterable[dict[str, Any]], new: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (run key, seed), ``new`` replacing ``old`` except that a failed trial never
    replaces a finished one (the store's rule); in the order the trials finished."""
    rows = {_key(r): r for r in old}
    for row in new:
        have = rows.get(_key(row))
        if have is None or have["status"] != "ok" or row["status"] == "ok":
            rows[_key(row)] = row
    return sorted(rows.values(), key=lambda r: (str(r.get("finished_at") or ""), *_key(r)))


def write_lines(path: str | Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write ``rows`` (merged with what the file holds) to ``path`` atomically; the count written."""
    path = Path(path)
    merged = merge(read_lines(path) if path.exists() else [], rows)
    text = "".join(to_line(r) + "\n" for r in merged)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(merged)


def import_lines(store: Store, rows: Iterable[dict[str, Any]]) -> int:
    """Put each row into ``store`` (a finished trial there is never replaced by a failed one)."""
    count = 0
    for row in rows:
        for column in METRIC_COLUMNS:
            value = row.get(column)
            if isinstance(value, str) and column not in ("arch", "memory_device"):
                raise DataError(f"trial {row['run_key']}/{row['seed']}: {column} must be a number, not {value!r}")
        store.put_row(row)
        count += 1
    return count


@contextmanager
def store_of(paths: Iterable[str | Path]) -> Iterator[Store]:
    """A fresh temporary store holding every trial of the given files/folders (read-only use:
    ``report`` and ``suite check`` on committed results, without a store of one's own)."""
    with tempfile.TemporaryDirectory(prefix="nasbench-results-") as tmp:
        with Store(Path(tmp) / "results.sqlite") as st:
            for path in paths:
                for file in files_of(path):
                    import_lines(st, read_lines(file))
            yield st
