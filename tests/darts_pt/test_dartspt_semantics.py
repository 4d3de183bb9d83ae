"""DARTS-PT semantics: official by default, each item a named switch, nasbench-v1 one setting."""

from __future__ import annotations

import pytest

from nasbench.api import BadInput
from nasbench_plugins.darts_pt.semantics import ITEMS, Semantics


def test_the_default_is_the_official_code_with_every_item_on():
    sem = Semantics.from_settings({})
    assert sem.official and sem.crit == "acc"
    assert all(getattr(sem, item.replace("-", "_")) for item in ITEMS)


def test_ablating_one_item_switches_only_that_item():
    sem = Semantics.from_settings({"dartspt_ablate": "two-op"})
    assert sem.official and not sem.two_op
    assert all(getattr(sem, i.replace("-", "_")) for i in ITEMS if i != "two-op")


def test_nasbench_v1_switches_every_item_off_and_refuses_item_switches():
    assert not Semantics.from_settings({"dartspt_semantics": "nasbench-v1"}).official
    with pytest.raises(BadInput, match="drop them with dartspt_semantics=nasbench-v1"):
        Semantics.from_settings({"dartspt_semantics": "nasbench-v1", "dartspt_ablate": "measure"})


def test_an_unknown_item_is_one_line_naming_the_items():
    with pytest.raises(BadInput, match="unknown dartspt_ablate item 'nope'; items: measure, train-data"):
        Semantics.from_settings({"dartspt_ablate": "measure,nope"})


@pytest.mark.parametrize(("space", "ablate", "epochs"), [("nb201", "", 100), ("s5", "", 50), ("s5", "epochs", 100)])
def test_train_epochs_minus_one_is_the_official_codes_value_for_the_space(space, ablate, epochs):
    sem = Semantics.from_settings({"dartspt_ablate": ablate})
    assert sem.train_overrides(space, -1) == {"data": "official", "epochs": epochs}
    assert sem.train_overrides(space, 7) == {"data": "official"}  # an explicit value is kept
