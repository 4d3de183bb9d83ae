"""The docs' minimal external plugin, installed as a real package and run through the CLI."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import needs_data

DOC = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"


def _blocks(language: str) -> list[str]:
    """The page's code blocks in ``language`` that are whole files (a snippet has no import)."""
    blocks = re.findall(rf"```{language}\n(.*?)```", DOC.read_text(), flags=re.S)
    return [b for b in blocks if language != "python" or "import " in b]


@pytest.mark.slow
@needs_data
def test_the_documented_plugin_installs_and_runs(tmp_path):
    pkg = tmp_path / "nasbench-relative"
    pkg.mkdir()
    (pkg / "pyproject.toml").write_text(_blocks("toml")[0])
    # the page's plugin module: the first whole file that registers something (snippets come before it)
    (pkg / "nasbench_relative.py").write_text(next(b for b in _blocks("python") if "@hookimpl" in b))
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(site),
            str(pkg),
        ],
        check=True,
        timeout=300,
    )
    env = dict(os.environ, PYTHONPATH=str(site))
    listing = subprocess.run(
        [sys.executable, "-m", "nasbench", "plugins", "--json"], env=env, capture_output=True, text=True, check=True
    )
    scorers = {row["name"]: row["plugin"] for row in json.loads(listing.stdout)["components"]["scorer"]}
    assert scorers["zc-pt-relative"] == "relative"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "nasbench",
            "run",
            "--scorer",
            "zc-pt-relative",
            "--strategy",
            "independent",
            "--batch-size",
            "4",
            "--set",
            "nb201_channels=4",
            "--json",
            "--store",
            str(tmp_path / "s.sqlite"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    row = json.loads(run.stdout)
    assert row["status"] == "ok", row["failure"]
    assert row["scorer"] == "zc-pt-relative" and 1 <= row["rank"] <= 15625
