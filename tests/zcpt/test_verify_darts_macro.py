"""``nasbench verify zc-pt`` on the committed DARTS-cell and Macro reference folders (made with the
authors' code by scripts/make_reference_zcpt.py): reproduced number by number; a folder with one
number changed fails with exit 1 and no traceback; a broken folder is one line, exit 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import needs_data

REFERENCES = Path(__file__).resolve().parents[1] / "reference"

pytestmark = [needs_data, pytest.mark.usefixtures("single_thread")]


def _copy(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    shutil.copytree(REFERENCES / name, folder)
    return folder


def _trim_darts(spec: dict) -> dict:
    """One proposal's first three steps and one validation net: enough for a tampering test."""
    spec["proposals"] = spec["proposals"][:1]
    spec["proposals"][0]["steps"] = spec["proposals"][0]["steps"][:3]
    spec["validation"]["networks"] = spec["validation"]["networks"][:1]
    spec["validation"]["choice"] = spec["validation"]["networks"][0]["genotype"]
    return spec


@pytest.mark.parametrize("name", [pytest.param("zcpt_s5", marks=pytest.mark.slow), "zcpt_macro"])
def test_the_committed_reference_is_reproduced_number_by_number(nasbench_cli, name):
    result = nasbench_cli(["verify", "zc-pt", str(REFERENCES / name)])
    assert result.exit_code == 0, result.output
    assert "OK: every score within rtol" in result.output
    assert "max rel. error" in result.output and "OVER" not in result.output


def test_a_darts_score_off_by_1e_4_relative_fails_the_check(nasbench_cli, tmp_path):
    folder = _copy(tmp_path, "zcpt_s5")
    spec = _trim_darts(json.loads((folder / "reference.json").read_text()))
    spec["proposals"][0]["steps"][1]["scores"][2] *= 1 + 1e-4
    (folder / "reference.json").write_text(json.dumps(spec))
    result = nasbench_cli(["verify", "zc-pt", str(folder)])
    assert result.exit_code == 1 and "mismatch: proposal 0 step 1" in result.output
    assert "Traceback" not in result.output


def test_a_macro_kept_op_changed_fails_the_check(nasbench_cli, tmp_path):
    folder = _copy(tmp_path, "zcpt_macro")
    spec = json.loads((folder / "reference.json").read_text())
    spec["proposals"] = spec["proposals"][:1]
    step = spec["proposals"][0]["steps"][0]
    step["chosen"] = (step["chosen"] + 1) % 3
    (folder / "reference.json").write_text(json.dumps(spec))
    result = nasbench_cli(["verify", "zc-pt", str(folder)])
    assert result.exit_code == 1 and "FAILED" in result.output and "Traceback" not in result.output


def test_a_folder_without_its_weights_is_one_line(nasbench_cli, tmp_path):
    folder = _copy(tmp_path, "zcpt_s5")
    (folder / "supernet.pt").unlink()
    result = nasbench_cli(["verify", "zc-pt", str(folder)])
    assert result.exit_code == 2 and "missing reference file" in result.output
    assert "Traceback" not in result.output
