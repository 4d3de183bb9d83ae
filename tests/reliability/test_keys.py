"""Checkpoint keys that cannot lie: every declared setting of every space is in the key, and a
checkpoint whose settings differ from the run's is an error naming them, never a silent reuse."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from nasbench.errors import BadInput, DataError
from nasbench.registry import Registry
from nasbench.settings import Setting, resolve_settings
from nasbench_plugins.oneshot.training import TRAINING_VERSION, checkpoint_path, load_checkpoint, train_config


def _other_value(name: str, setting: Setting, tmp_path):
    """A valid value different from the default: another choice, the other bool, default + 1,
    another string, or (for a string its check rejects, e.g. a file path) an existing file."""
    if setting.choices:
        return next(c for c in setting.choices if c != setting.default)
    if isinstance(setting.default, bool):
        return not setting.default
    if isinstance(setting.default, (int, float)):
        return setting.default + 1
    try:
        return setting.coerce(name, setting.default + "-other")
    except BadInput:
        path = tmp_path / f"{name}.file"
        path.write_bytes(b"placeholder")
        return str(path)


def _key(space, given: dict) -> str:
    settings = resolve_settings([space], given)
    return train_config(space.with_settings(settings), settings, 0, 10, "images").key


def _space_settings(faulty_pm):
    registry = Registry(faulty_pm)
    for name in registry.names("space"):
        space = registry.get("space", name)
        for setting_name, setting in (getattr(space, "settings", {}) or {}).items():
            yield name, space, setting_name, setting


def test_every_declared_setting_of_every_space_changes_the_checkpoint_key(faulty_pm, tmp_path):
    checked = []
    for name, space, setting_name, setting in _space_settings(faulty_pm):
        if not hasattr(space, "with_settings"):
            continue
        base = _key(space, {})
        changed = _key(space, {setting_name: _other_value(setting_name, setting, tmp_path)})
        assert changed != base, f"space {name}: {setting_name} is not in the checkpoint key"
        checked.append((name, setting_name))
    spaces = {n for n, _ in checked}
    assert {"nb201", "darts", "macro", "s1"} <= spaces
    assert ("darts", "darts_partial_channels") in checked


def test_the_key_has_a_format_version(faulty_pm, monkeypatch):
    space = Registry(faulty_pm).get("space", "nb201")
    before = _key(space, {})
    monkeypatch.setattr("nasbench_plugins.oneshot.config.TRAINING_VERSION", TRAINING_VERSION + 1)
    assert _key(space, {}) != before


def test_a_new_space_version_changes_the_key(faulty_pm, monkeypatch):
    space = Registry(faulty_pm).get("space", "nb201")
    before = _key(space, {})
    monkeypatch.setattr(type(space), "version", "2", raising=False)
    assert _key(space, {}) != before


def test_bf16_training_is_another_checkpoint_and_fp32_keeps_its_key(faulty_pm):
    import json

    space = Registry(faulty_pm).get("space", "nb201")
    fp32 = train_config(space, {}, 0, 10, "images")
    bf16 = train_config(space, {"precision": "bf16"}, 0, 10, "images")
    assert fp32.precision == "fp32" and bf16.key != fp32.key
    legacy = {k: v for k, v in dataclasses.asdict(fp32).items() if k not in ("precision", "data")}
    import hashlib

    payload = json.dumps({"v": TRAINING_VERSION, **legacy}, sort_keys=True)
    assert fp32.key == hashlib.sha1(payload.encode()).hexdigest()[:20]  # as before precision existed


def test_a_checkpoint_saved_before_precision_existed_loads_as_fp32(faulty_pm, tmp_path):
    config = _darts_config(faulty_pm)
    old = {k: v for k, v in dataclasses.asdict(config).items() if k not in ("precision", "data")}
    path = checkpoint_path(config, str(tmp_path))
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"format": TRAINING_VERSION, "config": old, "epoch": 2}, path)
    assert load_checkpoint(path, config, "cpu")["epoch"] == 2
    with pytest.raises(DataError, match="precision: stored 'fp32', run 'bf16'"):
        load_checkpoint(path, dataclasses.replace(config, precision="bf16"), "cpu")


def _saved(tmp_path, config, **state):
    path = checkpoint_path(config, str(tmp_path))
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"format": TRAINING_VERSION, "config": dataclasses.asdict(config), **state}, path)
    return path


def _darts_config(faulty_pm, **given):
    space = Registry(faulty_pm).get("space", "darts")
    settings = resolve_settings([space], given)
    return train_config(space.with_settings(settings), settings, 0, 10, "images")


def test_a_checkpoint_of_other_settings_is_refused_naming_them(faulty_pm, tmp_path):
    darts = _darts_config(faulty_pm)
    pc_darts = _darts_config(faulty_pm, darts_partial_channels=4)
    path = _saved(tmp_path, darts)
    path.rename(checkpoint_path(pc_darts, str(tmp_path)))  # as if the keys had collided
    with pytest.raises(DataError, match=r"darts_partial_channels: stored 1, run 4"):
        load_checkpoint(checkpoint_path(pc_darts, str(tmp_path)), pc_darts, "cpu")


def test_a_checkpoint_of_the_same_settings_loads(faulty_pm, tmp_path):
    config = _darts_config(faulty_pm)
    state = load_checkpoint(_saved(tmp_path, config, epoch=3), config, "cpu")
    assert state["epoch"] == 3


def test_a_checkpoint_of_an_older_format_is_refused(faulty_pm, tmp_path):
    config = _darts_config(faulty_pm)
    path = checkpoint_path(config, str(tmp_path))
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"config": dataclasses.asdict(config)}, path)
    with pytest.raises(DataError, match="has format None"):
        load_checkpoint(path, config, "cpu")


def test_a_truncated_checkpoint_is_refused(faulty_pm, tmp_path):
    config = _darts_config(faulty_pm)
    path = _saved(tmp_path, config)
    path.write_bytes(path.read_bytes()[:50])
    with pytest.raises(DataError, match="unreadable"):
        load_checkpoint(path, config, "cpu")


@pytest.mark.slow
def test_pc_darts_after_darts_trains_its_own_supernet(data_dir, tmp_path):
    """The issue's case: equal settings but darts_partial_channels, one cache; the second run
    loaded the first supernet's weights ("size mismatch ... copying a param")."""
    from conftest import run_nb

    tiny = ["--set", "darts_channels=4", "--set", "darts_cells=2", "--set", "train_epochs=1"]
    tiny += ["--set", "train_steps=1", "--set", "train_batch_size=8", "--set", "eval_batches=1"]
    args = ["run", "--space", "darts", "--scorer", "darts", "--strategy", "darts", *tiny]
    env = {"NASBENCH_CACHE": str(tmp_path / "cache")}
    first = run_nb(*args, "--store", tmp_path / "s.sqlite", **env)
    assert first.returncode == 0, first.stdout + first.stderr
    second = run_nb(*args, "--set", "darts_partial_channels=4", "--store", tmp_path / "s.sqlite", **env)
    assert second.returncode == 0, second.stdout + second.stderr
    assert len(list((tmp_path / "cache" / "checkpoints").glob("supernet-darts-*.pt"))) == 2
