"""Committed results: trials exported as JSON lines come back into any store unchanged."""

import json

import pytest

from nasbench.store import Store
from nasbench.trial_lines import merge, read_lines, to_line, write_lines
from tests.conftest import needs_data


def _oracle_runs(nasbench_cli, store, seeds="0-1"):
    for scorer in ("best-acc", "avg-acc"):
        args = ["run", "--scorer", scorer, "--strategy", "independent", "--seeds", seeds, "--store", str(store)]
        assert nasbench_cli(args).exit_code == 0


@needs_data
def test_export_then_import_gives_back_every_field_of_every_trial(nasbench_cli, tmp_path):
    _oracle_runs(nasbench_cli, tmp_path / "a.sqlite")
    out = nasbench_cli(["results", "export", "r.jsonl", "--store", str(tmp_path / "a.sqlite")])
    assert out.exit_code == 0 and "exported 4 trials" in out.output
    assert nasbench_cli(["results", "import", "r.jsonl", "--store", "b.sqlite"]).exit_code == 0
    with Store(tmp_path / "a.sqlite") as a, Store("b.sqlite") as b:
        before = {(r["run_key"], r["seed"]): r for r in a.rows()}
        after = {(r["run_key"], r["seed"]): r for r in b.rows()}
    assert before.keys() == after.keys()
    for key, row in before.items():
        assert {k: v for k, v in row.items() if k != "id"} == {k: v for k, v in after[key].items() if k != "id"}


@needs_data
def test_the_same_trials_always_give_the_same_bytes(nasbench_cli, tmp_path):
    _oracle_runs(nasbench_cli, tmp_path / "a.sqlite")
    nasbench_cli(["results", "export", "one.jsonl", "--store", str(tmp_path / "a.sqlite")])
    nasbench_cli(["results", "import", "one.jsonl", "--store", "b.sqlite"])
    nasbench_cli(["results", "export", "two.jsonl", "--store", "b.sqlite"])
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()


@needs_data
def test_every_line_names_the_commit_and_versions_that_made_it(nasbench_cli, tmp_path):
    _oracle_runs(nasbench_cli, tmp_path / "a.sqlite", seeds="0")
    nasbench_cli(["results", "export", "r.jsonl", "--store", str(tmp_path / "a.sqlite")])
    for row in read_lines(tmp_path / "r.jsonl"):
        assert {"commit", "nasbench", "torch", "device"} <= row["protocol"].keys()
        assert row["settings"] and row["arch"] and row["run_key"]


@needs_data
def test_report_of_committed_trials_equals_report_of_the_store_that_ran_them(nasbench_cli, tmp_path):
    _oracle_runs(nasbench_cli, tmp_path / "a.sqlite")
    nasbench_cli(["results", "export", "r.jsonl", "--store", str(tmp_path / "a.sqlite")])
    from_store = nasbench_cli(["report", "--store", str(tmp_path / "a.sqlite")])
    from_file = nasbench_cli(["report", "--results", "r.jsonl"])
    assert from_file.exit_code == 0 and from_file.output == from_store.output


def _row(seed, status, arch="a"):
    return {"run_key": "k", "seed": seed, "status": status, "arch": arch, "finished_at": f"2026-01-0{seed + 1}"}


def test_a_failed_trial_never_replaces_a_finished_one():
    merged = merge([_row(0, "ok", "kept")], [_row(0, "failed", "lost"), _row(1, "failed")])
    assert [(r["seed"], r["status"], r["arch"]) for r in merged] == [(0, "ok", "kept"), (1, "failed", "a")]


def test_a_finished_trial_replaces_a_failed_one():
    merged = merge([_row(0, "failed", "old")], [_row(0, "ok", "new")])
    assert [(r["status"], r["arch"]) for r in merged] == [("ok", "new")]


def test_writing_merges_with_what_the_file_holds(tmp_path):
    path = tmp_path / "r.jsonl"
    write_lines(path, [_row(0, "ok")])
    assert write_lines(path, [_row(1, "ok")]) == 2
    assert [r["seed"] for r in read_lines(path)] == [0, 1]


@pytest.mark.parametrize(
    "line, says",
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"format": "other/9", "run_key": "k", "seed": 0, "status": "ok"}', "not a nasbench-trial/1 line"),
        (to_line({"run_key": "k", "seed": None, "status": "ok"}), "lacks seed"),
        (to_line({"run_key": "k", "seed": "0", "status": "ok"}), "seed must be an integer"),
        (to_line({"run_key": "k", "seed": 0, "status": "ok", "extra": [1]}), "extra must be a JSON object"),
    ],
)
def test_a_malformed_line_is_one_line_naming_file_and_line_and_nothing_is_imported(nasbench_cli, tmp_path, line, says):
    good = to_line({"run_key": "k", "seed": 0, "status": "ok", "arch": "x"})
    (tmp_path / "bad.jsonl").write_text(good + "\n" + line + "\n")
    result = nasbench_cli(["results", "import", "bad.jsonl", "--store", "s.sqlite"])
    assert result.exit_code == 2
    assert "bad.jsonl:2" in result.output and says in result.output and "Traceback" not in result.output
    with Store("s.sqlite") as st:
        assert st.rows() == []


def test_a_missing_results_file_is_one_line(nasbench_cli):
    result = nasbench_cli(["report", "--results", "nowhere.jsonl"])
    assert result.exit_code == 2 and "no results file nowhere.jsonl" in result.output


def test_lines_are_sorted_json_objects_one_per_trial(tmp_path):
    path = tmp_path / "r.jsonl"
    write_lines(path, [_row(1, "ok"), _row(0, "ok")])
    lines = path.read_text().splitlines()
    assert [json.loads(x)["seed"] for x in lines] == [0, 1]
    assert all(x == json.dumps(json.loads(x), sort_keys=True, ensure_ascii=False) for x in lines)
