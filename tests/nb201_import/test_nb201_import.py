"""``nasbench data import nb201 FILE`` / ``nats PATH``: tiny files in the official structure.

Reading and checking a file needs no optional package; turning records into curves goes through
the official ``nas_201_api`` / ``nats_bench`` classes, so those tests skip when the package is absent.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from nasbench import data
from nasbench.errors import DataError, NasbenchError
from nasbench_plugins.nb201 import full as nb201_full
from nasbench_plugins.nb201 import safe_pickle
from nasbench_plugins.nb201.benchmark import NB201Benchmark
from nasbench_plugins.nb201.data_files import NB201_TEST_ACC
from nasbench_plugins.nb201.space import NB201Space
from nasbench_plugins.nb201.table import load_test_table
from tests.conftest import HAVE_DATA, needs_data
from tests.nb201_import import official_files as of

needs_nb201 = pytest.mark.skipif(
    importlib.util.find_spec("nas_201_api") is None,
    reason="needs the optional nas-bench-201 package: pip install 'nasbench[nb201-import]'",
)
needs_nats = pytest.mark.skipif(
    importlib.util.find_spec("nats_bench") is None,
    reason="needs the optional nats_bench package: pip install 'nasbench[nats-import]'",
)


@pytest.fixture(scope="session")
def archs() -> list[str]:
    """The official index order when the NB201 table is there, else a fixed enumeration."""
    if HAVE_DATA:
        return list(load_test_table(data.resolve(NB201_TEST_ACC)).arch_strings)
    return of.generated_arch_strings()


@pytest.fixture(scope="session")
def nb201_pth(archs, tmp_path_factory) -> Path:
    return of.write_nb201(
        tmp_path_factory.mktemp("nb201") / "NAS-Bench-201-v1_1-096897.pth", of.official_dict(archs, "nb201")
    )


@pytest.fixture(scope="session")
def nats_pbz2(archs, tmp_path_factory) -> Path:
    return of.write_pbz2(
        tmp_path_factory.mktemp("nats") / "NATS-tss-v1_0-3ffb9.pickle.pbz2", of.official_dict(archs, "nats")
    )


def check_store(archs: list[str]) -> None:
    """The cache file holds exactly the values the official file was written with."""
    curves = nb201_full.load()
    assert curves is not None and curves.arch_strings == tuple(archs) and curves.epochs == of.EPOCHS
    assert curves.seeds("cifar10-valid") == [777, 888, 999] and curves.seeds("cifar100") == [777]
    for i in (0, 4, 5, 88, 6111, 15624):
        for dataset, (valid, test) in {
            "cifar10-valid": ("x-valid", "ori-test"),
            "cifar10": (None, "ori-test"),
            "cifar100": ("x-valid", "x-test"),
            "ImageNet16-120": ("x-valid", "x-test"),
        }.items():
            for k, seed in enumerate(curves.seeds(dataset)):
                has = seed in of.SEEDS[dataset] or i in of.THIRD_SEED_ARCHS
                for e in range(of.EPOCHS):
                    got = {n: curves.array(dataset, n)[i, k, e] for n in ("train_acc", "test_acc", "train_time")}
                    want = {
                        "train_acc": of.value(i, dataset, seed, "train", e),
                        "test_acc": of.value(i, dataset, seed, test, e),
                        "train_time": of.train_time(i, dataset, seed, e),
                    }
                    if valid:
                        got["valid_acc"] = curves.array(dataset, "valid_acc")[i, k, e]
                        want["valid_acc"] = of.value(i, dataset, seed, valid, e)
                    for name in got:
                        assert (got[name] == want[name]) if has else np.isnan(got[name]), (i, dataset, seed, name, e)
    with pytest.raises(NasbenchError, match="no valid split"):
        curves.array("cifar10", "valid_acc")


def one_line_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "Traceback" not in result.output, result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


# -- successful imports ---------------------------------------------------------------------------------


@needs_nb201
def test_nb201_import_stores_every_seed_and_epoch(nasbench_cli, nb201_pth, archs) -> None:
    result = nasbench_cli(["data", "import", "nb201", str(nb201_pth)])
    assert result.exit_code == 0, result.output
    assert "imported 15,625 NB201 archs, 2 epochs" in result.output and str(nb201_full.cache_path()) in result.output
    check_store(archs)
    assert [p.name for p in nb201_full.cache_path().parent.iterdir()] == [nb201_full.FILENAME]


@needs_nats
def test_nats_import_stores_the_same_values(nasbench_cli, nats_pbz2, archs) -> None:
    result = nasbench_cli(["data", "import", "nats", str(nats_pbz2), "--trust-pickle"])
    assert result.exit_code == 0, result.output
    check_store(archs)


@needs_nats
@pytest.mark.slow
def test_nats_archive_directory_imports(nasbench_cli, archs, tmp_path) -> None:
    root = of.write_nats_dir(tmp_path / "NATS-tss-v1_0-3ffb9-simple", archs)  # 15,625 files: ~20 s
    result = nasbench_cli(["data", "import", "nats", str(root)])
    assert result.exit_code == 0, result.output
    check_store(archs)


@needs_nb201
@needs_data
def test_queries_use_the_imported_curves(nasbench_cli, nb201_pth, archs) -> None:
    bench, space = NB201Benchmark(), NB201Space()
    csv_value = bench.accuracy(space.parse(archs[6111]), "cifar10")
    assert nasbench_cli(["data", "import", "nb201", str(nb201_pth)]).exit_code == 0
    bench = NB201Benchmark()
    arch = space.parse(archs[3])
    assert bench.seeds(arch, "cifar10-valid") == [777, 888, 999]
    assert bench.seeds(space.parse(archs[6111]), "cifar10-valid") == [777, 888]
    assert bench.accuracy_at(arch, "cifar10-valid", epochs=1, seed=888, split="valid") == of.value(
        3, "cifar10-valid", 888, "x-valid", 0
    )
    assert bench.accuracy_at(arch, "cifar100") == of.value(3, "cifar100", 777, "x-test", 1)
    mean = np.mean([of.value(3, "cifar10-valid", s, "ori-test", 1) for s in (777, 888, 999)])
    assert bench.accuracy_at(arch, "cifar10-valid") == pytest.approx(mean)
    assert list(bench.curve(arch, "cifar10", "train", seed=777)) == [
        of.value(3, "cifar10", 777, "train", e) for e in range(2)
    ]
    assert bench.train_time(arch, "ImageNet16-120", seed=777) == pytest.approx(
        sum(of.train_time(3, "ImageNet16-120", 777, e) for e in range(2))
    )
    assert bench.train_time(arch, "ImageNet16-120", epochs=1, seed=777) == of.train_time(3, "ImageNet16-120", 777, 0)
    # the validation variants become datasets; the table datasets keep their published values
    assert set(bench.datasets) == {
        "cifar10",
        "cifar100",
        "ImageNet16-120",
        "cifar10-valid",
        "cifar100-valid",
        "ImageNet16-120-valid",
    }
    assert bench.accuracy(arch, "cifar100-valid") == of.value(3, "cifar100", 777, "x-valid", 1)
    assert bench.rank(space.parse(archs[88]), "ImageNet16-120-valid")[0] == 1  # index % 89 == 88 is the best
    assert bench.accuracy(space.parse(archs[6111]), "cifar10") == csv_value
    with pytest.raises(NasbenchError, match="no seed 555"):
        bench.accuracy_at(arch, "cifar10", seed=555)
    with pytest.raises(NasbenchError, match="out of range"):
        bench.accuracy_at(arch, "cifar10", epochs=3)


@needs_data
def test_without_an_import_nothing_changes() -> None:
    bench = NB201Benchmark()
    assert bench.full() is None and bench.datasets == ("cifar10", "cifar100", "ImageNet16-120", "cifar10-valid")
    arch = bench.arch_at(0)
    with pytest.raises(DataError, match="nasbench data import nb201"):
        bench.accuracy_at(arch, "cifar10", epochs=12)
    with pytest.raises(DataError, match="nasbench data import"):  # a variant that needs the import says so
        bench.accuracy(arch, "cifar100-valid")


# -- bad files: one line, exit 2, nothing written ---------------------------------------------------------


def _truncated(path: Path, source: Path) -> Path:
    path.write_bytes(source.read_bytes()[: source.stat().st_size // 2])
    return path


class _Evil:
    def __reduce__(self):
        return (print, ("this must never run",))


BAD_FILES = {
    # name: (kind, writer(tmp, archs, nb201_pth, nats_pbz2) -> path, words in the message)
    "truncated pth": ("nb201", lambda t, a, p, n: _truncated(t / "x.pth", p), ["corrupt or not a NAS-Bench-201"]),
    "garbage": ("nb201", lambda t, a, p, n: _write(t / "x.pth", b"not a pickle at all"), ["corrupt"]),
    "truncated pbz2": ("nats", lambda t, a, p, n: _truncated(t / "x.pickle.pbz2", n), ["corrupt or not a NATS"]),
    "nats file as nb201": ("nb201", lambda t, a, p, n: n, ["corrupt or not a NAS-Bench-201"]),
    "nb201 file as nats": ("nats", lambda t, a, p, n: p, ["nasbench data import nb201"]),
    "not a dict": ("nb201", lambda t, a, p, n: of.write_nb201(t / "x.pth", [1, 2, 3]), ["holds a list"]),
    "other keys": ("nb201", lambda t, a, p, n: of.write_nb201(t / "x.pth", {"model": {}}), ["'meta_archs' missing"]),
    "too few archs": (
        "nb201",
        lambda t, a, p, n: of.write_nb201(t / "x.pth", of.official_dict(a[:100], "nb201")),
        ["lists 100 archs, expected 15,625"],
    ),
    "size space": (
        "nats",
        lambda t, a, p, n: of.write_pbz2(
            t / "x.pickle.pbz2",
            {"meta_archs": ["64:64:64:64:64"] * 15625, "arch2infos": {}, "evaluated_indexes": set()},
        ),
        ["not an NB201 topology file"],
    ),
    "foreign class": (
        "nats",
        lambda t, a, p, n: of.write_pbz2(t / "x.pickle.pbz2", {"meta_archs": _Evil()}),
        ["builtins.print", "--trust-pickle"],
    ),
    "foreign class pth": (
        "nb201",
        lambda t, a, p, n: of.write_nb201(t / "x.pth", {"meta_archs": _Evil()}),
        ["print", "--trust-pickle"],
    ),
}
if HAVE_DATA:
    BAD_FILES["wrong order"] = (
        "nb201",
        lambda t, a, p, n: of.write_nb201(t / "x.pth", of.official_dict(a[1:] + a[:1], "nb201")),
        ["arch 0 is", "but the NB201 table has"],
    )


def _dir(path: Path) -> Path:
    path.mkdir()
    return path


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_is_refused_before_any_record_is_read(case, tmp_path, archs, nb201_pth, nats_pbz2) -> None:
    kind, writer, words = BAD_FILES[case]
    path = writer(tmp_path, archs, nb201_pth, nats_pbz2)
    with pytest.raises(NasbenchError) as info:
        source = nb201_full.open_source(kind, path)
        nb201_full.verify_arch_strings(str(path), source.arch_strings, tuple(archs) if HAVE_DATA else None)
    for word in words:
        assert word in str(info.value)
    assert "\n" not in str(info.value)


def _broken_record(archs: list[str], index: int, change) -> dict:
    record = of.arch_results(index, archs[index])
    change(record)
    return of.official_dict(archs, "nb201", records={index: record})


def _out_of_range(record: dict) -> None:
    run = dict(record["all_results"]["cifar100", 777])
    run["eval_acc1es"] = {**run["eval_acc1es"], "x-test@1": 250.0}
    record["all_results"]["cifar100", 777] = run


@needs_nb201
def test_bad_files_change_nothing_in_the_cache(nasbench_cli, tmp_path, archs, nb201_pth, nats_pbz2) -> None:
    assert nasbench_cli(["data", "import", "nb201", str(nb201_pth)]).exit_code == 0
    before = nb201_full.cache_path().read_bytes()
    cases = {
        name: (kind, writer(_dir(tmp_path / f"case{k}"), archs, nb201_pth, nats_pbz2), words)
        for k, (name, (kind, writer, words)) in enumerate(BAD_FILES.items())
    }
    last = archs[-1]
    cases["missing dataset"] = (
        "nb201",
        of.write_nb201(
            tmp_path / "m.pth", _broken_record(archs, 15624, lambda r: r["dataset_seed"].pop("ImageNet16-120"))
        ),
        ["arch 15624: no ImageNet16-120 results"],
    )
    cases["out of range"] = (
        "nb201",
        of.write_nb201(tmp_path / "r.pth", _broken_record(archs, 3, _out_of_range)),
        ["arch 3 cifar100 seed 777 x-test@1 = 250.0 is out of range"],
    )
    cases["other arch"] = (
        "nb201",
        of.write_nb201(tmp_path / "o.pth", _broken_record(archs, 7, lambda r: r.update(arch_str=last))),
        ["arch 7: record is for"],
    )
    for name, (kind, path, words) in cases.items():
        result = nasbench_cli(["data", "import", kind, str(path)])
        one_line_error(result, *words)
        assert nb201_full.cache_path().read_bytes() == before, name
        assert [p.name for p in nb201_full.cache_path().parent.iterdir()] == [nb201_full.FILENAME], name


def test_a_corrupt_cache_file_is_a_data_error(tmp_path) -> None:
    nb201_full.cache_path().parent.mkdir(parents=True)
    nb201_full.cache_path().write_bytes(b"PK\x03\x04 broken")
    with pytest.raises(DataError, match="import the official file again"):
        nb201_full.load()


# -- packages and commands --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "modules", "extra"),
    [
        ("nb201", ("nas_201_api", "nas_201_api.api_utils"), "nasbench[nb201-import]"),
        ("nats", ("nats_bench", "nats_bench.api_utils"), "nasbench[nats-import]"),
    ],
)
def test_a_missing_package_names_the_extra(nasbench_cli, monkeypatch, tmp_path, kind, modules, extra) -> None:
    for module in modules:
        monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    path = _write(tmp_path / "file", b"whatever")
    one_line_error(nasbench_cli(["data", "import", kind, str(path)]), "pip install", extra)
    assert not nb201_full.cache_path().exists()


def test_the_import_group_keeps_nb301(nasbench_cli) -> None:
    result = nasbench_cli(["data", "import", "--help"])
    assert result.exit_code == 0
    assert all(name in result.output for name in ("nb201", "nats", "nb301"))


def test_tensors_in_a_pth_load_and_in_a_plain_pickle_are_dropped(tmp_path) -> None:
    obj = {"w": torch.ones(2), "n": np.float64(1.5)}
    assert torch.equal(safe_pickle.load_pth(of.write_nb201(tmp_path / "t.pth", obj), False)["w"], torch.ones(2))
    loaded = safe_pickle.load_pbz2(of.write_pbz2(tmp_path / "t.pickle.pbz2", obj), False)
    assert loaded == {"w": None, "n": 1.5}
