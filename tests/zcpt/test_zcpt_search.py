"""Zero-Cost-PT searches on a tiny NB201 under the official semantics, an ablation, and nasbench-v1."""

from __future__ import annotations

import json
import sqlite3

import pytest

from nasbench.errors import BadInput
from nasbench_plugins.zero_cost_pt.semantics import Semantics, parse_ablate
from tests.conftest import needs_data

TINY = ["--set", "nb201_channels=4", "--set", "nb201_cells=1", "--batch-size", "8"]


def _rows(store: str) -> list[dict]:
    with sqlite3.connect(store) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("select * from trials")]


def _extra(row: dict) -> dict:
    return json.loads(row["extra"]) if isinstance(row["extra"], str) else row["extra"]


def test_official_semantics_are_the_default():
    sem = Semantics.from_settings({})
    assert sem.official and sem.alpha and sem.data and sem.validation
    assert sem.rules.bn_eval and sem.rules.wrapper_hooks and sem.rules.blocked


def test_each_ablated_item_switches_off_only_itself():
    sem = Semantics.from_settings({"zcpt_ablate": "hooks,data"})
    assert not sem.rules.wrapper_hooks and not sem.data
    assert sem.rules.bn_eval and sem.rules.blocked and sem.alpha and sem.validation


def test_an_unknown_ablation_item_is_refused():
    with pytest.raises(BadInput, match="unknown zcpt_ablate item 'bias'"):
        parse_ablate("bn,bias")


def test_ablating_under_nasbench_v1_is_refused():
    with pytest.raises(BadInput, match="drop it with zcpt_semantics=nasbench-v1"):
        Semantics.from_settings({"zcpt_semantics": "nasbench-v1", "zcpt_ablate": "bn"})


@needs_data
@pytest.mark.parametrize("semantics", ["official", "nasbench-v1"])
def test_a_progressive_search_runs_and_records_its_semantics(nasbench_cli, tmp_path, semantics):
    store = str(tmp_path / "s.sqlite")
    args = ["run", "--scorer", "zc-pt", "-N", "2", "-V", "2", "--store", store, *TINY]
    result = nasbench_cli([*args, "--set", f"zcpt_semantics={semantics}"])
    assert result.exit_code == 0, result.output
    (row,) = _rows(store)
    info = _extra(row)["info"]
    assert row["status"] == "ok" and info["zcpt_semantics"] == semantics
    assert info["perturbations_per_proposal"] == [30, 30]  # |O||E| per proposal, as Table 5 says
    if len(info["candidates"]) > 1:
        assert len(info["validation_totals"]) == len(info["candidates"])


@needs_data
def test_an_unknown_ablation_item_is_one_line_before_any_trial(nasbench_cli, tmp_path):
    store = tmp_path / "s.sqlite"
    result = nasbench_cli(["run", "--scorer", "zc-pt", "--store", str(store), *TINY, "--set", "zcpt_ablate=bias"])
    assert result.exit_code == 2 and "unknown zcpt_ablate item 'bias'" in result.output
    assert not store.exists() or not _rows(str(store))


@needs_data
def test_independent_selection_uses_a_fresh_batch_per_edge(nasbench_cli, tmp_path, monkeypatch):
    from nasbench_plugins.zero_cost_pt import official_data

    drawn = []
    original = official_data.OfficialBatches.next

    def counting(self):
        drawn.append(self.batch_size)
        return original(self)

    monkeypatch.setattr(official_data.OfficialBatches, "next", counting)
    store = str(tmp_path / "s.sqlite")
    result = nasbench_cli(["run", "--scorer", "zc-pt", "--strategy", "independent", "--store", store, *TINY])
    assert result.exit_code == 0, result.output
    assert drawn == [8] * 6  # one minibatch for each of the 6 edges


@needs_data
@pytest.mark.parametrize("extra", [["--edge-order", "global-op-once"], ["--proxy", "synflow"]])
def test_official_semantics_run_with_global_orders_and_other_proxies(nasbench_cli, tmp_path, extra):
    store = str(tmp_path / "s.sqlite")
    result = nasbench_cli(["run", "--scorer", "zc-pt", "-N", "1", "-V", "2", "--store", store, *TINY, *extra])
    assert result.exit_code == 0, result.output
    (row,) = _rows(store)
    assert row["status"] == "ok" and _extra(row)["info"]["zcpt_semantics"] == "official"


