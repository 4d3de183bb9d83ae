"""``--journal DIR``: a seed stopped part-way continues from its proxy values, and ends with the
row an uninterrupted run stores (nasbench.journal)."""

from __future__ import annotations

import json
import signal
import subprocess
import time

import pytest

from conftest import nb_command, nb_env
from nasbench import runner
from nasbench.hookspecs import hookimpl
from nasbench.journal import journal_path
from nasbench.plugins import get_plugin_manager
from nasbench.registry import Registry
from nasbench.store import Store
from nasbench.testing import ToyPlugin, random_images

#: what may differ between two runs of the same spec: time, memory, where and when it ran
VARIES = {"id", "search_seconds", "peak_memory_bytes", "finished_at", "protocol"}


class StopsOnce:
    """grad_norm, but the call ``stop_at`` raises once (a session ending mid-seed); counts calls."""

    name = "stops-once"
    needs_labels = True
    settings: dict = {}

    def __init__(self, real) -> None:
        self.real, self.calls, self.stop_at = real, 0, None

    def score(self, net, inputs, targets, generator):
        self.calls += 1
        if self.calls == self.stop_at:
            self.stop_at = None
            raise RuntimeError("session ended")
        return self.real.score(net, inputs, targets, generator)


@pytest.fixture
def proxy():
    pm = get_plugin_manager()
    proxy = StopsOnce(Registry(pm).get("proxy", "grad_norm"))

    class Plugin:
        @hookimpl
        def nasbench_register_proxies(self, register):
            register(proxy)

    pm.register(ToyPlugin(), name="toy")
    pm.register(Plugin(), name="stops-once")
    proxy.registry = Registry(pm)
    return proxy


def _prepared(proxy, journal: str = ""):
    prepared = runner.prepare(
        proxy.registry,
        space="toy",
        dataset="toy",
        scorer="zc-pt",
        proxy="stops-once",
        strategy="progressive",
        settings={"proposals": 2, "validation": 3, "batch_size": 4},
        images=random_images(n=32),
    )
    prepared.journal_dir = journal
    return prepared


def _run(prepared, store, force: bool = False):
    with Store(store) as st:
        results = runner.run(prepared, [0], st, force=force)
        rows = st.rows("status='ok'")
    return results[0], rows


def _same_row(a: dict, b: dict) -> None:
    """Equal but for time, memory (also in ``extra``) and the run's place."""

    def comparable(row: dict) -> dict:
        extra = {k: v for k, v in row["extra"].items() if k != "memory"}
        return {k: v for k, v in row.items() if k not in VARIES} | {"extra": extra}

    assert comparable(a) == comparable(b)


def _without_resumed(row: dict) -> dict:
    extra = dict(row["extra"])
    extra.pop("resumed", None)
    return dict(row, extra=extra)


def test_a_seed_stopped_part_way_ends_with_the_row_of_an_uninterrupted_run(proxy, tmp_path):
    _result, (clean,) = _run(_prepared(proxy), tmp_path / "clean.sqlite")
    total = proxy.calls
    prepared = _prepared(proxy, "j")
    proxy.calls, proxy.stop_at = 0, 20
    stopped, _ = _run(prepared, tmp_path / "s.sqlite")
    assert stopped.status == "failed" and journal_path("j", prepared.run_key, 0).exists()
    proxy.calls = 0
    resumed, (row,) = _run(prepared, tmp_path / "s.sqlite")
    assert resumed.status == "ok"
    assert proxy.calls == total - 18  # 18 values replayed; the 19th recomputed as the check
    assert row["extra"]["resumed"]["values_from_journal"] == 19
    assert row["extra"]["resumed"]["sessions_before"] == 1
    _same_row(_without_resumed(row), _without_resumed(clean))


def test_the_journal_is_deleted_once_the_trial_is_stored(proxy, tmp_path):
    prepared = _prepared(proxy, "j")
    _run(prepared, tmp_path / "s.sqlite")
    assert not journal_path("j", prepared.run_key, 0).exists()


