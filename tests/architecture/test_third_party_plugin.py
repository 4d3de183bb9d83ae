"""A plugin package from outside this repository (tests/thirdparty, installed with pip into a
folder on PYTHONPATH, as a user's would be) adds a space, a benchmark, a scorer with a setting
and a run option, a data file and a report column through nasbench.api alone, and the real
`nasbench` CLI picks every one of them up (nasbench_register_spaces, nasbench_register_scorers,
nasbench_register_data_files, nasbench_register_report_columns)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "thirdparty"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The toy package pip-installed (offline, no deps) into its own folder."""
    target = tmp_path_factory.mktemp("site")
    cmd = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index"]
    subprocess.run([*cmd, "--target", str(target), str(PACKAGE)], check=True, capture_output=True, timeout=300)
    return target


def _nasbench(site: Path, *args: str, data: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(site), "NASBENCH_OFFLINE": "1"}
    if data is not None:
        env["NASBENCH_DATA"] = str(data)
    code = "from nasbench.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=300, cwd=site.parent
    )


def test_the_package_imports_nothing_from_nasbench_but_the_api():
    imported = set()
    for path in (PACKAGE / "nasbench_toy").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("nasbench"):
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported |= {a.name for a in node.names if a.name.startswith("nasbench")}
    assert imported == {"nasbench.api"}


def test_its_components_are_listed_as_the_plugin_toy(site):
    result = _nasbench(site, "plugins", "--json")
    assert result.returncode == 0, result.stderr
    components = json.loads(result.stdout)["components"]
    assert {"name": "toy", "plugin": "toy", "summary": "Toy: two edges, ops a and b."} in components["space"]
    assert any(row["name"] == "toy-scorer" and row["plugin"] == "toy" for row in components["scorer"])


def test_its_setting_is_a_run_option_shown_for_its_scorer(site):
    general = _nasbench(site, "run", "--help")
    assert "--toy-bonus" in general.stdout and "scorer toy-scorer" in general.stdout
    selected = _nasbench(site, "run", "--space", "toy", "--scorer", "toy-scorer", "--strategy", "independent", "--help")
    assert "--toy-bonus" in selected.stdout and "toy_bonus" in selected.stdout
    other = _nasbench(site, "run", "--space", "nb201", "--strategy", "random", "--help")
    assert "--toy-bonus" not in other.stdout


def test_its_data_file_is_listed_and_read_from_the_data_dir(site, tmp_path):
    (tmp_path / "toy").mkdir()
    (tmp_path / "toy" / "table.csv").write_text("arch,accuracy\na|a,50\na|b,60\nb|a,70\nb|b,90\n")
    listed = _nasbench(site, "data", "files", data=tmp_path)
    assert any(line.startswith("toy_table") and "found at" in line for line in listed.stdout.splitlines())
    store = tmp_path / "s.sqlite"
    args = ["run", "--space", "toy", "--scorer", "toy-scorer", "--strategy", "independent", "--store", str(store)]
    result = _nasbench(site, *args, "--toy-bonus", "2", "--dataset", "toydata", "--json", data=tmp_path)
    assert result.returncode == 0, result.stderr
    row = json.loads(result.stdout.splitlines()[-1])
    assert row["arch"] == "b|b" and row["settings"]["toy_bonus"] == 2.0


def test_its_report_column_holds_the_scorers_trial_info(site, tmp_path):
    (tmp_path / "toy").mkdir()
    (tmp_path / "toy" / "table.csv").write_text("arch,accuracy\na|a,50\na|b,60\nb|a,70\nb|b,90\n")
    store = tmp_path / "s.sqlite"
    args = ["run", "--space", "toy", "--scorer", "toy-scorer", "--strategy", "independent", "--dataset", "toydata"]
    assert _nasbench(site, *args, "--store", str(store), "--seeds", "0-1", data=tmp_path).returncode == 0
    report = _nasbench(site, "report", "--store", str(store), "--format", "csv", data=tmp_path)
    header, row = report.stdout.splitlines()[:2]
    assert "toy edges" in header.split(",")
    assert row.split(",")[header.split(",").index("toy edges")] == "2"


def test_a_missing_data_file_is_one_line_saying_where_to_put_it(site, tmp_path):
    args = ["run", "--space", "toy", "--scorer", "toy-scorer", "--strategy", "independent", "--dataset", "toydata"]
    result = _nasbench(site, *args, "--store", str(tmp_path / "s.sqlite"), data=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"Error: missing data file toy/table.csv: download https://example.org/toy/table.csv and put it at "
        f"{tmp_path / 'toy' / 'table.csv'}"
    ]
