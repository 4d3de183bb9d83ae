"""``nasbench verify zc-pt`` on the committed folders of the authors' branch for proxies other than
nwot (NB201, ``find_measures`` per op; made by ``scripts/make_reference_zcpt.py --space nb201``):
each proxy reproduced number by number in NCHW, the layout zc-pt scores them in; a changed number
fails with exit 1; a proxy the branch does not have is one line, exit 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import needs_data

REFERENCES = Path(__file__).resolve().parents[1] / "reference"
#: grasp's Hessian-gradient product: the official fp32 values are themselves ~1e-3 from float64
RTOL = {"grasp": "1e-4"}

pytestmark = [needs_data, pytest.mark.usefixtures("single_thread")]


@pytest.mark.parametrize("proxy", ["snip", "grad_norm", "fisher", "synflow", "grasp", "jacob_cov"])
def test_the_official_find_measures_scores_are_reproduced(nasbench_cli, proxy):
    folder = REFERENCES / f"zcpt_nb201_{proxy}"
    result = nasbench_cli(["verify", "zc-pt", str(folder), "--rtol", RTOL.get(proxy, "1e-5")])
    assert result.exit_code == 0, result.output
    assert "proposal scores S(A-(e,o))         60" in result.output and "OVER" not in result.output
    assert "kept ops (nanargmin)               12  12/12 match" in result.output


def _copy(tmp_path: Path, proxy: str) -> tuple[Path, dict]:
    folder = tmp_path / proxy
    shutil.copytree(REFERENCES / f"zcpt_nb201_{proxy}", folder)
    spec = json.loads((folder / "reference.json").read_text())
    spec["proposals"] = spec["proposals"][:1]
    spec["proposals"][0]["steps"] = spec["proposals"][0]["steps"][:1]
    spec["proposals"][0]["arch"] = "(edges left undecided: 5)"  # what one step leaves
    return folder, spec


def test_a_score_off_by_1e_4_relative_fails_the_check(tmp_path, nasbench_cli):
    folder, spec = _copy(tmp_path, "snip")
    spec["proposals"][0]["steps"][0]["scores"][2] *= 1 + 1e-4
    (folder / "reference.json").write_text(json.dumps(spec))
    result = nasbench_cli(["verify", "zc-pt", str(folder)])
    assert result.exit_code == 1, result.output
    assert "mismatch: proposal 0 step 0 nor_conv_1x1" in result.output and "FAILED" in result.output


def test_a_proxy_the_official_branch_does_not_have_is_one_line(tmp_path, nasbench_cli):
    folder, spec = _copy(tmp_path, "snip")
    spec["proxy"] = "jacob"
    (folder / "reference.json").write_text(json.dumps(spec))
    result = nasbench_cli(["verify", "zc-pt", str(folder)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "proxy 'jacob' has no find_measures branch" in result.output
