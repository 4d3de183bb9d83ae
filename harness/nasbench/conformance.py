"""What every ``nasbench verify METHOD`` shares: reading a reference folder that an authors' code
made (its ``reference.json`` and the data files it names) and comparing our numbers with it,
quantity by quantity. One place, so the methods' verifiers agree on what a match is and on the
one-line errors a broken folder gets (exit 2, never a traceback)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nasbench.errors import BadInput, DataError


@dataclass
class Check:
    """One quantity of a verify table: how many values, the worst relative error, the mismatches.

    A value matches when equal (NaN to NaN included: a NaN the official code produced, reproduced)
    or when ``|ours - theirs| / max(|theirs|, floor) <= rtol``; ``floor`` 1.0 makes the error
    absolute below 1 (losses, accuracies near 0). ``boundary`` counts values a verifier could
    not decide (TE-NAS: an official rounding at a rounding boundary) and took from the folder."""

    name: str
    floor: float = 1e-300
    n: int = 0
    worst: float = 0.0
    boundary: int = 0
    mismatches: list[str] = field(default_factory=list)

    def value(self, ours: float, theirs: float, rtol: float, what: str) -> None:
        self.n += 1
        if ours == theirs or (math.isnan(ours) and math.isnan(theirs)):
            rel = 0.0
        else:
            rel = abs(ours - theirs) / max(abs(theirs), self.floor)
        self.worst = max(self.worst, rel) if not math.isnan(rel) else math.inf
        if not rel <= rtol:
            self.mismatches.append(f"{what}: ours {ours!r}, official {theirs!r}")

    def same(self, ours: Any, theirs: Any, what: str) -> None:
        self.n += 1
        if ours != theirs:
            self.mismatches.append(f"{what}: ours {ours}, official {theirs}")


def mismatch_lines(checks: list[Check], first: int = 5) -> list[str]:
    """The first mismatches of each quantity, in table order, as verify prints them."""
    return [f"  mismatch: {m}" for c in checks for m in c.mismatches[:first]]


def reference_folder(folder: str | Path) -> Path:
    path = Path(folder)
    if not path.is_dir():
        raise BadInput(f"reference folder {folder} does not exist")
    return path


def reference_json(folder: Path, required: dict[str, type], fmt: tuple[str, str] | None = None) -> dict[str, Any]:
    """``folder/reference.json`` as a dict holding each ``required`` key with its type; with
    ``fmt`` = (format, what), its ``format`` must be that (else: not a ``what``)."""
    path = folder / "reference.json"
    if not path.is_file():
        raise DataError(f"missing reference file {path}")
    try:
        spec = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(spec, dict):
        raise DataError(f"{path}: not a JSON object")
    if fmt is not None and spec.get("format") != fmt[0]:
        raise DataError(f"{path} is not a {fmt[1]} (format {fmt[0]!r})")
    require_keys(path, spec, required)
    return spec


def require_keys(path: Path, spec: dict[str, Any], required: dict[str, type]) -> None:
    """One line for the first ``required`` key that ``spec`` (read from ``path``) lacks or mistypes."""
    for key, kind in required.items():
        if not isinstance(spec.get(key), kind):
            raise DataError(f"{path}: '{key}' is missing or not a {kind.__name__}")


def reference_data_file(folder: Path, rel: Any, data_dirs: list[Path]) -> Path:
    """A data file a reference names (``rel``): looked up in ``data_dirs``, then in the folder."""
    rel = str(rel)
    candidates = [Path(root) / rel for root in data_dirs] + [folder / rel]
    found = next((c for c in candidates if rel and c.is_file()), None)
    if found is None:
        where = ", ".join(str(c.parent) for c in candidates)
        raise DataError(f"missing image file {rel!r} of the reference: looked in {where}")
    return found
