"""Zero-One-Shot through the CLI on the darts space with the NB301 stand-in, at tiny settings."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from zos_helpers import TINY_CLI

from nasbench.store import Store

DATA = Path(os.environ["NASBENCH_DATA"]) if os.environ.get("NASBENCH_DATA") else None
needs_data = pytest.mark.skipif(
    DATA is None
    or not (DATA / "nb301_yahpo" / "model_v2.onnx").is_file()
    or not (DATA / "cifar-10-batches-bin" / "data_batch_1.bin").is_file(),
    reason="needs nb301_yahpo/ and CIFAR-10 under NASBENCH_DATA",
)
TRAIN = ["--set=train_epochs=1", "--set=train_steps=1", "--set=train_batch_size=8", "--set=eval_batches=1"]
pytestmark = [needs_data, pytest.mark.usefixtures("single_thread")]


def _run(nasbench_cli, store: Path, *args: str) -> dict:
    result = nasbench_cli(["run", "--scorer", "none", "--store", str(store), "--json", *TINY_CLI, *TRAIN, *args])
    assert result.exit_code == 0, result.output
    line = json.loads(result.output.splitlines()[0])
    assert line["status"] == "ok", line["failure"]
    return line


def _info(store: Path) -> dict:
    with Store(store) as st:
        return st.rows()[-1]["extra"]["info"]


def test_zero_one_shot_stores_its_pruned_mask_and_a_valid_genotype(nasbench_cli, tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    line = _run(nasbench_cli, store, "--strategy", "zero-one-shot", "--space", "darts")
    assert line["arch"].startswith("Genotype(normal=[") and line["peak_memory_bytes"] > 0
    mask = _info(store)["mask"]
    assert mask["source"] == "prune" and mask["fraction"] <= 0.5
    assert all(len(ops) >= 1 for ops in mask["kept"].values())


def test_a_stored_mask_is_reused_from_a_file(nasbench_cli, tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    _run(nasbench_cli, store, "--strategy", "darts", "--space", "s3", "--set=mask_source=random")
    path = tmp_path / "mask.json"
    path.write_text(json.dumps(_info(store)["mask"]))
    _run(nasbench_cli, store, "--strategy", "darts", "--space", "s3", "--set=mask_source=file", f"--set=mask={path}")
    assert _info(store)["mask"]["kept"] == json.loads(path.read_text())["kept"]
