"""Declared settings: components say which knobs they take, the host validates and records them.

Every run spec stores the full, defaults-filled settings, so an omitted default and the same
value given explicitly are the same run, and every number can be reproduced from its row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nasbench.errors import BadInput


@dataclass(frozen=True)
class Setting:
    """One knob of a component: default, type (taken from the default), bounds or choices."""

    default: Any
    help: str = ""
    minimum: float | None = None
    choices: tuple[Any, ...] | None = None
    #: extra validation of the coerced value: raises ``BadInput`` with one clear line
    check: Callable[[Any], Any] | None = None
    #: a ``nasbench run`` option for this setting besides ``--set`` (e.g. ``"-N/--proposals"``)
    flag: str | None = None
    #: whether the value enters the run key: False for settings that cannot change a result
    #: (where checkpoints are kept); such a value is still stored with every trial
    in_key: bool = True
    #: the value enters the run key only when it differs from the default: for a knob added to a
    #: component after runs were stored, whose default does exactly what those runs did (e.g. a
    #: precision setting whose default is fp32), so that their committed trials are found again.
    #: Never for a setting whose default CHANGES what a run computes: that must change the key.
    keyed_when_changed: bool = False

    def coerce(self, name: str, value: Any) -> Any:
        kind = type(self.default)
        try:
            if kind is bool and isinstance(value, str):
                if value.lower() not in ("1", "0", "true", "false", "yes", "no"):
                    raise ValueError(value)
                out: Any = value.lower() in ("1", "true", "yes")
            elif kind is int and isinstance(value, float) and not value.is_integer():
                raise ValueError(value)
            else:
                out = kind(value)
        except (TypeError, ValueError) as exc:
            raise BadInput(f"setting {name}={value!r} is not a valid {kind.__name__}") from exc
        if self.minimum is not None and out < self.minimum:
            raise BadInput(f"setting {name}={out} must be >= {self.minimum:g}")
        if self.choices is not None and out not in self.choices:
            raise BadInput(f"setting {name}={out!r}: choose one of {', '.join(map(str, self.choices))}")
        if self.check is not None:
            self.check(out)
        return out


def declared_settings(components: list[Any]) -> dict[str, Setting]:
    """Name -> ``Setting`` over ``components``; a name several declare takes the last one's
    declaration (the runner passes space, benchmark, scorer, strategy, proxy: a strategy's default
    beats its space's, e.g. pc-darts' 4 partial channels), and they must agree on its type."""
    declared: dict[str, Setting] = {}
    for component in components:
        for name, setting in (getattr(component, "settings", {}) or {}).items():
            earlier = declared.get(name)
            if earlier is not None and type(earlier.default) is not type(setting.default):
                raise BadInput(
                    f"setting {name!r} is declared as {type(earlier.default).__name__} and as "
                    f"{type(setting.default).__name__} by the selected components ({getattr(component, 'name', '?')})"
                )
            declared[name] = setting
    return declared


def resolve_settings(components: list[Any], given: dict[str, Any]) -> dict[str, Any]:
    """Merge the declared settings of ``components`` with ``given`` values; unknown keys fail."""
    declared = declared_settings(components)
    unknown = sorted(set(given) - set(declared))
    if unknown:
        known = ", ".join(sorted(declared)) or "(none)"
        who = ", ".join(getattr(c, "name", "?") for c in components)
        raise BadInput(f"unknown setting {unknown[0]!r} for this run ({who}); known: {known}")
    return {name: setting.coerce(name, given.get(name, setting.default)) for name, setting in sorted(declared.items())}


def check_run(components: tuple, space: Any, settings: dict[str, Any]) -> None:
    """A component's optional ``check_run(space, settings)`` refuses a bad combination (``BadInput``)
    before any trial, e.g. an ablation item the space's official code does not have."""
    for component in components:
        check = getattr(component, "check_run", None)
        if check is not None:
            check(space, settings)


#: at most this many seeds in one ``--seeds`` and each below 2**32 (what every RNG accepts)
MAX_SEEDS = 100_000
MAX_SEED = 2**32 - 1


def parse_seeds(text: str) -> list[int]:
    """``"0-3"`` -> [0, 1, 2, 3]; ``"0,5,7"`` and mixes like ``"0-2,9"`` work too."""
    seeds: list[int] = []
    try:
        for part in text.split(","):
            part = part.strip()
            if "-" in part[1:]:
                lo, hi = part.split("-", 1) if not part.startswith("-") else (part, "")
                a, b = int(lo), int(hi)
                if b < a:
                    raise ValueError(part)
                if b - a + 1 + len(seeds) > MAX_SEEDS:
                    raise BadInput(f"bad --seeds {text!r}: more than {MAX_SEEDS:,} seeds")
                seeds.extend(range(a, b + 1))
            else:
                seeds.append(int(part))
    except ValueError as exc:
        raise BadInput(f"bad --seeds {text!r}: use e.g. 0-3 or 0,1,5") from exc
    if any(s < 0 for s in seeds):
        raise BadInput(f"bad --seeds {text!r}: seeds must be >= 0")
    if any(s > MAX_SEED for s in seeds):
        raise BadInput(f"bad --seeds {text!r}: seeds must be below 2**32")
    return sorted(set(seeds))