def test_a_journal_that_disagrees_with_the_search_is_discarded_and_the_seed_runs_afresh(proxy, tmp_path, capfd):
    _result, (clean,) = _run(_prepared(proxy), tmp_path / "clean.sqlite")
    prepared = _prepared(proxy, "j")
    proxy.stop_at = proxy.calls + 10
    _run(prepared, tmp_path / "s.sqlite")
    path = journal_path("j", prepared.run_key, 0)
    lines = path.read_text().splitlines()
    last = json.loads(lines[-1])
    lines[-1] = json.dumps(dict(last, v=last["v"] + 1.0))  # the value the resume recomputes
    path.write_text("\n".join(lines) + "\n")
    result, (row,) = _run(prepared, tmp_path / "s.sqlite")
    assert result.status == "ok"
    assert "starting the seed afresh" in capfd.readouterr().err
    assert "resumed" not in row["extra"]
    _same_row(row, clean)


def test_a_line_cut_short_by_a_kill_is_dropped_and_the_values_before_it_stand(proxy, tmp_path):
    _result, (clean,) = _run(_prepared(proxy), tmp_path / "clean.sqlite")
    prepared = _prepared(proxy, "j")
    proxy.stop_at = proxy.calls + 10
    _run(prepared, tmp_path / "s.sqlite")
    path = journal_path("j", prepared.run_key, 0)
    path.write_text(path.read_text() + '{"v": 1.2')
    _result, (row,) = _run(prepared, tmp_path / "s.sqlite")
    assert row["extra"]["resumed"]["values_from_journal"] == 9
    _same_row(_without_resumed(row), _without_resumed(clean))


def test_a_journal_of_another_run_is_never_replayed(proxy, tmp_path):
    prepared = _prepared(proxy, "j")
    path = journal_path("j", prepared.run_key, 0)
    path.parent.mkdir()
    header = {"journal": 1, "run_key": "another", "seed": 0, "from_value": 0}
    path.write_text(json.dumps(header) + "\n" + '{"v": 5.0, "passes": [1, 1, 0], "s": 1.0}\n' * 50)
    _result, (row,) = _run(prepared, tmp_path / "s.sqlite")
    assert "resumed" not in row["extra"]


def test_force_runs_the_seed_from_scratch_not_from_its_journal(proxy, tmp_path):
    prepared = _prepared(proxy, "j")
    proxy.stop_at = 10
    _run(prepared, tmp_path / "s.sqlite")
    _result, (row,) = _run(prepared, tmp_path / "s.sqlite", force=True)
    assert "resumed" not in row["extra"]


def test_a_killed_nb201_zc_pt_seed_continues_from_its_journal_as_a_subprocess(data_dir, tmp_path):
    """The real case: the process is killed (SIGKILL) mid-seed; the next run replays and ends
    with the clean run's row (zc-pt's official NB201 path, snip, tiny supernet)."""
    args = ["run", "--scorer", "zc-pt", "--proxy", "snip", "-N", "2", "-V", "3", "--batch-size", "8"]
    args += ["--set", "nb201_channels=8", "--set", "nb201_cells=1", "--seeds", "0"]
    env = nb_env(NASBENCH_DATA=str(data_dir))
    done = subprocess.run(nb_command(*args, "--store", "clean.sqlite"), capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    killed = subprocess.Popen(nb_command(*args, "--store", "s.sqlite", "--journal", "j"), env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any(len(p.read_text().splitlines()) > 12 for p in tmp_path.glob("j/*")):
        time.sleep(0.05)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    assert any(tmp_path.glob("j/*.jsonl")), "the journal was not written before the kill"
    done = subprocess.run(
        nb_command(*args, "--store", "s.sqlite", "--journal", "j"), capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    assert "resuming from j/" in done.stderr
    with Store(tmp_path / "clean.sqlite") as a, Store(tmp_path / "s.sqlite") as b:
        (clean,), (row,) = a.rows("status='ok'"), b.rows("status='ok'")
    _same_row(_without_resumed(row), _without_resumed(clean))
    assert not any(tmp_path.glob("j/*.jsonl"))
