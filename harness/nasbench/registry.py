"""Name -> component, for each kind. Names resolve here, never through if/elif on names."""

from __future__ import annotations

from typing import Any

import pluggy

from nasbench.components import KINDS
from nasbench.errors import PluginError, UnknownName

_HOOKS = {
    "space": "nasbench_register_spaces",
    "benchmark": "nasbench_register_benchmarks",
    "proxy": "nasbench_register_proxies",
    "scorer": "nasbench_register_scorers",
    "strategy": "nasbench_register_strategies",
}


class Registry:
    """Collects the components every plugin registers, one kind at a time, on first use."""

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm
        self._by_kind: dict[str, dict[str, tuple[Any, str]]] = {}

    def _collect(self, kind: str) -> dict[str, tuple[Any, str]]:
        if kind in self._by_kind:
            return self._by_kind[kind]
        found: dict[str, tuple[Any, str]] = {}
        caller = getattr(self.pm.hook, _HOOKS[kind])
        for impl in caller.get_hookimpls():
            owner = impl.plugin_name

            def register(component: Any, _owner: str = owner) -> None:
                name = getattr(component, "name", None)
                if not isinstance(name, str) or not name:
                    raise PluginError(f"plugin {_owner!r} registered a {kind} without a string .name")
                if name in found:
                    raise PluginError(
                        f"{kind} {name!r} is registered twice: by plugin {found[name][1]!r} and by plugin {_owner!r}"
                    )
                found[name] = (component, _owner)

            self.pm.trace("register", kind, "from plugin", owner)
            impl.function(register=register)
        self._by_kind[kind] = found
        return found

    def names(self, kind: str) -> list[str]:
        """Sorted names of the registered components of ``kind``."""
        return sorted(self._collect(kind))

    def get(self, kind: str, name: str) -> Any:
        """The component called ``name``; unknown names are answered with the choices."""
        components = self._collect(kind)
        if name not in components:
            choices = ", ".join(sorted(components)) or "(none loaded)"
            raise UnknownName(f"unknown {kind} {name!r}; choose one of: {choices}")
        return components[name][0]

    def owner(self, kind: str, name: str) -> str:
        """Name of the plugin that registered ``name``."""
        self.get(kind, name)
        return self._collect(kind)[name][1]

    def data_files(self) -> dict[str, Any]:
        """Name -> ``DataFile``: the host's own files and every file a plugin registered."""
        from nasbench.data import HOST_FILES

        files: dict[str, Any] = dict(HOST_FILES)
        for impl in self.pm.hook.nasbench_register_data_files.get_hookimpls():

            def register(entry: Any, _owner: str = impl.plugin_name) -> None:
                if entry.name in files and files[entry.name] != entry:
                    raise PluginError(f"data file {entry.name!r} is registered twice (again by plugin {_owner!r})")
                files[entry.name] = entry

            impl.function(register=register)
        return dict(sorted(files.items()))

    def report_columns(self) -> list[Any]:
        """Every ``ReportColumn`` the plugins registered, in registration order, names unique."""
        columns: dict[str, Any] = {}
        for impl in reversed(self.pm.hook.nasbench_register_report_columns.get_hookimpls()):

            def register(column: Any) -> None:
                columns.setdefault(column.name, column)

            impl.function(register=register)
        return list(columns.values())

    def describe(self) -> dict[str, list[dict[str, str]]]:
        """Every component of every kind with its owning plugin and first docstring line."""
        out: dict[str, list[dict[str, str]]] = {}
        for kind in KINDS:
            rows = []
            for name, (component, owner) in sorted(self._collect(kind).items()):
                doc = (type(component).__doc__ or "").strip().splitlines()
                rows.append({"name": name, "plugin": owner, "summary": doc[0] if doc else ""})
            out[kind] = rows
        return out


def make_registry(extra_modules: tuple[str, ...] = ()) -> Registry:
    """A registry over the installed plugins plus the plugin modules named in ``extra_modules``
    (a worker process rebuilding the registry its parent had, test plugins included)."""
    import importlib

    from nasbench.plugins import get_plugin_manager

    pm = get_plugin_manager()
    for name in extra_modules:
        module = importlib.import_module(name)
        if not pm.is_registered(module):
            pm.register(module)
    return Registry(pm)
