"""The built-in proxies, read off the registry: the one list of them.

Whatever covers every built-in proxy (the proxy test suite, the CPU cost benchmark) asks here
instead of keeping its own tuple of names, so a new proxy is covered as soon as its module
registers it, and what a proxy needs (``needs_labels``) is read from the proxy itself.
"""

from __future__ import annotations

from typing import Any

from nasbench.api import make_registry

#: module prefix of this family: proxies registered by other plugins (tests, third parties) are not built-ins
FAMILY = "nasbench_plugins.proxies."


def built_in_proxies() -> dict[str, Any]:
    """Name -> proxy object of every proxy registered by a module of this family, in name order."""
    registry = make_registry()
    found = {name: registry.get("proxy", name) for name in registry.names("proxy")}
    return {name: proxy for name, proxy in found.items() if type(proxy).__module__.startswith(FAMILY)}
