"""The plugin host: entry points, blocklist, tracing, duplicate and unknown names, hook docs."""

import inspect
from pathlib import Path

import pytest

from nasbench import hookspecs
from nasbench.errors import PluginError, UnknownName
from nasbench.hookspecs import hookimpl
from nasbench.plugins import get_plugin_manager
from nasbench.registry import Registry

TESTS = Path(__file__).resolve().parents[1]


def test_built_ins_arrive_through_the_entry_point_group():
    reg = Registry(get_plugin_manager())
    assert "nb201" in reg.names("space")
    assert {"zc-pt", "best-acc", "avg-acc"} <= set(reg.names("scorer"))
    assert reg.owner("scorer", "zc-pt") == "scorer-zc-pt"


def test_blocklisted_plugins_are_not_loaded(monkeypatch):
    monkeypatch.setenv("NASBENCH_DISABLE_PLUGINS", "scorer-zc-pt, proxy-nwot")
    reg = Registry(get_plugin_manager())
    assert "zc-pt" not in reg.names("scorer")
    assert "nwot" not in reg.names("proxy")
    assert "best-acc" in reg.names("scorer")


def test_trace_env_var_traces_hook_calls(monkeypatch, capsys):
    monkeypatch.setenv("NASBENCH_TRACE_PLUGINS", "1")
    Registry(get_plugin_manager()).names("space")
    assert "register space from plugin space-nb201" in capsys.readouterr().err


class _Dup:
    name = "zc-pt"


class DuplicatePlugin:
    @hookimpl
    def nasbench_register_scorers(self, register):
        register(_Dup())


def test_duplicate_names_are_rejected_naming_both_plugins():
    pm = get_plugin_manager()
    pm.register(DuplicatePlugin(), name="my-dup")
    with pytest.raises(PluginError, match="'scorer-zc-pt' and by plugin 'my-dup'"):
        Registry(pm).names("scorer")


def test_unknown_names_are_answered_with_the_choices():
    with pytest.raises(UnknownName, match="unknown scorer 'zc-ptt'; choose one of: .*zc-pt"):
        Registry(get_plugin_manager()).get("scorer", "zc-ptt")


def _hookspecs():
    return [f for name, f in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("nasbench_")]


def test_every_hook_is_documented_with_its_parameters():
    for spec in _hookspecs():
        doc = inspect.getdoc(spec) or ""
        assert doc, spec.__name__
        for param in inspect.signature(spec).parameters:
            assert f":param {param}:" in doc, (spec.__name__, param)


def test_every_hook_is_exercised_by_some_test():
    text = "".join(p.read_text() for p in TESTS.rglob("test_*.py"))
    for spec in _hookspecs():
        assert spec.__name__ in text, f"no test uses {spec.__name__}"


class _Named:
    def __init__(self, name):
        self.name = name
        self.space = "nb201"


class OneOfEachKind:
    @hookimpl
    def nasbench_register_spaces(self, register):
        register(_Named("space-x"))

    @hookimpl
    def nasbench_register_benchmarks(self, register):
        register(_Named("benchmark-x"))

    @hookimpl
    def nasbench_register_proxies(self, register):
        register(_Named("proxy-x"))

    @hookimpl
    def nasbench_register_scorers(self, register):
        register(_Named("scorer-x"))

    @hookimpl
    def nasbench_register_strategies(self, register):
        register(_Named("strategy-x"))


def test_a_third_party_plugin_registers_every_kind(register_plugin, nasbench_registry):
    register_plugin(OneOfEachKind(), name="third-party")
    for kind in ("space", "benchmark", "proxy", "scorer", "strategy"):
        assert f"{kind}-x" in nasbench_registry.names(kind)
        assert nasbench_registry.owner(kind, f"{kind}-x") == "third-party"


class _SectionPlugin:
    @hookimpl
    def nasbench_report_sections(self, store, space, fmt):
        return f"a section from a plugin ({fmt}, space {space})\n"


def test_a_plugins_report_section_follows_the_trials_table(tmp_path, nasbench_pm):
    from click.testing import CliRunner

    from nasbench.cli import make_cli
    from nasbench.store import Store

    Store(tmp_path / "s.sqlite").close()
    nasbench_pm.register(_SectionPlugin(), name="section")
    result = CliRunner().invoke(make_cli(nasbench_pm), ["report", "--store", str(tmp_path / "s.sqlite")])
    assert result.exit_code == 0, result.output
    assert result.output.endswith("\na section from a plugin (markdown, space None)\n")
