"""scripts/device-check is ready before a GPU arrives: its CPU dry run at tiny sizes runs every
section and writes the markdown and JSON report (so the script cannot rot between GPU loans)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import needs_data

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@needs_data
def test_the_dry_run_runs_every_section_and_writes_the_report(tmp_path):
    out = tmp_path / "dc"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "device_check.py"), "--dry-run", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.with_suffix(".json").read_text())
    sections = report["results"]
    assert set(sections) == {"proxies", "kernel", "verify", "zcpt_seed", "training", "zos_memory", "pertnas_fig5"}
    assert all(s["status"] == "ok" for s in sections.values())
    assert report["header"]["device"] == "cpu" and report["header"]["dry_run"]
    assert sections["proxies"]["values"]["max_rel_diff"] == 0.0  # CPU against CPU: the same numbers
    assert sections["verify"]["values"]["fp32"]["ok"]
    assert {r["status"] for r in sections["zcpt_seed"]["values"].values()} == {"ok"}
    assert "## zos_memory (ok" in out.with_suffix(".md").read_text()


def test_an_unknown_section_is_one_clear_line():
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "device_check.py"), "--dry-run", "--sections", "nope"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 2 and done.stderr.strip().startswith("unknown section 'nope'")
