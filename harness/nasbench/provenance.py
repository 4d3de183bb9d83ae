"""Which source made a number: the git commit of the nasbench checkout a trial ran from, and
the rest of a trial's ``protocol`` (versions, platform, device, threads).

Committed results (``results/*.jsonl``) carry it so that a reader can check a number out and
re-run it. Asked once per process (never at import); an installed wheel, a missing ``git`` or a
folder that is not a checkout give ``None``, never an error. A checkout with uncommitted changes
to tracked files is marked ``<sha>-dirty``: such a number cannot be re-made from the commit alone.
"""

from __future__ import annotations

import functools
import platform
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import torch

from nasbench import __version__
from nasbench.precision import cpu_has_bf16_units, network_precision


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


def protocol(prepared: Any) -> dict[str, Any]:
    """Everything beyond a run's spec (``runner.PreparedRun``) that a reader needs to reproduce a number."""
    info: dict[str, Any] = {
        "nasbench": __version__,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "device": str(prepared.device),
        "commit": source_commit(),
    }
    if prepared.device.type == "cuda":
        info["device_name"] = torch.cuda.get_device_name(prepared.device)
    else:
        info["device_name"] = platform.processor() or platform.machine()
        info["torch_threads"] = torch.get_num_threads()
        info["cpu_bf16_units"] = cpu_has_bf16_units()
    precision = network_precision(prepared.spec["settings"].get("precision", "fp32"), prepared.device)
    info["channels_last"] = precision.channels_last
    return info
