"""Every command, fed bad input (the corpus in ``bad_inputs.py``): one error line on stderr,
exit code 2, no traceback, no network wait, and the healthy store beside it untouched."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import time
from pathlib import Path

import pytest
from bad_inputs import CASES

from conftest import run_nb
from nasbench.errors import EXIT_USAGE
from nasbench.hookspecs import hookimpl

GOOD_SUITE = """
[suite]
name = "s"
seeds = "{seeds}"
[defaults]
space = "toy"
dataset = "toy"
strategy = "independent"
[[cells]]
name = "c"
scorer = "{scorer}"
settings = {settings}
checks = [{{ metric = "{metric}", paper = 1, tolerance = 0, quick = {quick} }}]
"""


def _suite(path: Path, seeds="0", scorer="best-acc", settings="{}", metric="rank", quick="true") -> str:
    path.write_text(GOOD_SUITE.format(seeds=seeds, scorer=scorer, settings=settings, metric=metric, quick=quick))
    return str(path)


class TrialRecorder:
    """Records every run start and trial result: a bad-input case must run no trial."""

    def __init__(self):
        self.events = []

    @hookimpl
    def nasbench_run_start(self, spec, seeds):
        self.events.append(("start", tuple(seeds)))

    @hookimpl
    def nasbench_trial_result(self, result):
        self.events.append(("trial", result.seed))


def _weights_files(root: Path) -> dict[str, str]:
    """State_dicts an NB201 run must refuse: other keys, and a supernet of another size (C=4, N=1)."""
    import torch

    from nasbench_plugins.nb201.network import NB201Supernet

    other, small = root / "other-keys.pt", root / "small-net.pt"
    torch.save({"encoder.weight": torch.zeros(3, 3)}, other)
    torch.save(NB201Supernet(10, 4, 1, "skip", False).state_dict(), small)
    return {"other_keys": str(other), "small_net": str(small)}


def _dead_port() -> int:
    """A TCP port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A healthy store with finished trials, and the bad files the corpus points at."""
    from click.testing import CliRunner
    from faulty_plugins import register_all

    from nasbench.cli import make_cli
    from nasbench.plugins import get_plugin_manager

    root = tmp_path_factory.mktemp("corpus")
    pm = get_plugin_manager()
    register_all(pm)
    recorder = TrialRecorder()
    pm.register(recorder, name="trial-recorder")
    store = root / "good.sqlite"
    toy = ["run", "--space", "toy", "--dataset", "toy", "--scorer", "best-acc", "--strategy", "independent"]
    assert CliRunner().invoke(make_cli(pm), [*toy, "--seeds", "0-1", "--store", str(store)]).exit_code == 0
    (root / "a-directory").mkdir()
    (root / "not-sqlite.txt").write_text("this is not a database\n" * 50)
    (root / "empty.txt").write_text("")
    future = root / "future.sqlite"
    with sqlite3.connect(future) as conn:
        conn.execute("CREATE TABLE trials (id INTEGER)")
        conn.execute("PRAGMA user_version=99")
    foreign = root / "foreign.sqlite"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE trials (name TEXT)")
    (root / "bad-archs.txt").write_text("|nor_conv_3x3~0|+|garbage\n")
    (root / "bad-op-archs.txt").write_text("|conv_9x9~0|+|none~0|none~1|+|none~0|none~1|none~2|\n")
    (root / "malformed.toml").write_text("[suite\nname = 's'\n")
    (root / "no-cells.toml").write_text('[suite]\nname = "s"\n')
    (root / "darts-mask.json").write_text(json.dumps({"kept": {"normal:0->2": ["sep_conv_3x3"]}}))
    names = {
        "store": str(store),
        "directory": str(root / "a-directory"),
        "not_sqlite": str(root / "not-sqlite.txt"),
        "empty": str(root / "empty.txt"),
        "future": str(future),
        "foreign": str(foreign),
        "missing": str(root / "missing" / "nothing.here"),
        "bad_archs": str(root / "bad-archs.txt"),
        "bad_op_archs": str(root / "bad-op-archs.txt"),
        "suite_malformed": str(root / "malformed.toml"),
        "suite_no_cells": str(root / "no-cells.toml"),
        "suite_ok": _suite(root / "ok.toml"),
        "suite_bad_metric": _suite(root / "bad-metric.toml", metric="accuracy_of_vibes"),
        "suite_bad_scorer": _suite(root / "bad-scorer.toml", scorer="oracle-of-delphi"),
        "suite_bad_seeds": _suite(root / "bad-seeds.toml", seeds="5-2"),
        "suite_bad_setting": _suite(root / "bad-setting.toml", settings="{ colour = 'red' }"),
        "suite_unchecked": _suite(root / "unchecked.toml", quick="false").replace("unchecked", "unchecked"),
        "suite_huge": _suite(root / "huge.toml", settings="{ batch_size = 99999999999 }"),
        "darts_mask": str(root / "darts-mask.json"),
        "dead_port": str(_dead_port()),
        **_weights_files(root),
    }
    recorder.events.clear()
    return root, names, pm, recorder


def _damaged_data(root: Path, damage: str, source: Path) -> Path:
    """A copy of the data dir (symlinks) where the file named in ``damage`` is broken."""
    kind, rel = damage.split(":", 1)
    target = root / f"data-{kind}-{rel.replace('/', '_')}"
    if target.exists():
        return target
    target.mkdir()
    for entry in source.iterdir():
        (target / entry.name).symlink_to(entry)
    parts = Path(rel).parts
    if len(parts) == 2:  # a file inside a folder: make the folder real, its files links
        (target / parts[0]).unlink()
        (target / parts[0]).mkdir()
        for entry in (source / parts[0]).iterdir():
            (target / parts[0] / entry.name).symlink_to(entry)
    broken = target / rel
    original = (source / rel).read_bytes()
    broken.unlink()
    if kind == "truncate":
        broken.write_bytes(original[: len(original) // 3])
    elif kind == "empty":
        broken.write_bytes(b"")
    elif kind == "columns":
        lines = original.decode().splitlines()
        broken.write_text("\n".join(["acc,arch"] + [",".join(line.split(",")[:2]) for line in lines[1:]]) + "\n")
    elif kind == "garbage":
        broken.write_bytes(b"\x00not an onnx model\xff" * 100)
    # "remove": the file is simply gone
    return target


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_corpus_is_large_and_covers_every_command():
    commands = {args[0] for _, args, _, _ in CASES}
    assert len(CASES) >= 130
    assert commands >= {"run", "report", "edges", "report-proxies", "correlate", "suite", "data"}
    assert len({case_id for case_id, *_ in CASES}) == len(CASES)


@pytest.mark.parametrize("case_id, args, expected, damage", CASES, ids=[c[0] for c in CASES])
def test_bad_input_corpus(workspace, case_id, args, expected, damage, data_dir, tmp_path):
    from click.testing import CliRunner

    from nasbench.cli import make_cli

    root, names, pm, recorder = workspace
    recorder.events.clear()
    store = Path(names["store"])
    before = _digest(store)
    env = {"NASBENCH_OFFLINE": "1", "NASBENCH_CACHE": str(tmp_path / "cache")}
    if damage:
        env["NASBENCH_DATA"] = str(_damaged_data(root, damage, data_dir))
    argv = [a.format(**names) for a in args]
    start = time.monotonic()
    if damage:  # a fresh process, as a user's: benchmarks keep loaded data for the process's life
        proc = run_nb(*argv, timeout=120, **env)
        code, stderr, output = proc.returncode, proc.stderr, proc.stdout + proc.stderr
    else:
        result = CliRunner().invoke(make_cli(pm), argv, env=env)
        code, stderr, output = result.exit_code, result.stderr, result.output + repr(result.exception)
    seconds = time.monotonic() - start

    lines = [line for line in stderr.splitlines() if line.strip()]
    assert code == EXIT_USAGE, f"{case_id}: exit {code}\n{output}"
    assert len(lines) == 1, f"{case_id}: stderr is not one line:\n{stderr}"
    assert lines[0].startswith("Error: ")
    assert expected in lines[0], f"{case_id}: {lines[0]!r} does not mention {expected!r}"
    assert "Traceback" not in output
    assert seconds < 60, f"{case_id} took {seconds:.0f} s (a network wait?)"
    assert _digest(store) == before, f"{case_id} changed the healthy store"
    assert not Path(str(store) + "-wal").exists() or os.path.getsize(str(store) + "-wal") == 0
    assert recorder.events == [], f"{case_id} started a run: {recorder.events}"
