"""``nasbench verify zc-pt``: recompute a folder of official Zero-Cost-PT numbers, or say why not."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from tests.conftest import DATA, HAVE_DATA

REFERENCE = DATA / "reference" / "zcpt_official_nb201" if DATA is not None else None
needs_reference = pytest.mark.skipif(
    not HAVE_DATA or REFERENCE is None or not (REFERENCE / "reference.json").is_file(),
    reason="needs shared/data/reference/zcpt_official_nb201 (set NASBENCH_DATA)",
)


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "ref"
    shutil.copytree(REFERENCE, folder)
    for f in folder.iterdir():
        f.chmod(0o644)
    return folder


@needs_reference
@pytest.mark.slow
def test_the_shared_reference_is_reproduced_number_by_number():
    proc = subprocess.run(
        [sys.executable, "-m", "nasbench", "verify", "zc-pt", str(REFERENCE)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "proposal scores S(A-(e,o))         60  max rel. error" in proc.stdout
    assert "kept ops (nanargmin)               12  12/12 match" in proc.stdout
    assert "proposed archs                      2  2/2 match" in proc.stdout
    assert "OK: every score within rtol" in proc.stdout


@needs_reference
@pytest.mark.slow
def test_a_reference_score_off_by_1e_4_relative_fails_the_check(tmp_path, nasbench_cli):
    folder = _copy(tmp_path)
    spec = json.loads((folder / "reference.json").read_text())
    spec["validation"][0]["scores"][1] *= 1 + 1e-4
    spec["validation"][0]["total"] = sum(spec["validation"][0]["scores"])
    spec["proposals"] = spec["proposals"][:1]
    spec["proposals"][0]["steps"] = spec["proposals"][0]["steps"][:1]
    spec["proposals"][0]["arch"] = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"
    (folder / "reference.json").write_text(json.dumps(spec))
    result = nasbench_cli(["verify", "zc-pt", str(folder)])
    assert result.exit_code == 1, result.output
    assert "validation scores                   6  max rel. error 1.00e-04 (OVER 1e-05)" in result.output
    assert "mismatch: net 0 batch 1" in result.output and "FAILED" in result.output


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("no-folder", "reference folder .* does not exist"),
        ("no-json", "missing reference file .*reference.json"),
        ("bad-json", "reference.json is not valid JSON"),
        ("no-proposals", "'proposals' is missing or not a list"),
        ("no-weights", "missing reference file .*supernet.pt"),
        ("not-weights", "supernet.pt is not a readable torch state_dict"),
        ("wrong-shape", r"official state_dict does not fit this NB201 supernet: .* has shape \(8, 3, 3, 3\)"),
    ],
)
@needs_reference
def test_a_broken_reference_folder_is_one_line_and_exit_2(tmp_path, nasbench_cli, damage, message):
    folder = _copy(tmp_path) if damage != "no-folder" else tmp_path / "nowhere"
    if damage == "no-json":
        (folder / "reference.json").unlink()
    elif damage == "bad-json":
        (folder / "reference.json").write_text("{not json")
    elif damage == "no-proposals":
        spec = json.loads((folder / "reference.json").read_text())
        del spec["proposals"]
        (folder / "reference.json").write_text(json.dumps(spec))
    elif damage == "no-weights":
        (folder / "supernet.pt").unlink()
    elif damage == "not-weights":
        (folder / "supernet.pt").write_bytes(b"garbage")
    elif damage == "wrong-shape":
        state = torch.load(folder / "supernet.pt", weights_only=True)
        state["stem.0.weight"] = torch.zeros(8, 3, 3, 3)
        torch.save(state, folder / "supernet.pt")
    result = nasbench_cli(["verify", "zc-pt", str(folder)])
    assert result.exit_code == 2, result.output
    error = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(error) == 1 and "Traceback" not in result.output
    assert re.search(message, error[0]), error[0]
