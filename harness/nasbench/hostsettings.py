"""Settings every run has, whatever its components (today: ``precision``).

Declared first among a run's components, so a component that declares the same name overrides
it. At its default a host setting is left out of the run key: runs stored before it existed ran
at that default and keep their keys.
"""

from __future__ import annotations

from typing import Any

from nasbench.precision import PRECISION_SETTING


class HostSettings:
    """The host, seen as one more component that declares settings."""

    name = "host"
    settings = {"precision": PRECISION_SETTING}


HOST = HostSettings()


def keyed_settings(settings: dict[str, Any], unkeyed: frozenset[str]) -> dict[str, Any]:
    """The settings that enter a run key: not the unkeyed ones, not host settings at their default."""
    defaults = {k: s.default for k, s in HOST.settings.items()}
    return {k: v for k, v in settings.items() if k not in unkeyed and not (k in defaults and v == defaults[k])}
