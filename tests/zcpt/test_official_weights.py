"""Official NB201 state_dicts (Zero-Cost-PT / DARTS-PT names) load into nasbench's networks."""

from __future__ import annotations

import pytest
import torch

from nasbench.errors import BadInput
from nasbench.torchutil import torch_generator
from nasbench_plugins.nb201.official import from_official, load_official
from nasbench_plugins.nb201.space import NB201Space

SPACE = NB201Space(channels=4, cells_per_stage=1)


def _as_official(state: dict) -> dict:
    """nasbench names -> official names (the inverse of ``from_official``), for round trips."""
    edges = ("1<-0", "2<-0", "2<-1", "3<-0", "3<-1", "3<-2")
    out = {}
    for name, value in state.items():
        parts = name.split(".")
        if parts[0] == "cells" and parts[2] == "edge_layers":
            name = ".".join(["cells", parts[1], "edges", edges[int(parts[3])], parts[4], "op", *parts[5:]])
        elif parts[0] == "cells" and parts[2] in ("layers", "conv_a", "conv_b") and len(parts) > 4:
            cut = 4 if parts[2] == "layers" else 3
            name = ".".join([*parts[:cut], "op", *parts[cut:]])
        elif parts[0] == "head":
            name = ".".join(["lastact", *parts[1:]])
        out[name] = value
    return out


def test_a_supernet_round_trips_through_official_names():
    ours = SPACE.build_supernet(10, torch_generator(0))
    fresh = SPACE.build_supernet(10, torch_generator(1))
    load_official(fresh, _as_official(ours.state_dict()), "supernet")
    assert all(torch.equal(v, fresh.state_dict()[k]) for k, v in ours.state_dict().items())


def test_a_discrete_network_round_trips_through_official_names():
    arch = SPACE.parse("|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|")
    ours = SPACE.build_network(arch, 10, torch_generator(0))
    fresh = SPACE.build_network(arch, 10, torch_generator(5))
    load_official(fresh, _as_official(ours.state_dict()))
    assert all(torch.equal(v, fresh.state_dict()[k]) for k, v in ours.state_dict().items())


def test_weight_masks_of_official_masked_layers_are_folded_into_the_weights():
    state = {"stem.0.weight": torch.ones(2, 3, 1, 1), "stem.0.weight_mask": torch.tensor([0.0, 1.0]).view(2, 1, 1, 1)}
    state["stem.0.score"] = torch.zeros(2, 3, 1, 1)
    out = from_official(state)
    assert set(out) == {"stem.0.weight"} and out["stem.0.weight"][0].sum() == 0 and out["stem.0.weight"][1].sum() == 3


def test_a_state_dict_of_another_width_is_one_clear_error():
    wide = NB201Space(channels=8, cells_per_stage=1).build_supernet(10, torch_generator(0))
    with pytest.raises(BadInput, match=r"has shape \(8, 3, 3, 3\), the supernet needs \(4, 3, 3, 3\)"):
        load_official(SPACE.build_supernet(10, torch_generator(0)), _as_official(wide.state_dict()), "supernet")


def test_a_state_dict_of_another_depth_names_what_is_missing():
    deep = NB201Space(channels=4, cells_per_stage=2).build_supernet(10, torch_generator(0))
    with pytest.raises(
        BadInput,
        match=r"does not fit this NB201 supernet: \d+ missing, \d+ unexpected entries, e\.g\. missing 'cells\.1\.",
    ):
        load_official(SPACE.build_supernet(10, torch_generator(0)), _as_official(deep.state_dict()), "supernet")


def test_a_biased_supernet_says_official_ones_have_no_bias():
    plain = SPACE.build_supernet(10, torch_generator(0))
    biased = NB201Space(channels=4, cells_per_stage=1, conv_bias=True).build_supernet(10, torch_generator(0))
    with pytest.raises(BadInput, match="nb201_conv_bias=false"):
        load_official(biased, _as_official(plain.state_dict()), "supernet")


def test_the_space_setting_starts_the_supernet_from_an_official_checkpoint(tmp_path):
    source = SPACE.build_supernet(10, torch_generator(7))
    path = tmp_path / "official.pt"
    torch.save(_as_official(source.state_dict()), path)
    space = SPACE.with_settings({"nb201_channels": 4, "nb201_cells": 1, "nb201_supernet_weights": str(path)})
    loaded = space.build_supernet(10, torch_generator(0))
    assert all(torch.equal(v, loaded.state_dict()[k]) for k, v in source.state_dict().items())


def test_a_missing_official_checkpoint_is_refused_when_settings_are_read():
    with pytest.raises(BadInput, match="setting nb201_supernet_weights=./nowhere.pt. does not exist"):
        NB201Space.settings["nb201_supernet_weights"].coerce("nb201_supernet_weights", "/nowhere.pt")
