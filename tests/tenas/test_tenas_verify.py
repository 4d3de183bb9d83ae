"""``nasbench verify tenas``: recompute the committed folder of official TE-NAS numbers, or say why not."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from tests.conftest import DATA

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "tenas_nb201"
needs_images = pytest.mark.skipif(
    DATA is None or not (DATA / "cifar-10-batches-bin" / "data_batch_1.bin").is_file(),
    reason="needs the CIFAR-10 subset of the shared data dir (set NASBENCH_DATA)",
)


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "ref"
    shutil.copytree(REFERENCE, folder)
    return folder


def _spec(folder: Path) -> dict:
    return json.loads((folder / "reference.json").read_text())


def _last_round_only(folder: Path) -> dict:
    """The folder cut to its last ranking (12 candidates): the same checks, a quarter of the work."""
    spec = _spec(folder)
    start = spec["rounds"][-2]["after_call"]
    spec["calls"] = spec["calls"][start:]
    spec["rounds"] = [dict(spec["rounds"][-1], after_call=len(spec["calls"]))]
    spec["arch"] = ""  # the cut folder does not start from the full supernet
    return spec


@needs_images
@pytest.mark.slow
def test_the_committed_reference_is_reproduced_number_by_number(nasbench_cli):
    result = nasbench_cli(["verify", "tenas", str(REFERENCE)])
    assert result.exit_code == 0, result.output
    assert "NTK condition numbers            324  max rel. error" in result.output
    assert "rankings_sum (ranks, order)        3  3/3 match" in result.output
    assert "final arch                         1  1/1 match" in result.output
    assert "OK: every measurement within rtol" in result.output


@needs_images
@pytest.mark.slow
def test_a_region_count_off_by_1e_3_fails_the_check(tmp_path, nasbench_cli):
    folder = _copy(tmp_path)
    spec = _last_round_only(folder)
    lr = next(c for c in spec["calls"] if c["kind"] == "lr")
    lr["values"][1] += 1e-3
    (folder / "reference.json").write_text(json.dumps(spec))
    result = nasbench_cli(["verify", "tenas", str(folder)])
    assert result.exit_code == 1, result.output
    assert "linear-region counts" in result.output and "(OVER 1e-06)" in result.output
    assert "mismatch: candidate (0, 0, 1) repeat 0 after" in result.output and "FAILED" in result.output
    assert "Traceback" not in result.output


@needs_images
@pytest.mark.slow
def test_a_condition_number_off_by_1e_3_relative_fails_the_check(tmp_path, nasbench_cli):
    folder = _copy(tmp_path)
    spec = _last_round_only(folder)
    spec["calls"][0]["values"][0] *= 1 + 1e-3
    (folder / "reference.json").write_text(json.dumps(spec))
    result = nasbench_cli(["verify", "tenas", str(folder)])
    assert result.exit_code == 1, result.output
    assert "NTK condition numbers" in result.output and "(OVER 0.0001 or eps32 x kappa)" in result.output
    assert "Traceback" not in result.output


def _damage(folder: Path, damage: str) -> None:
    if damage == "no-json":
        (folder / "reference.json").unlink()
    elif damage == "bad-json":
        (folder / "reference.json").write_text("{not json")
    elif damage == "not-tenas":
        (folder / "reference.json").write_text(json.dumps({"format": "something else"}))
    elif damage == "no-calls":
        spec = _spec(folder)
        del spec["calls"]
        (folder / "reference.json").write_text(json.dumps(spec))
    elif damage == "no-data":
        (folder / "data.npz").unlink()
    elif damage == "not-npz":
        (folder / "weights.npz").write_bytes(b"garbage")
    elif damage == "short-weights":
        weights = dict(np.load(folder / "weights.npz"))
        weights["ntk0"] = weights["ntk0"][:-1]
        np.savez(folder / "weights.npz", **weights)
    elif damage == "bad-batch":
        spec = _spec(folder)
        spec["calls"][0]["batch"] = 10**6
        (folder / "reference.json").write_text(json.dumps(spec))


@needs_images
@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("no-folder", "reference folder .* does not exist"),
        ("no-json", "missing reference file .*reference.json"),
        ("bad-json", "reference.json is not valid JSON"),
        ("not-tenas", "is not a TE-NAS reference"),
        ("no-calls", "'calls' is missing or not a list"),
        ("no-data", "missing reference file .*data.npz"),
        ("not-npz", "weights.npz is not a readable weights.npz"),
        ("short-weights", "network 'ntk0' has 14676 values, its layout 14677"),
        ("bad-batch", "batch 1000000 is not a row of data.npz ntk_index"),
    ],
)
def test_a_broken_reference_folder_is_one_line_and_exit_2(tmp_path, nasbench_cli, damage, message):
    folder = _copy(tmp_path) if damage != "no-folder" else tmp_path / "nowhere"
    _damage(folder, damage)
    result = nasbench_cli(["verify", "tenas", str(folder)])
    assert result.exit_code == 2, result.output
    error = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(error) == 1 and "Traceback" not in result.output
    assert re.search(message, error[0]), error[0]
