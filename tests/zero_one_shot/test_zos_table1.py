"""The Table 1 suite file and the ``nasbench zero-one-shot`` commands (table1, mask)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_zos_cli import TRAIN, needs_data
from zos_helpers import TINY_CLI

from nasbench.registry import make_registry
from nasbench_plugins.suites.engine import load_suite, prepare_cell, require_checks
from nasbench_plugins.zero_one_shot.table1 import PAPER, shape

SUITE = Path(__file__).resolve().parents[2] / "suites" / "zero_one_shot_table1.toml"
pytestmark = pytest.mark.usefixtures("single_thread")


def test_the_suite_lists_every_technique_of_table1_and_enforces_checks_in_quick_mode() -> None:
    suite = load_suite(SUITE)
    assert set(PAPER) <= {c.name for c in suite.cells}
    require_checks(suite, quick=True)
    require_checks(suite, quick=False)


@needs_data
def test_every_cell_prepares_with_its_settings_declared() -> None:
    suite, registry = load_suite(SUITE), make_registry()
    for quick in (False, True):
        for cell in suite.cells:
            prepared = prepare_cell(registry, suite, cell, quick)
            assert prepared.spec["space"] == "darts"
    full = prepare_cell(registry, suite, suite.cells[-2], False).spec["settings"]
    assert (full["darts_cells"], full["warmup_epochs"], full["batch_size"], full["xi"]) == (8, 15, 384, 0.5)


def test_shape_is_one_when_the_ratios_are_in_the_papers_order() -> None:
    values = {n: {"memory": float(p[0]), "seconds": float(p[1])} for n, p in PAPER.items()}
    assert shape(values, 0, "memory") == pytest.approx(1.0, abs=0.05)  # ties in the paper (DARTS = beta-DARTS)


def test_table1_without_trials_says_what_to_run(nasbench_cli, tmp_path: Path) -> None:
    result = nasbench_cli(["zero-one-shot", "table1", str(SUITE), "--quick", "--store", str(tmp_path / "s.sqlite")])
    assert result.exit_code != 0 and "nasbench suite run" in result.output


@needs_data
def test_mask_command_prints_a_stored_mask_and_its_reusable_json(nasbench_cli, tmp_path: Path) -> None:
    store = str(tmp_path / "s.sqlite")
    run = ["run", "--scorer", "none", "--strategy", "darts", "--space", "s3", "--store", store, "--json"]
    assert nasbench_cli([*run, *TINY_CLI, *TRAIN, "--set=mask_source=random"]).exit_code == 0
    shown = nasbench_cli(["zero-one-shot", "mask", "--store", store])
    assert shown.exit_code == 0 and "source random" in shown.output and "normal:0->2" in shown.output
    as_json = json.loads(nasbench_cli(["zero-one-shot", "mask", "--store", store, "--json"]).output)
    assert set(as_json["kept"]) == {line.split()[0] for line in shown.output.splitlines()[1:]}
