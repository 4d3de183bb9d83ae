"""``nasbench verify darts-pt``: replay an official DARTS-PT projection number by number, or say why not.

The committed folders (tests/reference/darts_pt_*) were made by scripts/make_reference_darts_pt.py
from the official code; their images are indices into the shared CIFAR-10 batch file.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import HAVE_DATA

REFS = Path(__file__).resolve().parents[1] / "reference"
needs_data = pytest.mark.skipif(not HAVE_DATA, reason="needs the shared CIFAR-10 batch (set NASBENCH_DATA)")


def _copy(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    shutil.copytree(REFS / name, folder)
    return folder


@needs_data
def test_the_committed_nb201_projection_is_reproduced(nasbench_cli):
    result = nasbench_cli(["verify", "darts-pt", str(REFS / "darts_pt_nb201")])
    assert result.exit_code == 0, result.output
    assert re.search(r"perturbation accuracies\s+30\s+max rel\. error", result.output)
    assert re.search(r"kept ops\s+6\s+6/6 match", result.output)
    assert re.search(r"tuning epochs per step\s+5\s+5/5 match", result.output)
    assert "OK: nasbench reproduces this projection" in result.output


@needs_data
@pytest.mark.slow
def test_the_committed_s5_projection_is_reproduced_with_its_node_eliminations(nasbench_cli):
    result = nasbench_cli(["verify", "darts-pt", str(REFS / "darts_pt_s5")])
    assert result.exit_code == 0, result.output
    assert re.search(r"perturbation accuracies\s+240\s+max rel\. error", result.output)
    assert re.search(r"kept ops\s+28\s+28/28 match", result.output)
    assert re.search(r"kept node inputs\s+6\s+6/6 match", result.output)
    assert "OK: nasbench reproduces this projection" in result.output


@needs_data
def test_one_perturbation_loss_off_by_1e_3_fails_with_a_table_not_a_traceback(tmp_path, nasbench_cli):
    folder = _copy(tmp_path, "darts_pt_nb201")
    spec = json.loads((folder / "reference.json").read_text())
    spec["steps"][3]["actions"][0]["op"]["values"][2][1] += 1e-3
    (folder / "reference.json").write_text(json.dumps(spec))
    result = nasbench_cli(["verify", "darts-pt", str(folder)])
    assert result.exit_code == 1, result.output
    assert re.search(r"perturbation losses\s+30\s+max rel\. error", result.output) and "(OVER 1e-05)" in result.output
    assert "FAILED" in result.output and "Traceback" not in result.output


@needs_data
@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("no-folder", "reference folder .* does not exist"),
        ("no-json", "missing reference file .*reference.json"),
        ("bad-json", "reference.json is not valid JSON"),
        ("no-steps", "'steps' is missing or not a list"),
        ("bad-space", "space 'darts'; verify darts-pt reads nb201 or s5 folders"),
        ("no-batches", "missing reference file .*batches.pt"),
    ],
)
def test_a_broken_folder_is_one_line_and_exit_2(tmp_path, nasbench_cli, damage, message):
    folder = tmp_path / "ref"
    if damage != "no-folder":
        shutil.copytree(REFS / "darts_pt_nb201", folder)
        spec = json.loads((folder / "reference.json").read_text())
        if damage == "no-json":
            (folder / "reference.json").unlink()
        elif damage == "bad-json":
            (folder / "reference.json").write_text("{")
        elif damage == "no-batches":
            (folder / "batches.pt").unlink()
        else:
            spec.pop("steps") if damage == "no-steps" else spec.update(space="darts")
            (folder / "reference.json").write_text(json.dumps(spec))
    result = nasbench_cli(["verify", "darts-pt", str(folder)])
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) <= 2
    assert re.search(message, result.output), result.output
