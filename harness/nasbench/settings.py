"""Declared settings: components say which knobs they take, the host validates and records them.

Every run spec stores the full, defaults-filled settings, so an omitted default and the same
value given explicitly are the same run, and every number can be reproduced from its row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nasbench.errors import BadInput, PluginError
from nasbench.setting_checks import (
    DEFAULT_INT_MAXIMUM,
    PATH_KINDS,
    check_names,
    check_number,
    check_path,
    number_text,
)


@dataclass(frozen=True)
class Setting:
    """One knob of a component: default, type (taken from the default), bounds or choices, and
    what its value must be (a path of a kind, names of components), all checked when the run's
    settings are read (``nasbench.setting_checks``), before any trial."""

    default: Any
    help: str = ""
    minimum: float | None = None
    choices: tuple[Any, ...] | None = None
    #: extra validation of the coerced value: raises ``BadInput`` with the reason (one line)
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
    #: the value at which the setting is left out of the run key when that is not the default: for
    #: a knob added with a NEW default (which changes what a run computes, so its key changes) while
    #: the behaviour runs had before stays reachable as this value, keeping their stored trials
    #: found as runs of it (disc-zc's ``disc_zc_semantics``: default ``zc-pt``, keyless ``nasbench-v1``)
    keyless_value: Any = None
    #: the largest value accepted: sizes whose absurd values would never finish (an int without
    #: one stops at ``DEFAULT_INT_MAXIMUM``); NaN and infinities are never accepted
    maximum: float | None = None
    #: a str value is a path: ``file`` (an existing, non-empty file), ``dir`` (a directory,
    #: existing or creatable), ``json`` (inline JSON or a JSON file); "" = unset when the default is ""
    path: str = ""
    #: a str value names registered components of this kind (e.g. ``"proxy"``), comma-separated
    names: str = ""

    def __post_init__(self) -> None:
        if self.keyless_value is not None and self.keyed_when_changed:
            raise PluginError(
                "Setting: keyed_when_changed keeps the default out of the key, keyless_value another value: choose one"
            )
        if self.path and self.path not in PATH_KINDS:
            raise PluginError(f"Setting(path={self.path!r}): choose one of {', '.join(PATH_KINDS)}")

    @property
    def upper(self) -> float | None:
        """The largest value accepted, for numbers (the declared ``maximum`` or the int default)."""
        if self.maximum is not None:
            return self.maximum
        kind = type(self.default)
        return DEFAULT_INT_MAXIMUM if kind is int else None

    def bounds_text(self) -> str:
        """``">= 1, <= 10000"``: the numeric bounds for ``--help`` ("" for other settings)."""
        if type(self.default) not in (int, float):
            return ""
        parts = [f"{op} {number_text(v)}" for op, v in ((">=", self.minimum), ("<=", self.upper)) if v is not None]
        return ", ".join(parts)

    def coerce(self, name: str, value: Any) -> Any:
        out = self._typed(name, value)
        try:
            if type(out) in (int, float):
                check_number(out, self.minimum, self.upper)
            if self.choices is not None and out not in self.choices:
                raise BadInput(f"choose one of {', '.join(map(str, self.choices))}")
            if isinstance(out, str) and out == "" and self.default != "" and (self.path or self.names):
                raise BadInput("is empty")
            if self.path and out != "":
                check_path(out, self.path)
            if self.check is not None:
                self.check(out)
        except BadInput as exc:
            raise BadInput(_named(name, out, str(exc))) from None
        return out

    def _typed(self, name: str, value: Any) -> Any:
        kind = type(self.default)
        try:
            if kind is bool and isinstance(value, str):
                if value.lower() not in ("1", "0", "true", "false", "yes", "no"):
                    raise ValueError(value)
                return value.lower() in ("1", "true", "yes")
            if kind is int and isinstance(value, float) and not value.is_integer():
                raise ValueError(value)
            return kind(value)
        except (TypeError, ValueError, OverflowError) as exc:
            raise BadInput(f"setting {name}={value!r} is not a valid {kind.__name__}") from exc


def _named(name: str, value: Any, reason: str) -> str:
    """The one error line of a setting: its name and value, then the reason (a ``check`` that
    already names the setting keeps its own line)."""
    if reason.startswith(f"setting {name}") or reason.startswith(f"{name}:"):
        return reason
    joint = " " if reason.split(" ", 1)[0] in ("is", "must", "does", "cannot", "names") else ": "
    return f"setting {name}={value!r}{joint}{reason}"


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


def resolve_settings(components: list[Any], given: dict[str, Any], registry: Any = None) -> dict[str, Any]:
    """Merge the declared settings of ``components`` with ``given`` values; unknown keys fail.
    With ``registry``, settings that name components (``Setting(names=...)``) are looked up too."""
    declared = declared_settings(components)
    unknown = sorted(set(given) - set(declared))
    if unknown:
        known = ", ".join(sorted(declared)) or "(none)"
        who = ", ".join(getattr(c, "name", "?") for c in components)
        raise BadInput(f"unknown setting {unknown[0]!r} for this run ({who}); known: {known}")
    resolved = {name: s.coerce(name, given.get(name, s.default)) for name, s in sorted(declared.items())}
    for name, setting in declared.items():
        value = resolved[name]
        if registry is not None and setting.names and (value != "" or setting.default != ""):
            try:
                check_names(str(value), setting.names, registry)
            except BadInput as exc:
                raise BadInput(_named(name, value, str(exc))) from None
    return resolved


@dataclass(frozen=True)
class RunSettings:
    """What a component's optional ``check_settings(run)`` sees: the run's resolved settings, its
    space configured by them and the registry. The hook checks what needs more than one value or
    a look inside a file (a state_dict's keys against the space's supernet, a mask's edges) and
    raises ``BadInput`` naming the setting; it runs when the run's settings are read."""

    settings: dict[str, Any]
    space: Any
    registry: Any


def check_components(components: list[Any], run: RunSettings) -> None:
    """Call every component's ``check_settings(run)`` (those that have one), in order."""
    for component in components:
        hook = getattr(component, "check_settings", None)
        if hook is not None:
            hook(run)


def configure_run(registry: Any, components: list[Any], given: dict[str, Any] | None) -> tuple:
    """(resolved settings, the space configured by them, the names left out of the run key, the
    ``keyed_when_changed`` defaults), every value checked: declared kinds, then the components'
    ``check_settings`` (a look inside a file, at the space), all before any trial.
    ``components[0]`` (the space) becomes the configured one."""
    resolved = resolve_settings(components, dict(given or {}), registry)
    if hasattr(components[0], "with_settings"):  # size knobs etc.: a configured copy for this run only
        components[0] = components[0].with_settings(resolved)
    check_components(components, RunSettings(resolved, components[0], registry))
    declared = declared_settings(components)
    unkeyed = frozenset(name for name, s in declared.items() if not s.in_key)
    keyless = {name: s.coerce(name, s.default) for name, s in declared.items() if s.keyed_when_changed}
    keyless.update(
        {name: s.coerce(name, s.keyless_value) for name, s in declared.items() if s.keyless_value is not None}
    )
    return resolved, components[0], unkeyed, keyless


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
