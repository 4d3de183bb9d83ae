"""The command line, through click's runner and as a real subprocess."""

import json
import os
import subprocess
import sys

import click
import pytest

from nasbench.hookspecs import hookimpl
from tests.conftest import needs_data

REQUIRED_KEYS = {
    "space",
    "benchmark",
    "dataset",
    "scorer",
    "proxy",
    "strategy",
    "seed",
    "arch",
    "test_accuracy",
    "test_error",
    "rank",
    "num_archs",
    "edge_spearman_initial",
    "edge_spearman_progressive",
    "search_seconds",
    "peak_memory_bytes",
    "memory_device",
    "forward_passes",
    "status",
    "failure",
}


@needs_data
def test_run_json_prints_one_object_per_trial_with_every_key(nasbench_cli, tmp_path):
    result = nasbench_cli(
        [
            "run",
            "--scorer",
            "best-acc",
            "--strategy",
            "independent",
            "--seeds",
            "0-1",
            "--store",
            str(tmp_path / "s.sqlite"),
            "--json",
        ]
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["seed"] for line in lines] == [0, 1]
    assert REQUIRED_KEYS <= set(lines[0])
    assert lines[0]["rank"] == 1 and lines[0]["test_error"] == pytest.approx(5.6267, abs=1e-3)


@needs_data
def test_report_shows_every_run_as_one_table(nasbench_cli, tmp_path):
    store = str(tmp_path / "s.sqlite")
    for scorer in ("best-acc", "avg-acc"):
        assert nasbench_cli(["run", "--scorer", scorer, "--strategy", "independent", "--store", store]).exit_code == 0
    for fmt, marker in (("markdown", "| best-acc"), ("csv", "avg-acc,"), ("latex", r"\begin{tabular}")):
        out = nasbench_cli(["report", "--store", store, "--format", fmt]).output
        assert marker in out
    table = nasbench_cli(["report", "--store", store]).output.splitlines()
    assert len(table) == 4  # header, rule, two runs
    assert "6.24" in table[3] and "167" in table[3]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--scorer", "nope"], "unknown scorer 'nope'; choose one of:"),
        (["run", "--scorer", "best-acc", "--seeds", "3-1"], "bad --seeds '3-1'"),
        (["run", "--scorer", "best-acc", "--space", "nb202"], "unknown space 'nb202'"),
        (["run", "--scorer", "best-acc", "--set", "proposals"], "bad --set 'proposals'"),
        (["run", "--scorer", "best-acc", "--proposals", "-1"], "proposals=-1 must be >= 1"),
        (["run", "--scorer", "best-acc", "--device", "tpu"], "--device"),
        (["report", "--store", "missing.sqlite"], "no results store at missing.sqlite"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(nasbench_cli, args, message):
    result = nasbench_cli(args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_an_explicit_data_dir_serves_every_lookup_of_the_command(nasbench_cli, data_dir, monkeypatch):
    """Before issue 28 only the images used --data-dir: with it alone the NB201 table was "missing"."""
    monkeypatch.delenv("NASBENCH_DATA")
    args = ["run", "--scorer", "best-acc", "--strategy", "independent", "--store", "s.sqlite", "--data-dir", data_dir]
    result = nasbench_cli([str(a) for a in args])
    assert result.exit_code == 0, result.output
    assert "NASBENCH_DATA" not in os.environ  # the command's look-up path ends with the command


def test_missing_data_names_the_file_and_where_to_put_it(nasbench_cli, tmp_path, monkeypatch):
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("NASBENCH_DATA", str(tmp_path / "empty"))
    result = nasbench_cli(["run", "--scorer", "best-acc", "--strategy", "independent", "--store", "s.sqlite"])
    assert result.exit_code == 2
    assert "missing data file nb201_test_acc.csv: download https://raw.githubusercontent.com/" in result.output
    assert str(tmp_path / "empty" / "nb201_test_acc.csv") in result.output


def test_corrupt_data_is_reported_not_raised(nasbench_cli, tmp_path, monkeypatch):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "nb201_test_acc.csv").write_text("not,a,table\n")
    monkeypatch.setenv("NASBENCH_DATA", str(tmp_path / "bad"))
    result = nasbench_cli(["run", "--scorer", "best-acc", "--strategy", "independent", "--store", "s.sqlite"])
    assert result.exit_code == 2
    assert "is corrupt or not nb201_test_acc" in result.output


def test_plugins_json_lists_components_and_their_plugins(nasbench_cli):
    info = json.loads(nasbench_cli(["plugins", "--json"]).output)
    scorers = {row["name"]: row["plugin"] for row in info["components"]["scorer"]}
    assert scorers["zc-pt"] == "scorer-zc-pt"
    assert any(p["name"] == "space-nb201" and p["distribution"] == "nasbench" for p in info["plugins"])


class HelloCommand:
    @hookimpl
    def nasbench_register_commands(self, cli):
        @cli.command()
        def hello():
            """Say hello."""
            click.echo("hello from a plugin")


def test_plugins_add_commands(register_plugin, nasbench_cli):
    register_plugin(HelloCommand(), name="hello")
    assert nasbench_cli(["hello"]).output == "hello from a plugin\n"


@needs_data
def test_the_installed_console_script_runs_as_a_subprocess(tmp_path):
    env = dict(os.environ)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "nasbench",
            "run",
            "--scorer",
            "avg-acc",
            "--strategy",
            "independent",
            "--json",
            "--store",
            str(tmp_path / "s.sqlite"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["rank"] == 167
    bad = subprocess.run(
        [sys.executable, "-m", "nasbench", "run", "--scorer", "nope"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert bad.returncode == 2
    assert bad.stderr.strip().startswith("Error: unknown scorer 'nope'")
    assert "Traceback" not in bad.stderr
