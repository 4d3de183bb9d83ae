"""Zero-Cost-PT follows the authors' code on every space it has a path for: DARTS cells (s5, S1-S4,
darts) and Macro besides NB201; each path's own rules (order, batches, alpha, topology) and the
items a path lacks are refused before any trial."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest
import torch

from nasbench.api import ImageSet, torch_generator
from nasbench_plugins.darts_space.reduced_spaces import SPECS
from nasbench_plugins.darts_space.space import make_space
from nasbench_plugins.macro.space import MacroSpace
from nasbench_plugins.nb201.space import NB201Space
from nasbench_plugins.zero_cost_pt.darts_topology import keep_edges
from nasbench_plugins.zero_cost_pt.edge_orders import InterleavedOrder
from nasbench_plugins.zero_cost_pt.official_data import PassBatches
from nasbench_plugins.zero_cost_pt.official_paths import path_of
from tests.conftest import needs_data

DARTS_TINY = ["--set", "darts_channels=2", "--set", "darts_cells=3", "--set", "darts_eval_channels=2"]
DARTS_TINY += ["--set", "darts_eval_cells=3", "--batch-size", "4", "--device", "cpu"]
NB201_TINY = ["--set", "nb201_channels=4", "--set", "nb201_cells=1", "--batch-size", "8"]

pytestmark = pytest.mark.usefixtures("single_thread")


def _space(name: str):
    return make_space(next(s for s in SPECS if s.name == name))


def _rows(store) -> list[dict]:
    with sqlite3.connect(store) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("select * from trials order by id")]


def _info(row: dict) -> dict:
    return json.loads(row["extra"])["info"]


@pytest.mark.parametrize(
    "space, path",
    [("s5", "darts"), ("s1", "darts"), ("s4", "darts"), ("darts", "darts"), ("o1", None), ("o2", None)],
)
def test_darts_cell_spaces_laid_out_as_the_darts_code_take_its_path(space, path):
    found = path_of(_space(space))
    assert (found.name if found else None) == path


def test_nb201_and_macro_take_their_own_paths():
    assert path_of(NB201Space()).name == "nb201" and path_of(MacroSpace()).name == "macro"


def test_the_official_darts_order_decides_a_normal_then_a_reduction_edge_each_step():
    edges = _space("s5").edges
    order = InterleavedOrder("random", ("normal", "reduce"))
    ctx = type("Ctx", (), {"rng": np.random.default_rng(0)})()
    order.start(ctx, edges)
    undecided, kinds = list(edges), []
    while undecided:
        edge = order.next_edge(ctx, {}, undecided)
        undecided.remove(edge)
        kinds.append(edge.split(":")[0])
    assert kinds == ["normal", "reduce"] * 14
    fixed = InterleavedOrder("fixed", ("normal", "reduce"))
    fixed.start(ctx, edges)
    assert [fixed.next_edge(ctx, {}, list(edges)) for _ in range(2)] == ["normal:0->2", "reduce:0->2"]


def test_topology_drops_the_edge_whose_removal_scores_highest_and_on_ties_the_later():
    assert keep_edges({"a": 1.0, "b": 3.0, "c": 3.0}, 2) == ["a", "b"]
    assert keep_edges({"a": 5.0, "b": 1.0, "c": 2.0, "d": 0.0}, 2) == ["b", "d"]


def test_pass_batches_use_distinct_images_until_the_set_is_used_up_then_a_new_shuffle():
    raw = np.arange(10 * 3 * 4 * 4, dtype=np.uint8).reshape(10, 3, 4, 4)
    images = ImageSet("test", torch.zeros(10, 3, 4, 4), torch.arange(10), 10, "test", raw=raw)
    batches = PassBatches(images, 3, torch_generator(0), augment=False)
    seen = [int(i) for _ in range(3) for i in batches.next()[1]]
    assert len(set(seen)) == 9  # one pass: 3 batches of 3 distinct images out of 10
    x, y = batches.next()  # 1 image left: a new shuffle, a full batch
    assert len(set(y.tolist())) == 3 and torch.equal(x[0], torch.from_numpy(raw[int(y[0])]).float().div(255).sub(
        torch.tensor((0.49139968, 0.48215827, 0.44653124)).view(3, 1, 1)).div(
        torch.tensor((0.24703233, 0.24348505, 0.26158768)).view(3, 1, 1)))  # fmt: skip


@needs_data
@pytest.mark.parametrize(
    "space, item, why",
    [("s5", "blocked", "does not apply on 's5'"), ("macro", "hooks", "does not apply on 'macro'")],
)
def test_an_item_the_space_s_official_code_lacks_is_one_line_before_any_trial(nasbench_cli, tmp_path, space, item, why):
    store = tmp_path / "s.sqlite"
    args = ["run", "--scorer", "zc-pt", "--space", space, "--store", str(store), "--set", f"zcpt_ablate={item}"]
    result = nasbench_cli(args)
    assert result.exit_code == 2 and why in result.output and "Traceback" not in result.output
    assert not store.exists() or not _rows(store)


@needs_data
def test_an_s5_search_follows_the_official_darts_path_with_one_alpha_per_trial(nasbench_cli, tmp_path, monkeypatch):
    from nasbench_plugins.zero_cost_pt.scorer import ZeroCostPT

    draws = []
    original = ZeroCostPT._draw_alpha
    monkeypatch.setattr(ZeroCostPT, "_draw_alpha", staticmethod(lambda ctx, t: draws.append(1) or original(ctx, t)))
    store = tmp_path / "s.sqlite"
    args = ["run", "--scorer", "zc-pt", "--space", "s5", "-N", "1", "-V", "0", "--store", str(store), *DARTS_TINY]
    result = nasbench_cli(args)
    assert result.exit_code == 0, result.output
    (row,) = _rows(store)
    info = _info(row)
    assert row["status"] == "ok" and info["zcpt_semantics"] == "official"
    # 14 op steps x 7 ops x 2 cells, then topology: 3 + 4 + 5 edges per cell
    assert info["perturbations_per_proposal"] == [220]
    assert row["arch"].startswith("Genotype(normal=[")
    assert len(draws) == 1  # the DARTS supernet keeps its alpha for every proposal
    study = nasbench_cli(["zc-pt-study", "--store", str(store)])
    assert study.exit_code == 0, study.output
    assert "| official (N=1, V=0, random, batch 4) | 0 |" in study.output and "paper, Table 3" in study.output
    assert "zcpt-table2" not in study.output and "Table 2" not in study.output  # no NB201 runs in this store


@needs_data
def test_a_shared_cell_space_runs_nasbench_v1_and_says_so(nasbench_cli, tmp_path):
    store = tmp_path / "s.sqlite"
    args = ["run", "--scorer", "zc-pt", "--space", "o1", "-N", "1", "-V", "0", "--store", str(store), *DARTS_TINY]
    assert nasbench_cli(args).exit_code == 0
    (row,) = _rows(store)
    assert _info(row)["zcpt_semantics"].startswith("nasbench-v1: the official code has no path")


@needs_data
def test_nb201_s_alpha_is_drawn_again_for_every_proposal(nasbench_cli, tmp_path, monkeypatch):
    from nasbench_plugins.zero_cost_pt.scorer import ZeroCostPT

    draws = []
    original = ZeroCostPT._draw_alpha
    monkeypatch.setattr(ZeroCostPT, "_draw_alpha", staticmethod(lambda ctx, t: draws.append(1) or original(ctx, t)))
    args = ["run", "--scorer", "zc-pt", "-N", "2", "-V", "0", "--store", str(tmp_path / "b.sqlite"), *NB201_TINY]
    assert nasbench_cli(args).exit_code == 0
    assert len(draws) == 3  # the initial scores' proposal and the 2 proposals


@needs_data
def test_a_shorter_validation_chooses_what_the_longer_one_records_for_its_prefix(nasbench_cli, tmp_path):
    store = str(tmp_path / "s.sqlite")
    for v in ("3", "1"):
        args = ["run", "--scorer", "zc-pt", "-N", "4", "-V", v, "--seeds", "0-1", "--store", store, *NB201_TINY]
        assert nasbench_cli(args).exit_code == 0
    rows = _rows(store)
    long = {r["seed"]: r for r in rows if json.loads(r["settings"])["validation"] == 3}
    short = {r["seed"]: r for r in rows if json.loads(r["settings"])["validation"] == 1}
    checked = 0
    for seed, row in long.items():
        prefix = _info(row).get("validation_prefix_choices")
        if prefix:  # only when the proposals gave more than one candidate
            assert prefix["1"] == short[seed]["arch"]
            checked += 1
    assert checked > 0
