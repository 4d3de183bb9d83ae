"""A setting declared in_key=False (e.g. where checkpoints are kept) is stored with every trial
but leaves the run key alone: changing it finds the finished seeds instead of re-running them."""

from nasbench.api import Setting, hookimpl
from nasbench.runner import prepare
from nasbench.testing import random_images


class _CacheDirScorer:
    """Scores every op alike; has a setting that cannot change a result."""

    name = "cache-dir-scorer"
    needs_proxy = False
    needs_images = False
    settings = {
        "scratch_dir": Setting("", "where scratch files go", in_key=False),
        "weight": Setting(1.0, "a setting that does change results"),
    }

    def score_edge(self, ctx, decisions, edge):
        return {op: 0.0 for op in ctx.space.candidate_ops(edge)}


class _Plugin:
    @hookimpl
    def nasbench_register_scorers(self, register):
        register(_CacheDirScorer())


def _prepared(registry, **settings):
    return prepare(
        registry,
        space="toy",
        dataset="toy",
        scorer="cache-dir-scorer",
        strategy="independent",
        settings=settings,
        images=random_images(),
    )


def test_an_unkeyed_setting_is_stored_but_keeps_the_run_key(toy_plugin, register_plugin, nasbench_registry):
    register_plugin(_Plugin(), name="cache-dir")
    a, b = _prepared(nasbench_registry, scratch_dir="/tmp/a"), _prepared(nasbench_registry, scratch_dir="/tmp/b")
    assert a.run_key == b.run_key
    assert b.spec["settings"]["scratch_dir"] == "/tmp/b"


def test_a_keyed_setting_makes_another_run(toy_plugin, register_plugin, nasbench_registry):
    register_plugin(_Plugin(), name="cache-dir")
    assert _prepared(nasbench_registry, weight=1.0).run_key != _prepared(nasbench_registry, weight=2.0).run_key


class _LaterKnobScorer(_CacheDirScorer):
    """The same scorer after a release added a knob whose default does what it did before."""

    name = "later-knob-scorer"
    settings = {
        **_CacheDirScorer.settings,
        "precision_knob": Setting("exact", "added later; its default is the old behaviour", keyed_when_changed=True),
    }


class _LaterPlugin:
    @hookimpl
    def nasbench_register_scorers(self, register):
        register(_LaterKnobScorer())


def _later(registry, **settings):
    return prepare(
        registry,
        space="toy",
        dataset="toy",
        scorer="later-knob-scorer",
        strategy="independent",
        settings=settings,
        images=random_images(),
    )


def test_a_knob_added_at_its_old_behaviour_keeps_the_keys_of_earlier_runs(
    toy_plugin, register_plugin, nasbench_registry
):
    register_plugin(_LaterPlugin(), name="later")
    after = _later(nasbench_registry, weight=2.0)
    # the scorer's name is part of the spec, so compare like with like: the key with the knob at
    # its default equals the key of the same spec without the knob
    # (every keyless default left out alike: the host's precision at fp32 is one too)
    keyless = set(after.keyless_defaults)
    without = dict(after.spec, settings={k: v for k, v in after.spec["settings"].items() if k not in keyless})
    assert after.spec["settings"]["precision_knob"] == "exact"
    assert after.run_key == type(after)(**{**vars(after), "spec": without, "keyless_defaults": {}}).run_key


def test_a_knob_added_later_changes_the_key_once_it_is_changed(toy_plugin, register_plugin, nasbench_registry):
    register_plugin(_LaterPlugin(), name="later")
    assert _later(nasbench_registry).run_key != _later(nasbench_registry, precision_knob="fast").run_key


class _NewDefaultScorer(_CacheDirScorer):
    """The same scorer after a release changed its default behaviour, keeping the old as a value."""

    name = "new-default-scorer"
    settings = {
        **_CacheDirScorer.settings,
        "semantics": Setting("new", "new default; old = what earlier runs did", keyless_value="old"),
    }


class _NewDefaultPlugin:
    @hookimpl
    def nasbench_register_scorers(self, register):
        register(_NewDefaultScorer())


def _new_default(registry, **settings):
    return prepare(
        registry,
        space="toy",
        dataset="toy",
        scorer="new-default-scorer",
        strategy="independent",
        settings=settings,
        images=random_images(),
    )


def test_a_new_default_changes_the_key_and_the_old_behaviour_keeps_the_old_key(
    toy_plugin, register_plugin, nasbench_registry
):
    register_plugin(_NewDefaultPlugin(), name="new-default")
    old = _new_default(nasbench_registry, semantics="old")
    keyless = set(old.keyless_defaults)  # the knob at "old", and the host's precision at fp32
    assert "semantics" in keyless
    without = dict(old.spec, settings={k: v for k, v in old.spec["settings"].items() if k not in keyless})
    before_the_knob = type(old)(**{**vars(old), "spec": without, "keyless_defaults": {}})
    assert old.run_key == before_the_knob.run_key
    assert _new_default(nasbench_registry).run_key != old.run_key
