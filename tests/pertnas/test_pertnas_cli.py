"""``nasbench run --strategy pertnas`` and ``nasbench pertnas`` through the real CLI (CIFAR-10, NB301 stand-in)."""

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
pytestmark = pytest.mark.usefixtures("single_thread")

TINY = {
    "darts_channels": 4,
    "darts_cells": 3,
    "darts_eval_channels": 4,
    "darts_eval_cells": 3,
    "train_epochs": 1,
    "train_steps": 2,
    "train_batch_size": 16,
    "pertnas_eval_batches": 2,
    "pertnas_finetune_steps": 1,
    "pertnas_model_steps": 4,
    "pertnas_expand_steps": 1,
    "pertnas_retrain_steps": 1,
    "pertnas_population": 1,
}


def _run(nasbench_cli, tmp_path, space, variant, extra=()):
    args = ["run", "--strategy", "pertnas", "--scorer", "none", "--space", space, "--device", "cpu"]
    args += ["--set", f"pertnas_variant={variant}", "--store", str(tmp_path / "s.sqlite"), "--json"]
    for k, v in TINY.items():
        args += ["--set", f"{k}={v}"]
    return nasbench_cli([*args, *extra])


def test_an_unknown_variant_is_refused_with_the_choices(nasbench_cli, tmp_path):
    result = _run(nasbench_cli, tmp_path, "o1", "genetic")
    assert result.exit_code != 0
    assert "supernet, evolutionary" in result.output


@needs_data
@pytest.mark.parametrize(("space", "variant"), [("o1", "evolutionary"), ("o2", "supernet")])
def test_pertnas_run_stores_an_ordinary_row(nasbench_cli, tmp_path, space, variant):
    result = _run(nasbench_cli, tmp_path, space, variant)
    assert result.exit_code == 0, result.output
    line = json.loads(result.output.splitlines()[0])
    assert line["status"] == "ok", line["failure"]
    assert line["rank"] >= 1 and line["search_seconds"] > 0 and line["peak_memory_bytes"] >= 0
    with Store(tmp_path / "s.sqlite") as st:
        info = st.rows()[0]["extra"]["info"]
    assert info["variant"] == variant
    if space == "o1":
        assert len(info["stage1"]) == 8 and info["stage3"] == []  # O1's topology is fixed
    else:
        assert info["stage1"] == {} and len(info["stage3"]) == 4  # O2: only the topology is searched
    # the studies read such rows back from the store: one command each, a table and a PNG
    for study in ("fig3", "fig6a") if space == "o1" else ("fig6b",):
        out = tmp_path / study
        result = nasbench_cli(["pertnas", study, "--store", str(tmp_path / "s.sqlite"), "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert out.with_suffix(".png").is_file() and out.with_suffix(".json").is_file()
        assert f"pertnas ({variant})" in result.output or study == "fig3"


@needs_data
def test_o2_ops_command_re_derives_the_registered_ops(nasbench_cli):
    result = nasbench_cli(["pertnas", "o2-ops"])
    assert result.exit_code == 0, result.output
    assert "matches the registered O2_OPS" in result.output
