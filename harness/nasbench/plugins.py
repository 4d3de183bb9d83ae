"""Builds the plugin manager: every component, built-in or third-party, arrives the same way.

Built-ins live in the separate ``nasbench_plugins`` distribution directory and are declared in
the same ``nasbench`` entry-point group as anyone's, so the host never imports them.

Environment variables:

``NASBENCH_DISABLE_PLUGINS``
    comma list of entry-point names to block (``nasbench plugins`` shows the names).
``NASBENCH_TRACE_PLUGINS``
    when set to anything but ``""``/``0``, every hook call is traced to stderr.
"""

from __future__ import annotations

import os
import sys

import pluggy

from nasbench import hookspecs

DISABLE_ENV = "NASBENCH_DISABLE_PLUGINS"
TRACE_ENV = "NASBENCH_TRACE_PLUGINS"


def blocked_names(environ: dict[str, str] | None = None) -> list[str]:
    """Entry-point names listed in ``NASBENCH_DISABLE_PLUGINS``."""
    raw = (environ if environ is not None else os.environ).get(DISABLE_ENV, "")
    return [name.strip() for name in raw.split(",") if name.strip()]


def get_plugin_manager(load_entrypoints: bool = True) -> pluggy.PluginManager:
    """A fresh plugin manager with the ``nasbench`` entry points loaded and checked."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in blocked_names():
        pm.set_blocked(name)
    if load_entrypoints:
        pm.load_setuptools_entrypoints(hookspecs.PROJECT)
    if os.environ.get(TRACE_ENV, "") not in ("", "0"):
        pm.trace.root.setwriter(lambda msg: sys.stderr.write(f"[nasbench trace] {msg}"))
        pm.enable_tracing()
    pm.check_pending()
    return pm


def plugin_info(pm: pluggy.PluginManager) -> list[dict[str, object]]:
    """One entry per loaded plugin: name, distribution, version and the hooks it implements."""
    dists = {id(plugin): dist for plugin, dist in pm.list_plugin_distinfo()}
    rows = []
    for plugin in pm.get_plugins():
        name = pm.get_name(plugin)
        dist = dists.get(id(plugin))
        hooks = sorted(caller.name for caller in pm.get_hookcallers(plugin) or [])
        rows.append(
            {
                "name": name,
                "distribution": dist.project_name if dist is not None else None,
                "version": dist.version if dist is not None else None,
                "hooks": hooks,
            }
        )
    return sorted(rows, key=lambda row: str(row["name"]))
