"""The report shows every setting that tells two runs of the same components apart."""

from nasbench.report import summarise
from nasbench_plugins.zero_cost_pt.report_columns import COLUMNS


def _row(run_key: str, settings: dict, scorer: str = "zc-pt") -> dict:
    return {
        "run_key": run_key,
        "space": "nb201",
        "benchmark": "nb201",
        "dataset": "cifar10",
        "scorer": scorer,
        "proxy": "nwot",
        "strategy": "progressive",
        "settings": settings,
        "device_type": "cpu",
        "status": "ok",
        "test_error": 6.0,
        "rank": 10,
        "edge_spearman_initial": 0.5,
        "edge_spearman_progressive": 0.5,
        "search_seconds": 1.0,
        "peak_memory_bytes": 2**20,
    }


def test_two_runs_that_differ_in_one_setting_print_it():
    rows = [_row("a", {"batch_size": 64, "zcpt_ablate": ""}), _row("b", {"batch_size": 64, "zcpt_ablate": "bn"})]
    labels = [r["settings"] for r in summarise(rows, COLUMNS)]
    assert labels == ["batch_size=64 zcpt_ablate=", "batch_size=64 zcpt_ablate=bn"]


def test_a_setting_equal_in_every_run_is_not_printed():
    rows = [_row("a", {"batch_size": 64, "nb201_cells": 5}), _row("b", {"batch_size": 32, "nb201_cells": 5})]
    assert [r["settings"] for r in summarise(rows, COLUMNS)] == ["batch_size=64", "batch_size=32"]