class _Probe:
    """A proxy without a code kernel that records what each call of it saw."""

    name = "probe"

    def __init__(self) -> None:
        self.seen: list[tuple[str, object, object]] = []
        self.channels_last: list[bool] = []

    def score(self, net, inputs, targets, generator):
        from nasbench.api import network_precision

        self.seen.append((net.removed_ops, net.op_weights.clone(), inputs))
        self.channels_last.append(network_precision().channels_last)
        return float(len(self.seen))


class _Batches:
    """Stands in for the official batch stream: each minibatch a new tensor, counted."""

    def __init__(self) -> None:
        self.drawn = 0

    def next(self):
        import torch

        self.drawn += 1
        return torch.full((2, 3, 8, 8), float(self.drawn)), torch.zeros(2)


def _score_one_edge(ablate: str = "", batches=None, alpha=None):
    """zc-pt's official NB201 path scoring edge 0->1 of a tiny supernet with the probe proxy."""
    import torch

    from nasbench.torchutil import torch_generator
    from nasbench_plugins.nb201.space import NB201Space
    from nasbench_plugins.zero_cost_pt.official_paths import PATHS
    from nasbench_plugins.zero_cost_pt.scorer import ZeroCostPT, _Trial

    class Ctx:
        proxy = _Probe()
        supernet = NB201Space(channels=4, cells_per_stage=1).build_supernet(10, torch_generator(0))
        counters = type("C", (), {"perturbations": 0})()
        device = "cpu"

        def proxy_score(self, net, batch):
            return self.proxy.score(net, *batch, None)

    ctx = Ctx()
    sem = Semantics.from_settings({"zcpt_ablate": ablate})
    trial = _Trial(sem, torch_generator(0), batches, PATHS[0], started=True)
    trial.alpha = torch.zeros(6, 5) if alpha is None else alpha
    trial.batch = (torch.zeros(2, 3, 8, 8), torch.zeros(2))
    ctx.state = {"zc-pt": trial}
    ZeroCostPT().score_edge(ctx, {}, "0->1")
    return ctx, ctx.proxy.seen


def test_another_proxy_scores_the_supernet_in_blocked_mode_with_the_official_weights():
    ctx, seen = _score_one_edge()
    assert [mode for mode, _, _ in seen] == ["blocked"] * 5
    assert [float(w[0, k]) for k, (_, w, _) in enumerate(seen)] == [0.0] * 5  # each op removed in turn
    assert float(seen[0][1][0, 1]) == pytest.approx(0.2) and ctx.supernet.removed_ops == "skip"  # restored


def test_another_proxy_weighs_the_perturbed_edges_other_ops_at_one_over_o_not_softmax_alpha():
    import torch

    alpha = torch.randn(6, 5, generator=torch.Generator().manual_seed(1))
    _, seen = _score_one_edge(alpha=alpha)
    _, weights, _ = seen[0]
    assert weights[0].tolist() == pytest.approx([0.0, 0.2, 0.2, 0.2, 0.2], abs=1e-7)  # op 0 out, others 1/|O|
    assert torch.allclose(weights[1], torch.softmax(alpha[1], -1))  # undecided edges keep softmax(alpha)
    _, ablated = _score_one_edge("measures", alpha=alpha)
    assert torch.allclose(ablated[0][1][0, 1:], torch.softmax(alpha[0], -1)[1:])


def test_another_proxy_scores_each_op_of_an_edge_on_its_own_fresh_minibatch():
    batches = _Batches()
    _, seen = _score_one_edge(batches=batches)
    assert batches.drawn == 5 and [float(x[0, 0, 0, 0]) for _, _, x in seen] == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_with_measures_ablated_the_ops_of_an_edge_share_its_minibatch():
    batches = _Batches()
    _, seen = _score_one_edge("measures", batches=batches)
    assert batches.drawn == 0 and len({id(x) for _, _, x in seen}) == 1


def test_another_proxy_is_scored_in_nchw_the_layout_its_official_values_are_reproduced_in():
    from nasbench.api import precision_scope

    with precision_scope("fp32", "cpu") as scope:  # channels-last is fp32's measured CPU choice
        assert scope.channels_last
        ctx, _ = _score_one_edge()
    assert ctx.proxy.channels_last == [False] * 5
