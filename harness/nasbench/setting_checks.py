"""What a setting's value may be beyond its type: finite, within bounds, a path of a kind, names
of registered components. Checked when the run's settings are read, so a bad value is one line
and exit 2 before any trial runs, never a failed trial after setup work.

Each check raises ``BadInput`` with the reason only; ``Setting.coerce`` puts the setting's name
and value in front of it.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from nasbench.errors import BadInput, NasbenchError

#: an int setting that declares no ``maximum`` stops here: no count nasbench takes (epochs,
#: proposals, channels, samples) finishes above a million, and larger ints overflow the stores
DEFAULT_INT_MAXIMUM = 1_000_000

#: the kinds of path a ``Setting(path=...)`` can demand
PATH_KINDS = ("file", "dir", "json")


def check_number(value: float, minimum: float | None, maximum: float | None) -> None:
    """NaN and infinities are no setting's value; then the declared bounds."""
    if isinstance(value, float) and not math.isfinite(value):
        raise BadInput("is not a finite number")
    if minimum is not None and value < minimum:
        raise BadInput(f"must be >= {number_text(minimum)}")
    if maximum is not None and value > maximum:
        raise BadInput(f"must be <= {number_text(maximum)}")


def number_text(value: float) -> str:
    """A bound as people write it: ``1000000``, ``0.5`` (never ``1e+06``)."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def check_path(value: str, kind: str) -> None:
    """``value`` is a path of ``kind``: ``file`` (an existing, non-empty regular file), ``dir`` (a
    directory, or one that can be created: no regular file on the way), ``json`` (inline JSON, or
    a file holding JSON)."""
    if kind == "json" and value.lstrip()[:1] in ("{", "["):
        _parse_json(value)
        return
    path = Path(value).expanduser() if kind == "json" else Path(value)
    if kind == "dir":
        _check_dir(path)
        return
    if not path.exists():
        raise BadInput("does not exist")
    if not path.is_file():
        raise BadInput("is a directory, not a file" if path.is_dir() else "is not a regular file")
    if path.stat().st_size == 0:
        raise BadInput("is an empty file")
    if kind == "json":
        try:
            _parse_json(path.read_text())
        except UnicodeDecodeError:
            raise BadInput("is not a JSON file (not text)") from None


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"is not valid JSON ({exc})") from None


def _check_dir(path: Path) -> None:
    """An existing directory, or a path whose nearest existing ancestor is a writable directory."""
    if path.exists():
        if not path.is_dir():
            raise BadInput("is a file, not a directory")
        return
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise BadInput(f"cannot be created: {parent} is a file")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise BadInput(f"cannot be created: {parent} is not writable")


def comma_names(text: Any) -> list[str]:
    """``" a, b,,"`` -> ["a", "b"]: the names of a comma-separated setting, blanks dropped."""
    return [part.strip() for part in str(text).split(",") if part.strip()]


def item_set(setting: str, text: Any, items: tuple[str, ...]) -> frozenset[str]:
    """``"a,b"`` -> {"a", "b"}: a comma-separated choice among a method's named ``items`` (the
    switches of an ablation setting); an unknown item is one line naming the setting and the items."""
    chosen = frozenset(comma_names(text))
    unknown = sorted(chosen - set(items))
    if unknown:
        raise BadInput(f"unknown {setting} item {unknown[0]!r}; items: {', '.join(items)}")
    return chosen


def check_batch_fits(settings: dict[str, Any], images: Any) -> None:
    """The minibatches a trial draws (``SearchContext.next_batch``, setting ``batch_size``) fit in
    the run's images: checked once they are loaded, not as a failed trial after setup work."""
    size = settings.get("batch_size")
    if isinstance(size, int) and size > len(images):
        raise BadInput(f"setting batch_size={size} is larger than the {len(images):,} images of {images.source}")


def check_names(value: str, kind: str, registry: Any) -> None:
    """Every comma-separated name in ``value`` is a registered ``kind`` (e.g. proxies)."""
    names = comma_names(value)
    if not names:
        raise BadInput(f"names no {kind}")
    for name in names:
        try:
            registry.get(kind, name)
        except NasbenchError as exc:
            raise BadInput(str(exc)) from None
