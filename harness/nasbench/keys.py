"""Cache and checkpoint keys that cannot lie: what shapes an object, and what differs on load.

A key is a hash of the full typed settings of the components that shape the cached object
(space, network, training) plus a format version; the stored object carries the same settings,
so a load compares them and names every difference instead of reusing the object silently.
"""

from __future__ import annotations

import json
from typing import Any


def space_config(space: Any, settings: dict[str, Any]) -> dict[str, Any]:
    """What shapes the space's networks: its ``version``, every setting it declares (typed, as
    resolved for the run), its plain attributes and its ``values`` dict (cell spaces keep their
    sizes there).

    Both views are kept: a space built by hand (tests) need not match the run's settings."""
    declared = getattr(space, "settings", {}) or {}
    out: dict[str, Any] = {f"setting.{k}": settings.get(k, declared[k].default) for k in sorted(declared)}
    # a space whose network code changes what a trained supernet means bumps ``version`` (as a
    # proxy does): "1" when it declares none, so existing keys keep their meaning
    out["version"] = str(getattr(space, "version", "1"))
    for k, v in sorted(vars(space).items()):
        if isinstance(v, (int, float, str, bool)):
            out[f"attr.{k}"] = v
        elif k == "values" and isinstance(v, dict):
            out.update({f"value.{n}": x for n, x in sorted(v.items()) if isinstance(x, (int, float, str, bool))})
    return out


def flat_config(config: dict[str, Any]) -> dict[str, Any]:
    out = dict(config)
    try:
        out.update({f"space.{k}": v for k, v in json.loads(out.pop("space_config", "{}")).items()})
    except (TypeError, ValueError):
        out["space_config"] = config.get("space_config")
    return out


def differing_settings(stored: dict[str, Any], wanted: dict[str, Any]) -> str:
    """``"name: stored X, run Y; ..."`` for every setting that differs ("" when none)."""
    a, b = flat_config(stored), flat_config(wanted)
    keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    return "; ".join(f"{k}: stored {a.get(k)!r}, run {b.get(k)!r}" for k in keys)
