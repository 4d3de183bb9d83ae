"""A long trial says where it is: phase, done/total, ETA and the phase's fields, as a bar on a
terminal and, when asked, as JSON lines on stderr (``--progress-json`` or NASBENCH_PROGRESS=json)."""

import json

import pytest

from nasbench import progress
from nasbench.progress import Progress
from tests.conftest import needs_data


def _events(err: str) -> list[dict]:
    return [json.loads(line) for line in err.splitlines() if line.startswith("{")]


def test_a_phase_sends_start_progress_and_end_with_an_eta(monkeypatch, capsys):
    now = [0.0]
    monkeypatch.setattr(progress.time, "monotonic", lambda: now[0])
    bar = Progress(4, "proposals", bar=False, events=True, seed=3)
    now[0] = 10.0
    bar.update(1, proposal="1/2", edge="1/2")
    now[0] = 20.0
    bar.update(1, proposal="1/2", edge="2/2")
    bar.close()
    start, first, second, end = _events(capsys.readouterr().err)
    assert (start["event"], first["event"], end["event"]) == ("start", "progress", "end")
    assert first == {
        "event": "progress",
        "seed": 3,
        "phase": "proposals",
        "done": 1,
        "total": 4,
        "elapsed_s": 10.0,
        "eta_s": 30.0,
        "proposal": "1/2",
        "edge": "1/2",
    }
    assert second["edge"] == "2/2" and second["eta_s"] == 20.0


def test_without_events_or_a_terminal_a_phase_prints_nothing(capsys):
    with Progress(3, "validation", bar=False, events=False) as bar:
        bar.update(3, batch="3/3")
    assert capsys.readouterr().err == ""


def test_events_come_at_most_once_a_second_but_the_last_one_always(monkeypatch, capsys):
    monkeypatch.setattr(progress.time, "monotonic", lambda: 5.0)
    with Progress(100, "training", bar=False, events=True) as bar:
        for _ in range(100):
            bar.update(1)
    kinds = [e["event"] for e in _events(capsys.readouterr().err)]
    assert kinds == ["start", "progress", "end"]


@needs_data
def test_run_progress_json_shows_each_edge_decision_of_each_proposal(nasbench_cli, tmp_path, monkeypatch):
    monkeypatch.setattr(progress, "INTERVAL_S", 0.0)
    result = nasbench_cli(
        ["run", "--scorer", "best-acc", "-N", "2", "--json", "--progress-json", "--store", str(tmp_path / "s.sqlite")]
    )
    assert result.exit_code == 0, result.output
    events = [e for e in _events(result.stderr) if e["event"] == "progress"]
    assert [e["edge"] for e in events] == [f"{k}/6" for k in range(1, 7)] * 3
    assert [e["proposal"] for e in events[::6]] == ["initial", "1/2", "2/2"]
    assert events[-1]["done"] == events[-1]["total"] == 18
    assert json.loads(result.stdout.splitlines()[-1])["status"] == "ok"  # stdout keeps the result lines only


@pytest.mark.parametrize("value", ["json", "JSON "])
def test_the_environment_variable_turns_the_events_on(monkeypatch, value):
    monkeypatch.setenv(progress.ENV, value)
    assert progress.json_events_from_env()
