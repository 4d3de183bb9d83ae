"""NB301 stand-in: YAHPO encoding, the 0.60 validation number, rank sample, clear data errors."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from nasbench.errors import BadInput, DataError, NasbenchError
from nasbench.metrics import spearman
from nasbench_plugins.darts_space.reduced_spaces import SPECS
from nasbench_plugins.darts_space.space import make_space
from nasbench_plugins.nb301.benchmark import NB301Benchmark, NB301Surrogate, load_session
from nasbench_plugins.nb301.encoding import COLUMNS, encode, load_codes

DATA = Path(os.environ["NASBENCH_DATA"]) if os.environ.get("NASBENCH_DATA") else None
HAVE_NB301 = DATA is not None and (DATA / "nb301_yahpo" / "model_v2.onnx").is_file()
needs_nb301 = pytest.mark.skipif(not HAVE_NB301, reason="needs nb301_yahpo/ under NASBENCH_DATA")
REFERENCE = DATA / "reference" / "zc_nasbench301.json" if DATA is not None else None
#: NASLib's compact genotype op codes (shared/data/reference/MANIFEST.md)
NASLIB_OPS = (
    "max_pool_3x3",
    "avg_pool_3x3",
    "skip_connect",
    "sep_conv_3x3",
    "sep_conv_5x5",
    "dil_conv_3x3",
    "dil_conv_5x5",
)
DARTS = make_space(SPECS[0])


def naslib_genotype(key: str) -> dict:
    pairs = [(int(a), int(b)) for a, b in re.findall(r"\((\d+),\s*(\d+)\)", key)]
    assert len(pairs) == 16
    return {"normal": [(NASLIB_OPS[o], i) for i, o in pairs[:8]], "reduce": [(NASLIB_OPS[o], i) for i, o in pairs[8:]]}


@needs_nb301
def test_encoding_follows_the_manifest_column_order() -> None:
    codes = load_codes(DATA / "nb301_yahpo" / "encoding_v2.json")
    g = {
        "normal": [
            ("sep_conv_3x3", 0),
            ("skip_connect", 1),
            ("max_pool_3x3", 0),
            ("avg_pool_3x3", 2),
            ("dil_conv_3x3", 1),
            ("dil_conv_5x5", 3),
            ("sep_conv_5x5", 2),
            ("skip_connect", 4),
        ],
        "reduce": [("max_pool_3x3", 0), ("max_pool_3x3", 1)] * 4,
    }
    row = encode(g, codes)
    assert len(COLUMNS) == 34 and row.dtype == np.int32
    assert row[0] == 5 and row[1] == 7  # node 2: edges 0 (from 0) and 1 (from 1)
    assert row[2] == 4 and row[4] == 1 and row[3] == 0  # node 3 = offset 2: from 0, from 2; from 1 inactive
    assert row[5 + 1] == 2 and row[5 + 3] == 3  # node 4 = offset 5
    assert row[9 + 2] == 6 and row[9 + 4] == 7  # node 5 = offset 9
    assert row[14] == 4 and row[15] == 4 and row[16] == 4  # reduce cell starts at column 14
    assert list(row[28:31]) == [2, 5, 9]  # inputs_node_normal_3..5: "0_2", "1_3", "2_4"
    assert list(row[31:34]) == [1, 1, 1]  # every reduce node reads "0_1"


@needs_nb301
def test_noise_op_has_no_nb301_code() -> None:
    codes = load_codes(DATA / "nb301_yahpo" / "encoding_v2.json")
    g = {"normal": [("noise", 0), ("sep_conv_3x3", 1)] * 4, "reduce": [("sep_conv_3x3", 0), ("noise", 1)] * 4}
    with pytest.raises(BadInput, match="no NB301 code"):
        encode(g, codes)


@needs_nb301
@pytest.mark.data
def test_surrogate_reproduces_spearman_060_on_naslib_nb301_archs() -> None:
    raw = json.loads(REFERENCE.read_text())["nasbench301"]["cifar10"]
    genotypes = [naslib_genotype(k) for k in raw]
    truth = [v["val_accuracy"] for v in raw.values()]
    pred = NB301Surrogate().predict(genotypes)
    assert len(pred) == 500 and 89.0 < pred.min() and pred.max() < 95.0  # percent
    rho = spearman(pred, truth)
    assert rho == pytest.approx(0.60, abs=0.01), rho


@needs_nb301
def test_accuracy_through_the_space_matches_the_naslib_conversion() -> None:
    key = next(iter(json.loads(REFERENCE.read_text())["nasbench301"]["cifar10"]))
    g = naslib_genotype(key)
    arch = DARTS.parse(json.dumps({"normal": [list(p) for p in g["normal"]], "reduce": [list(p) for p in g["reduce"]]}))
    bench = NB301Benchmark(SPECS[0], "nb301")
    assert bench.accuracy(arch, "cifar10") == pytest.approx(NB301Surrogate().predict([g])[0])
    assert bench.table("cifar10") is None


@needs_nb301
@pytest.mark.slow
def test_rank_uses_a_cached_reference_sample(tmp_path: Path) -> None:
    bench = NB301Benchmark(SPECS[0], "nb301")
    arch = DARTS.sample(np.random.default_rng(3))
    rank, total = bench.rank(arch, "cifar10")
    assert total == 10_000 and 1 <= rank <= total + 1
    cached = list((tmp_path / "cache" / "nb301").glob("rank_sample_darts_*.npy"))
    assert len(cached) == 1
    again = NB301Benchmark(SPECS[0], "nb301")
    assert np.array_equal(again.population(), bench.population())


def test_missing_model_file_is_one_clear_data_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NASBENCH_DATA", raising=False)
    with pytest.raises(DataError, match="missing data file nb301_yahpo/model_v2.onnx"):
        genotype = DARTS.genotype(DARTS.sample(np.random.default_rng(0)))
        NB301Surrogate(data_dir=str(tmp_path / "empty")).predict([genotype])


def test_corrupt_model_file_is_a_data_error(tmp_path: Path) -> None:
    bad = tmp_path / "model_v2.onnx"
    bad.write_bytes(b"not an onnx model")
    with pytest.raises(DataError, match="not a loadable ONNX model"):
        load_session(bad)


def test_corrupt_model_in_the_data_dir_fails_the_checksum(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NASBENCH_DATA", raising=False)
    (tmp_path / "nb301_yahpo").mkdir()
    (tmp_path / "nb301_yahpo" / "model_v2.onnx").write_bytes(b"\0" * 100)
    (tmp_path / "nb301_yahpo" / "encoding_v2.json").write_text("{}")
    with pytest.raises(DataError):
        NB301Surrogate(data_dir=str(tmp_path)).predict([DARTS.genotype(DARTS.sample(np.random.default_rng(0)))])


def test_missing_onnxruntime_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(NasbenchError, match=r"nasbench\[nb301\]"):
        load_session(tmp_path / "model_v2.onnx")
