"""Zero-Cost-PT with the tenas proxy takes the authors' route, ``tenas_project`` (NB201): every
remaining (edge, op) removal measured, ranked together, the first remaining edge decided; verified
number by number against the committed folder the authors' code made
(``scripts/make_reference_zcpt.py --space nb201 --proxy tenas``)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from nasbench_plugins.zero_cost_pt.semantics import Semantics
from nasbench_plugins.zero_cost_pt.tenas_route import kept_op, pair_ranks
from tests.conftest import needs_data

FOLDER = Path(__file__).resolve().parents[1] / "reference" / "zcpt_nb201_tenas"
TINY = ["--set", "nb201_channels=2", "--set", "nb201_cells=1", "--batch-size", "4"]


@needs_data
@pytest.mark.usefixtures("single_thread")
def test_the_official_tenas_project_numbers_and_decisions_are_reproduced(nasbench_cli):
    # float32 NTKs: measured here within 4.8e-6; the check allows 1e-4 for other CPUs' float32 sums
    result = nasbench_cli(["verify", "zc-pt", str(FOLDER), "--rtol", "1e-4"])
    assert result.exit_code == 0, result.output
    assert "NTK condition numbers             210" in result.output and "OVER" not in result.output
    assert "linear-region counts              210  max rel. error 0.00e+00" in result.output
    assert "decided edges (first remaining)    12  12/12 match" in result.output
    assert "kept ops (nanargmin)               12  12/12 match" in result.output
    assert "proposed archs                      2  2/2 match" in result.output


@needs_data
@pytest.mark.usefixtures("single_thread")
def test_a_region_count_off_by_one_fails_the_check(tmp_path, nasbench_cli):
    folder = tmp_path / "tenas"
    shutil.copytree(FOLDER, folder)
    spec = json.loads((folder / "reference.json").read_text())
    spec["proposals"] = spec["proposals"][:1]
    spec["proposals"][0]["decisions"] = spec["proposals"][0]["decisions"][:1]
    spec["proposals"][0]["arch"] = "(edges left undecided: 5)"  # what one decision leaves
    spec["proposals"][0]["decisions"][0]["lrs"][3] += 1
    (folder / "reference.json").write_text(json.dumps(spec))
    result = nasbench_cli(["verify", "zc-pt", str(folder)])
    assert result.exit_code == 1, result.output
    assert "mismatch: proposal 0 decision 0 1<-0 nor_conv_3x3" in result.output and "FAILED" in result.output


def test_the_largest_ntk_condition_number_and_the_fewest_regions_rank_first():
    # kappa: n - int(rankdata) -> [2, 0, 1]; regions: rankdata -> [2, 1, 3]
    assert pair_ranks([1.0, 3.0, 2.0], [5.0, 4.0, 6.0]).tolist() == [4.0, 1.0, 4.0]


def test_the_pairs_of_every_remaining_edge_are_ranked_together():
    # the first edge's two ops tie on their own; the other edge's pairs rank between them on
    # kappa but above both on regions, which breaks the tie the other way
    assert kept_op([10.0, 20.0], [1.0, 5.0], num_op=2) == 0
    assert kept_op([10.0, 20.0, 15.0, 16.0, 17.0], [1.0, 5.0, 6.0, 7.0, 8.0], num_op=2) == 1


def test_the_route_is_an_official_item_that_can_be_ablated():
    assert Semantics.from_settings({}).tenas_project
    assert not Semantics.from_settings({"zcpt_ablate": "tenas_project"}).tenas_project


def _run(nasbench_cli, tmp_path, *extra: str) -> dict:
    store = str(tmp_path / "s.sqlite")
    result = nasbench_cli(["run", "--scorer", "zc-pt", "--proxy", "tenas", "--store", store, *TINY, *extra])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(store) as conn:
        ((extra_json, status),) = conn.execute("select extra, status from trials").fetchall()
    assert status == "ok"
    return json.loads(extra_json)


@needs_data
@pytest.mark.usefixtures("single_thread")
def test_independent_reads_every_edge_from_one_measurement_of_a0s_30_pairs(nasbench_cli, tmp_path):
    extra = _run(nasbench_cli, tmp_path, "--strategy", "independent")
    assert extra["info"]["tenas_route"].startswith("tenas_project")
    # one NTK forward on the supernet and 3 region batches on its twin per pair, 30 pairs in all
    assert extra["counters"]["perturbations"] == 30 and extra["counters"]["supernet_forwards"] == 30 * 4


@needs_data
@pytest.mark.usefixtures("single_thread")
def test_a_proposal_measures_the_pairs_of_the_remaining_edges_at_each_decision(nasbench_cli, tmp_path):
    extra = _run(nasbench_cli, tmp_path, "-N", "1", "-V", "1", "--edge-order", "random")
    assert extra["info"]["perturbations_per_proposal"] == [30 + 25 + 20 + 15 + 10 + 5]
    steps = [r["edge"] for r in extra["edge_records"]["progressive"]]
    assert steps == ["0->1", "0->2", "1->2", "0->3", "1->3", "2->3"]  # index order, whatever the edge order
