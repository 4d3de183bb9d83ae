"""Which source made a number: the git commit of the nasbench checkout a trial ran from.

Committed results (``results/*.jsonl``) carry it so that a reader can check a number out and
re-run it. Asked once per process (never at import); an installed wheel, a missing ``git`` or a
folder that is not a checkout give ``None``, never an error. A checkout with uncommitted changes
to tracked files is marked ``<sha>-dirty``: such a number cannot be re-made from the commit alone.
"""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path


def _git(folder: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


@functools.lru_cache(maxsize=1)
def source_commit() -> str | None:
    """``<sha>``, ``<sha>-dirty`` or ``None`` (not run from a git checkout of nasbench)."""
    folder = Path(__file__).resolve().parent
    sha = _git(folder, "rev-parse", "HEAD")
    if not sha:
        return None
    status = _git(folder, "status", "--porcelain", "--untracked-files=no")
    return f"{sha}-dirty" if status else sha
