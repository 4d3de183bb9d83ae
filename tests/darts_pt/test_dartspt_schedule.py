"""The projection schedule, as the official epoch loops produce it."""

from __future__ import annotations

from nasbench_plugins.darts_pt.schedule import official_plan, v1_plan

NB201 = ["0->1", "0->2", "1->2", "0->3", "1->3", "2->3"]
DARTS_EDGES = [f"{k}:{j}->{t}" for k in ("normal", "reduce") for t in (2, 3, 4, 5) for j in range(t)]
DARTS_NODES = [f"{k}:{n}" for k in ("normal", "reduce") for n in (3, 4, 5)]


def test_nb201_tunes_5_5_5_5_4_between_its_six_decisions():
    plan = official_plan(NB201, [], 5, cell_space=False)
    assert [s.actions for s in plan] == [[("op", e)] for e in NB201]
    assert [s.tune for s in plan] == [5, 5, 5, 5, 4, 0]


def test_darts_pairs_a_normal_and_a_reduction_edge_then_node_steps_with_5_epochs_between_all():
    plan = official_plan(DARTS_EDGES, DARTS_NODES, 5, cell_space=True)
    assert len(plan) == 14 + 3
    assert [k.split(":")[0] for _, k in plan[0].actions] == ["normal", "reduce"]
    assert plan[14].actions == [("node", "normal:3"), ("node", "reduce:3")]
    assert [s.tune for s in plan] == [5] * 16 + [0]
    assert sum(s.tune for s in plan) == 80


def test_nasbench_v1_decides_one_edge_per_step_and_does_not_tune_between_phases():
    plan = v1_plan(DARTS_EDGES, DARTS_NODES, 5)
    assert len(plan) == 28 + 6
    assert [s.tune for s in plan] == [5] * 27 + [0] + [5] * 5 + [0]
