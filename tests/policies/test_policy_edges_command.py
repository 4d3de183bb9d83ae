"""``nasbench edges``: per-edge rho table and bar plot from the store's edge records."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from nasbench.cli import make_cli

DATA = os.environ.get("NASBENCH_DATA")
needs_data = pytest.mark.skipif(
    not (DATA and (Path(DATA) / "nb201_test_acc.csv").is_file()), reason="needs the NB201 table: set NASBENCH_DATA"
)


@needs_data
def test_edges_table_and_png(tmp_path):
    cli = make_cli()
    store = str(tmp_path / "s.sqlite")
    for scorer in ("best-acc", "avg-acc"):
        ok = CliRunner().invoke(cli, ["run", "--scorer", scorer, "--strategy", "independent", "--store", store])
        assert ok.exit_code == 0, ok.output
    png = tmp_path / "edges.png"
    result = CliRunner().invoke(make_cli(), ["edges", "--store", store, "--png", str(png)])
    assert result.exit_code == 0, result.output
    # best-acc agrees with itself on every edge; avg-acc vs best-acc does not
    assert "| best-acc/independent | 1.00 ± 0.00 (n=1) |" in result.output
    assert "| avg-acc/independent | 1.00" not in result.output
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_edges_without_store_is_one_line_error(tmp_path):
    result = CliRunner().invoke(make_cli(), ["edges", "--store", str(tmp_path / "none.sqlite")])
    assert result.exit_code == 2 and "no results store" in result.output


def test_runs_that_differ_by_a_setting_are_separate_policies_not_pooled():
    from nasbench_plugins.edges.command import edge_table

    def row(fix_alpha: bool, seed: int) -> dict:
        record = {"edge": "e", "step": 0, "scores": {"a": 1.0, "b": 0.0}, "oracle": {"best-acc": {"a": 1.0, "b": 0.0}}}
        return {
            "space": "darts",
            "scorer": "darts-pt",
            "proxy": "",
            "strategy": "darts-pt",
            "benchmark": "nb301",
            "dataset": "cifar10",
            "run_key": f"k{fix_alpha}",
            "settings": {"fix_alpha": fix_alpha, "train_epochs": 2},
            "status": "ok",
            "seed": seed,
            "extra": {"edge_records": {"initial": [record]}},
        }

    table = edge_table([row(False, 0), row(True, 0), row(True, 1)])
    assert [(e["policy"], e[("initial", "best-acc")][2]) for e in table] == [
        ("darts-pt/darts-pt fix_alpha=False", 1),
        ("darts-pt/darts-pt fix_alpha=True", 2),
    ]
