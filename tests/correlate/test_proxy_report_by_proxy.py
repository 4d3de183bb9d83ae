"""The per-proxy table of `report-proxies --by-proxy`: one row per proxy, one rho/tau pair per dataset."""

from __future__ import annotations

import pytest

from nasbench.errors import BadInput
from nasbench_plugins.correlate.datasets import STAND_IN_SUFFIX
from nasbench_plugins.correlate.report import STAND_IN_MARK, by_proxy_table

STAND_IN_NOTE = "cifar100 images not available (not in /data); proxies ran on CIFAR-10 train" + STAND_IN_SUFFIX


def study(proxy, dataset, spearman, *, kendall=0.5, sample="random:100", seed=0, note="images: own", n=100):
    return {
        "space": "nb201",
        "benchmark": "nb201",
        "dataset": dataset,
        "proxy": proxy,
        "images": f"{'cifar10' if note != 'images: own' else dataset}:1000:c10:abc",
        "batch_size": 64,
        "seed": seed,
        "sample": sample,
        "n": n,
        "spearman": spearman,
        "kendall": kendall,
        "archs_per_second": 2.0,
        "peak_memory_bytes": 3 * 2**20,
        "images_note": note,
    }


def test_one_row_per_proxy_with_a_column_pair_per_dataset_in_benchmark_order():
    rows = [
        study("nwot", "cifar100", 0.7, note=STAND_IN_NOTE),
        study("nwot", "cifar10", 0.8, kendall=0.6),
        study("synflow", "cifar10", 0.9),
    ]
    table, _ = by_proxy_table(rows, {"nwot": "NASWOT.", "synflow": "SynFlow."}, ["cifar10", "cifar100"])
    assert [r["proxy"] for r in table] == ["synflow", "nwot"]  # best first, by the first dataset's rho
    nwot = table[1]
    assert list(nwot)[-4:] == ["ρ cifar10", "τ cifar10", "ρ cifar100", "τ cifar100"]
    assert (nwot["definition"], nwot["ρ cifar10"], nwot["τ cifar10"]) == ("NASWOT.", "0.800", "0.600")
    assert nwot["ρ cifar100"] == "0.700" + STAND_IN_MARK
    assert table[0]["ρ cifar100"] == "-"  # synflow was not studied there


def test_the_legend_states_sample_seed_batch_and_images():
    _, legend = by_proxy_table([study("nwot", "cifar100", 0.7, note=STAND_IN_NOTE)], {}, [])
    assert "sample random:100, seed 0, batch 64" in legend[0]
    assert any("cifar100: images cifar10:1000 (stand-in)" in line for line in legend)


def test_cost_comes_from_the_first_dataset_the_proxy_has():
    rows = [study("nwot", "cifar100", 0.7, n=90), study("nwot", "cifar10", 0.8, n=80)]
    (row,), _ = by_proxy_table(rows, {}, ["cifar10", "cifar100"])
    assert row["n"] == "80" and row["archs/s"] == "2.0" and row["peak mem"] == "3.0 MiB"


def test_two_studies_of_one_proxy_and_dataset_must_be_told_apart():
    rows = [study("nwot", "cifar10", 0.8), study("nwot", "cifar10", 0.6, sample="random:1000")]
    with pytest.raises(BadInput, match="two studies of nwot on cifar10.*--sample"):
        by_proxy_table(rows, {}, [])


def test_an_unregistered_proxy_still_gets_its_row():
    (row,), _ = by_proxy_table([study("gone", "cifar10", 0.1)], {}, [])
    assert row["definition"] == "(not registered here)"


def test_the_stored_stand_in_flag_decides_and_older_rows_are_read_from_their_note():
    flagged = {**study("nwot", "cifar10", 0.8, note="any wording"), "images_stand_in": 1}
    unflagged = {**study("nwot", "cifar100", 0.7, note=STAND_IN_NOTE), "images_stand_in": 0}
    older = study("nwot", "ImageNet16-120", 0.6, note=STAND_IN_NOTE)  # no flag column yet
    (row,), _ = by_proxy_table([flagged, unflagged, older], {}, ["cifar10", "cifar100", "ImageNet16-120"])
    assert row["ρ cifar10"].endswith(STAND_IN_MARK) and not row["ρ cifar100"].endswith(STAND_IN_MARK)
    assert row["ρ ImageNet16-120"].endswith(STAND_IN_MARK)


def test_a_slow_proxy_keeps_two_significant_digits_of_archs_per_second():
    """The NTK proxies score ~0.02 archs/s on a CPU core; one decimal would print 0.0."""
    slow = study("tenas", "cifar10", 0.7) | {"archs_per_second": 0.0243}
    (row,), _ = by_proxy_table([slow], {}, [])
    assert row["archs/s"] == "0.024"
