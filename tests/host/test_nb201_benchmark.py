"""The NB201 table: official index order, accuracies in percent, rank = 1 + #strictly better."""

import time

import pytest

from nasbench.errors import DataError
from nasbench_plugins.nb201.benchmark import NB201Benchmark
from nasbench_plugins.nb201.space import NB201Space
from nasbench_plugins.nb201.table import load_test_table
from tests.conftest import needs_data

BEST = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"

pytestmark = needs_data


def test_loading_the_tables_takes_well_under_a_second():
    load_test_table.cache_clear()
    start = time.perf_counter()
    bench = NB201Benchmark()
    bench.accuracies("cifar10")
    bench.accuracies("cifar10-valid")
    assert time.perf_counter() - start < 1.0


def test_index_follows_the_official_order():
    bench, space = NB201Benchmark(), NB201Space()
    assert bench.index(space.parse(BEST)) == 6111
    assert space.format(bench.arch_at(0)) == (
        "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"
    )


def test_the_best_cifar10_arch_has_rank_one_on_test_and_valid():
    bench, arch = NB201Benchmark(), NB201Space().parse(BEST)
    assert bench.accuracy(arch, "cifar10") == pytest.approx(94.37333, abs=1e-4)
    assert bench.rank(arch, "cifar10") == (1, 15625)
    assert bench.accuracy(arch, "cifar10-valid") == pytest.approx(91.60667, abs=1e-4)
    assert bench.rank(arch, "cifar10-valid")[0] == 1


def test_ties_share_the_better_rank():
    bench = NB201Benchmark()
    acc = bench.accuracies("cifar100")
    chance = NB201Space().parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    value = bench.accuracy(chance, "cifar100")
    tied = [i for i in range(len(acc)) if acc[i] == value]
    assert len(tied) > 1  # the untrainable archs share chance accuracy
    ranks = {bench.rank(bench.arch_at(i), "cifar100")[0] for i in tied}
    assert ranks == {1 + int((acc > value).sum())}


def test_a_table_with_a_bad_arch_string_is_a_data_error(tmp_path):
    rows = [
        "CIFAR10TestAccuracy200Epochs,CIFAR100TestAccuracy200Epochs,ImageNetTestAccuracy200Epochs,ArchitectureString"
    ] + ["1,1,1,|bad|"] * 15625
    (tmp_path / "t.csv").write_text("\n".join(rows))
    with pytest.raises(DataError, match="malformed NB201 arch string"):
        load_test_table(tmp_path / "t.csv")
