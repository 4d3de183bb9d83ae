"""Settings every run has, whatever its components (today: ``precision``).

The host is one more component that declares settings; the runner puts it after the run's own
components, so a component cannot silently redefine a host setting's meaning (the last
declaration wins, and types must agree). A host setting is ``keyed_when_changed``: at its default
it stays out of the run key, so runs stored before it existed (which ran at that default) keep
their keys.
"""

from __future__ import annotations

from nasbench.precision import PRECISION_SETTING


class HostSettings:
    """The host, seen as a component that declares settings."""

    name = "host"
    settings = {"precision": PRECISION_SETTING}


HOST = HostSettings()
