"""The macro space end to end through the CLI: zc-pt search and the oracle both store trials."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from nasbench.store import Store

DATA = Path(os.environ["NASBENCH_DATA"]) if os.environ.get("NASBENCH_DATA") else None
needs_data = pytest.mark.skipif(
    DATA is None
    or not (DATA / "nas-bench-macro_cifar10.json").is_file()
    or not (DATA / "cifar-10-batches-bin" / "data_batch_1.bin").is_file(),
    reason="needs nas-bench-macro_cifar10.json and CIFAR-10 under NASBENCH_DATA",
)
TINY = ["--set", "macro_channels=4", "--set", "macro_head_channels=16", "--device", "cpu"]


pytestmark = pytest.mark.usefixtures("single_thread")  # see nasbench.testing


@needs_data
def test_zc_pt_on_macro_runs_end_to_end_and_stores_a_trial(nasbench_cli, tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    result = nasbench_cli(
        [
            "run",
            "--scorer",
            "zc-pt",
            "--space",
            "macro",
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
    assert line["benchmark"] == "macro" and len(line["arch"]) == 8 and line["num_archs"] == 6561
    assert line["edge_spearman_initial"] is not None  # tabular: the oracle scores exist
    with Store(store) as st:
        rows = st.rows()
    assert len(rows) == 1 and rows[0]["settings"]["macro_channels"] == 4


@needs_data
def test_oracle_on_macro_finds_a_best_arch(nasbench_cli, tmp_path: Path) -> None:
    result = nasbench_cli(
        [
            "run",
            "--scorer",
            "best-acc",
            "--space",
            "macro",
            "--proposals",
            "1",
            "--store",
            str(tmp_path / "s.sqlite"),
            "--json",
            *TINY,
        ]
    )
    line = json.loads(result.output.splitlines()[0])
    assert line["status"] == "ok" and line["rank"] == 1 and line["arch"] in ("22212220", "22212202")
