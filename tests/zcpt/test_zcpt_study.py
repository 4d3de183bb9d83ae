"""``nasbench zc-pt-study`` prints the docs' tables from stored rows."""

from nasbench_plugins.zero_cost_pt.study import ablation, table2


def _row(seed: int, error: float, rank: int, strategy: str = "independent", **settings) -> dict:
    base = {"batch_size": 256, "zcpt_semantics": "official", "zcpt_ablate": ""}
    if strategy == "progressive":
        base.update(proposals=10, validation=100, edge_order="random")
    return {
        "scorer": "zc-pt",
        "space": "nb201",
        "strategy": strategy,
        "status": "ok",
        "seed": seed,
        "arch": "|a~0|+|b~0|c~1|+|d~0|e~1|f~2|",
        "test_error": error,
        "rank": float(rank),
        "edge_spearman_initial": 0.8,
        "edge_spearman_progressive": float("nan"),
        "search_seconds": 60.0,
        "peak_memory_bytes": 2**29,
        "settings": {**base, **settings},
    }


def test_the_ablation_table_has_one_row_per_semantics_and_a_column_per_seed():
    rows = [_row(0, 6.0, 40), _row(1, 7.0, 400), _row(0, 9.0, 9000, zcpt_ablate="bn")]
    lines = ablation(rows).splitlines()
    assert lines[0].startswith("| semantics | seed 0: error % / rank | seed 1: error % / rank | mean error %")
    assert lines[2] == "| official (batch 256) | 6.00 / 40 | 7.00 / 400 | 6.50 ± 0.50 | 220 | 0.80 ± 0.00 | 60 |"
    assert lines[3].startswith("| official without bn (batch 256) | 9.00 / 9,000 | - | 9.00 |")
    assert lines[-1].startswith("| paper, Table 1")


def test_table2_lists_each_seed_then_the_mean_and_the_paper():
    rows = [_row(s, 6.0 + s / 10, 10 + s, strategy="progressive") for s in range(4)]
    lines = table2(rows).splitlines()
    assert len(lines) == 2 + 4 + 1 + 1
    assert "| 6.15 ± 0.11 |" in lines[6].replace("**", "") and lines[6].startswith("| **official (N=10, V=100")
    assert "5.97 ± 0.17" in lines[7]
