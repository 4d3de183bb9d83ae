"""NAS-Bench-Macro: arch strings, network shapes, masked supernet, table look-ups against the JSON."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from nasbench.errors import BadInput, DataError
from nasbench.supernet import discretize
from nasbench.torchutil import torch_generator
from nasbench_plugins.macro.benchmark import MacroBenchmark, load_table
from nasbench_plugins.macro.space import MacroSpace

DATA = Path(os.environ["NASBENCH_DATA"]) if os.environ.get("NASBENCH_DATA") else None
TABLE = DATA / "nas-bench-macro_cifar10.json" if DATA is not None else None
needs_macro = pytest.mark.skipif(TABLE is None or not TABLE.is_file(), reason="needs nas-bench-macro_cifar10.json")
TINY = MacroSpace({"macro_channels": 4, "macro_head_channels": 16})


pytestmark = pytest.mark.usefixtures("single_thread")  # see nasbench.testing


def test_arch_string_round_trip_and_malformed() -> None:
    arch = TINY.parse("22212220")
    assert arch.ops[:3] == ("mb6_k5",) * 3 and arch.ops[3] == "mb3_k3" and arch.ops[7] == "identity"
    assert TINY.format(arch) == "22212220"
    for bad in ("2221222", "222122203", "22212223", "abc"):
        with pytest.raises(BadInput):
            TINY.parse(bad)


def test_network_downsamples_three_times() -> None:
    net = TINY.build_network(TINY.parse("00000000"), 10, torch_generator(0))
    feats = net.stem(torch.randn(2, 3, 32, 32))
    for layer in net.features:
        feats = layer(feats)
    assert feats.shape == (2, 32, 4, 4)  # 4 -> 8 -> 16 -> 32 channels, 32 -> 4 pixels
    assert net(torch.randn(2, 3, 32, 32)).shape == (2, 10)


def test_supernet_masked_choice_is_not_executed() -> None:
    net = TINY.build_supernet(10, torch_generator(0))
    seen: list[int] = []
    net.features[3][2].register_forward_hook(lambda *_: seen.append(1))
    x = torch.randn(2, 3, 16, 16)
    net(x)
    assert seen
    seen.clear()
    discretize(net, "layer3", "mb3_k3")
    assert net(x).shape == (2, 10) and not seen
    net.op_mask[5].zero_()
    assert net(x).shape == (2, 10)


def test_complete_needs_every_layer() -> None:
    with pytest.raises(BadInput, match="undecided"):
        TINY.complete({"layer0": "identity"})
    assert TINY.format(TINY.complete({f"layer{i}": "mb3_k3" for i in range(8)})) == "11111111"


@needs_macro
def test_table_lookups_match_the_json() -> None:
    raw = json.loads(TABLE.read_text())
    bench = MacroBenchmark()
    rng = np.random.default_rng(0)
    for _ in range(5):
        arch = TINY.sample(rng)
        assert bench.accuracy(arch, "cifar10") == pytest.approx(raw[TINY.format(arch)]["mean_acc"])
    best = TINY.parse("22212220")
    assert bench.accuracy(best, "cifar10") == pytest.approx(93.12667, abs=1e-4)
    assert bench.rank(best, "cifar10") == (1, 6561)
    assert bench.rank(TINY.parse("00000000"), "cifar10") == (6561, 6561)
    codes, acc = bench.table("cifar10")
    assert codes.shape == (6561, 8) and acc.shape == (6561,)
    best_rows = {"".join(map(str, row)) for row in codes[acc == acc.max()]}
    assert "22212220" in best_rows  # tied with 22212202 in the published table


def test_corrupt_table_is_a_data_error(tmp_path: Path) -> None:
    bad = tmp_path / "macro.json"
    bad.write_text(json.dumps({"0000000": {"mean_acc": 1.0}}))
    with pytest.raises(DataError, match="6561 keys"):
        load_table(bad)
