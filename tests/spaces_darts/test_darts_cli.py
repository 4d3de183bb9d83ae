"""The darts space end to end through the CLI, on tiny settings, with the NB301 stand-in."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from nasbench.store import Store

DATA = Path(os.environ["NASBENCH_DATA"]) if os.environ.get("NASBENCH_DATA") else None
needs_data = pytest.mark.skipif(
    DATA is None
    or not (DATA / "nb301_yahpo" / "model_v2.onnx").is_file()
    or not (DATA / "cifar-10-batches-bin" / "data_batch_1.bin").is_file(),
    reason="needs nb301_yahpo/ and CIFAR-10 under NASBENCH_DATA",
)
TINY = [
    "--set",
    "darts_channels=2",
    "--set",
    "darts_cells=3",
    "--set",
    "darts_eval_channels=2",
    "--set",
    "darts_eval_cells=3",
    "--device",
    "cpu",
]


pytestmark = pytest.mark.usefixtures("single_thread")  # see nasbench.testing


@needs_data
@pytest.mark.slow
def test_zc_pt_on_darts_with_nb301_stores_a_valid_genotype(nasbench_cli, tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    result = nasbench_cli(
        [
            "run",
            "--scorer",
            "zc-pt",
            "--space",
            "darts",
            "--benchmark",
            "nb301",
            "--proposals",
            "1",
            "--validation",
            "1",
            "--batch-size",
            "16",
            "--store",
            str(store),
            "--json",
            *TINY,
        ]
    )
    assert result.exit_code == 0, result.output
    line = json.loads(result.output.splitlines()[0])
    assert line["status"] == "ok", line["failure"]
    assert line["arch"].startswith("Genotype(normal=[") and line["num_archs"] == 10_000
    assert 85.0 < line["test_accuracy"] < 96.0
    with Store(store) as st:
        rows = st.rows()
    assert rows[0]["extra"]["counters"]["perturbations"] > 0


@needs_data
def test_oracle_scorer_on_a_surrogate_fails_its_trial_with_a_message(nasbench_cli, tmp_path: Path) -> None:
    result = nasbench_cli(
        [
            "run",
            "--scorer",
            "best-acc",
            "--space",
            "s2",
            "--strategy",
            "independent",
            "--store",
            str(tmp_path / "s.sqlite"),
            "--json",
            *TINY,
        ]
    )
    line = json.loads(result.output.splitlines()[0])
    assert line["status"] == "failed" and line["failure"]
