"""What a component can say about a setting's value beyond its type (issue 28): bounds, finite
numbers, a path of a kind (file, dir, JSON), names of registered components, and a
``check_settings(run)`` hook for what needs a look inside a file. All of it is checked when the
run's settings are read, so a bad value is one ``BadInput`` line before any trial."""

from __future__ import annotations

import pytest

from nasbench.api import BadInput, PluginError, RunSettings, Setting, hookimpl
from nasbench.runner import prepare
from nasbench.settings import resolve_settings
from nasbench.testing import random_images


def coerce(setting: Setting, value):
    return setting.coerce("knob", value)


def test_numbers_are_finite_and_ints_have_a_ceiling_unless_they_declare_one():
    for value in ("nan", "inf", "-inf"):
        with pytest.raises(BadInput, match=rf"setting knob={float(value)!r} is not a finite number"):
            coerce(Setting(0.5), value)
    with pytest.raises(BadInput, match="setting knob=1000001 must be <= 1000000"):
        coerce(Setting(3), 1_000_001)
    with pytest.raises(BadInput, match="must be <= 10"):
        coerce(Setting(3, maximum=10), 11)
    assert coerce(Setting(3, maximum=10**7), 10**7) == 10**7
    with pytest.raises(BadInput, match="is not a valid int"):
        coerce(Setting(3), 1e400)


def test_a_file_setting_names_what_is_wrong_with_the_path(tmp_path):
    file = Setting("", path="file")
    (tmp_path / "empty").write_text("")
    (tmp_path / "ok").write_text("x")
    assert coerce(file, "") == ""  # unset
    assert coerce(file, str(tmp_path / "ok")) == str(tmp_path / "ok")
    for path, reason in [
        ("missing", "does not exist"),
        ("", "is a directory, not a file"),
        ("empty", "is an empty file"),
    ]:
        with pytest.raises(BadInput, match=reason):
            coerce(file, str(tmp_path / path))


def test_a_dir_setting_may_be_created_but_never_through_a_file(tmp_path):
    folder = Setting("", path="dir")
    (tmp_path / "file").write_text("x")
    assert coerce(folder, str(tmp_path / "new" / "deeper"))
    with pytest.raises(BadInput, match="is a file, not a directory"):
        coerce(folder, str(tmp_path / "file"))
    with pytest.raises(BadInput, match=r"cannot be created: .*file is a file"):
        coerce(folder, str(tmp_path / "file" / "below"))


def test_a_json_setting_is_inline_json_or_a_file_of_it(tmp_path):
    text = Setting("", path="json")
    (tmp_path / "good.json").write_text('{"a": [1]}')
    (tmp_path / "bad.json").write_text("{'a': 1}")
    assert coerce(text, '{"a": 1}') and coerce(text, str(tmp_path / "good.json"))
    for value in ('{"a": ', str(tmp_path / "bad.json")):
        with pytest.raises(BadInput, match="is not valid JSON"):
            coerce(text, value)


def test_an_unknown_path_kind_is_the_plugin_s_error():
    with pytest.raises(PluginError, match="Setting\\(path='url'\\)"):
        Setting("", path="url")


def test_names_are_looked_up_in_the_registry(nasbench_registry):
    component = type("C", (), {"name": "c", "settings": {"rankers": Setting("nngp", names="proxy")}})()
    assert resolve_settings([component], {"rankers": "nngp, synflow"}, nasbench_registry)["rankers"] == "nngp, synflow"
    with pytest.raises(BadInput, match="setting rankers='nngp,nope': unknown proxy 'nope'; choose one of"):
        resolve_settings([component], {"rankers": "nngp,nope"}, nasbench_registry)
    with pytest.raises(BadInput, match="setting rankers='' is empty"):
        resolve_settings([component], {"rankers": ""}, nasbench_registry)


def test_a_check_s_reason_gets_the_setting_s_name():
    def odd(value: int) -> None:
        if value % 2 == 0:
            raise BadInput("must be odd")

    with pytest.raises(BadInput, match="^setting knob=4 must be odd$"):
        coerce(Setting(3, check=odd), 4)


class _Picky:
    """A scorer whose check needs the configured space: the setting must name one of its edges."""

    name = "picky"
    needs_proxy = False
    needs_images = False
    settings = {"edge": Setting("0->1", "an edge of the space")}
    seen: list = []

    def check_settings(self, run: RunSettings) -> None:
        self.seen.append(run)
        if run.settings["edge"] not in run.space.edges:
            raise BadInput(f"setting edge={run.settings['edge']!r}: the space has edges {', '.join(run.space.edges)}")

    def score_edge(self, ctx, decisions, edge):
        return {op: 0.0 for op in ctx.space.candidate_ops(edge)}


class _PickyPlugin:
    @hookimpl
    def nasbench_register_scorers(self, register):
        register(_Picky())


def _prepare(registry, **settings):
    return prepare(
        registry,
        space="toy",
        dataset="toy",
        scorer="picky",
        strategy="independent",
        settings=settings,
        images=random_images(),
    )


def test_prepare_calls_check_settings_with_the_resolved_run(toy_plugin, register_plugin, nasbench_registry):
    register_plugin(_PickyPlugin(), name="picky")
    prepared = _prepare(nasbench_registry, edge="1->2")
    run = _Picky.seen[-1]
    assert run.settings == prepared.spec["settings"] and run.registry is nasbench_registry
    with pytest.raises(BadInput, match="setting edge='9->9': the space has edges 0->1, 0->2, 1->2"):
        _prepare(nasbench_registry, edge="9->9")


def test_run_help_shows_the_bounds(nasbench_cli):
    out = nasbench_cli(["run", "--strategy", "progressive", "--help"]).output
    assert ">= 1, <= 10000" in " ".join(out.split())


def test_a_setting_given_twice_is_an_error(nasbench_cli):
    for args in (["--batch-size", "8", "--set", "batch_size=8"], ["--set", "batch_size=8", "--set", "batch-size=9"]):
        result = nasbench_cli(["run", *args])
        assert result.exit_code == 2 and "setting batch_size is given twice" in result.output
