"""Per-seed, per-epoch NB201 training curves imported from the official NAS-Bench-201 / NATS-Bench files.

``nasbench data import nb201 FILE`` (``NAS-Bench-201-v1_[01]-*.pth``) and ``nasbench data import nats
PATH`` (``NATS-tss-v1_0-3ffb9-simple`` / ``-full`` directory, or one ``*.pickle.pbz2`` file) read the
official file, interpret each architecture's record with the official package's own classes
(``nas_201_api.api_utils.ArchResults`` / ``nats_bench.api_utils.ArchResults``), verify it and write
``nb201_full.npz`` into the user cache (``nasbench.api.cache_dir()``). Only the 200-epoch schedule
(NB201 ``full``, NATS ``hp='200'``) is imported.

Safety: the files are pickles. Both kinds are read with an allow-list unpickler that builds only
plain data (dicts, lists, numbers, strings, ``OrderedDict``, numpy scalars/arrays); in ``.pth``
files ``torch.load`` rebuilds tensors from the file's storages as its ``weights_only`` mode does,
in ``.pickle.pbz2`` files tensors (trained weights, unused here) become ``None`` without running
torch code. A file that needs any other class is refused with one line; ``--trust-pickle`` then
loads it the way the official package does (full unpickling). The allow-list unpickler is the C
one, so the multi-GB official files load at pickle speed (``weights_only`` is pure Python).

Stored layout (``np.savez``, uncompressed so single arrays load fast), N = 15,625 archs, S seeds, E epochs:

``arch_strings`` [N] str, official index order; ``epochs`` E; ``source`` one line;
``<dataset>__seeds`` [S] int (official seeds, e.g. 777 888 999); ``<dataset>__train_acc``,
``<dataset>__valid_acc``, ``<dataset>__test_acc`` [N, S, E] float32 percent, ``<dataset>__train_time``
[N, S, E] float32 seconds per epoch; NaN where the official file has no value (an arch trained with
fewer seeds, an epoch not evaluated). Column ``e`` holds the value after ``e + 1`` epochs.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from nasbench import api
from nasbench.api import BadInput, DataError, NasbenchError
from nasbench_plugins.nb201.data_files import NB201_TEST_ACC
from nasbench_plugins.nb201.safe_pickle import first_line as _first_line
from nasbench_plugins.nb201.safe_pickle import load_pbz2 as _load_pbz2
from nasbench_plugins.nb201.safe_pickle import load_pth as _load_pth
from nasbench_plugins.nb201.table import NUM_ARCHS, codes_of, load_test_table

FILENAME = "nb201_full.npz"
DATASETS = ("cifar10-valid", "cifar10", "cifar100", "ImageNet16-120")
SPLITS = ("train", "valid", "test")
#: official eval-set name of each split, per dataset (None: the dataset has no such split)
EVAL_SETS: dict[str, dict[str, str | None]] = {
    "cifar10-valid": {"valid": "x-valid", "test": "ori-test"},
    "cifar10": {"valid": None, "test": "ori-test"},
    "cifar100": {"valid": "x-valid", "test": "x-test"},
    "ImageNet16-120": {"valid": "x-valid", "test": "x-test"},
}
FULL_HP = {"nb201": "full", "nats": "200"}  # the 200-epoch schedule's key in each format
EXTRAS = {
    "nb201": ("nas_201_api", "nas-bench-201", "nb201-import"),
    "nats": ("nats_bench", "nats_bench", "nats-import"),
}


def cache_path() -> Path:
    return api.cache_dir() / FILENAME


def no_import_message() -> str:
    return (
        "no imported NB201 training curves: run `nasbench data import nb201 NAS-Bench-201-v1_1-096897.pth` "
        "or `nasbench data import nats NATS-tss-v1_0-3ffb9-simple` first"
    )


# -- reading the official files ---------------------------------------------------------------------


def _arch_results_class(kind: str) -> Any:
    """The official package's ``ArchResults``; a clear line naming the extra when it is missing."""
    module, dist, extra = EXTRAS[kind]
    try:
        if kind == "nb201":
            from nas_201_api.api_utils import ArchResults
        else:
            from nats_bench.api_utils import ArchResults
    except ImportError:
        raise NasbenchError(
            f"importing {kind} files needs the official {dist} package ({module}): pip install 'nasbench[{extra}]'"
        ) from None
    return ArchResults


@dataclass
class _Source:
    """An official file opened far enough to list its archs; ``records()`` yields (index, hp-200 state)."""

    description: str
    arch_strings: list[str]
    records: Callable[[], Iterator[tuple[int, Any]]]


def _from_dict(path: Path, obj: Any, kind: str) -> _Source:
    what = "NAS-Bench-201 .pth" if kind == "nb201" else "NATS-Bench topology"
    if not isinstance(obj, dict):
        raise DataError(f"{path} is not a {what} file: it holds a {type(obj).__name__}, not a dict")
    missing = [k for k in ("meta_archs", "arch2infos", "evaluated_indexes") if k not in obj]
    if missing:
        raise DataError(f"{path} is not a {what} file: key {missing[0]!r} missing")
    infos = obj["arch2infos"]
    if not isinstance(infos, dict):
        raise DataError(f"{path} is corrupt: arch2infos is a {type(infos).__name__}, not a dict")
    hp = FULL_HP[kind]

    def records() -> Iterator[tuple[int, Any]]:
        for i in range(NUM_ARCHS):
            entry = infos.get(i)
            if not isinstance(entry, dict):
                raise DataError(f"{path} is incomplete: no record for arch {i}")
            if hp not in entry:
                other = "NATS-Bench (use `nasbench data import nats`)" if "200" in entry else None
                other = other or ("NAS-Bench-201 (use `nasbench data import nb201`)" if "full" in entry else None)
                if other:
                    raise DataError(f"{path} looks like a {other} file, not {what}")
                raise DataError(f"{path} is incomplete: arch {i} has no 200-epoch results (key {hp!r})")
            yield i, entry[hp]

    return _Source(f"{kind} {path.name}", _arch_list(path, obj["meta_archs"]), records)


def _arch_list(path: Path, meta: Any) -> list[str]:
    if not isinstance(meta, list | tuple) or not all(isinstance(s, str) for s in meta):
        raise DataError(f"{path} is corrupt: meta_archs is not a list of arch strings")
    return list(meta)


def _from_dir(path: Path, trust: bool) -> _Source:
    meta_file = path / "meta.pickle.pbz2"
    if not meta_file.is_file():
        raise DataError(f"{path} is not a NATS-Bench archive directory: meta.pickle.pbz2 missing")
    meta = _load_pbz2(meta_file, trust)
    if not isinstance(meta, dict) or "meta_archs" not in meta:
        raise DataError(f"{meta_file} is not a NATS-Bench meta file: key 'meta_archs' missing")

    def records() -> Iterator[tuple[int, Any]]:
        for i in range(NUM_ARCHS):
            candidates = [path / f"{i:06d}.pickle.pbz2", path / f"{i}.pickle.pbz2"]
            file = next((c for c in candidates if c.is_file()), None)
            if file is None:
                raise DataError(f"{path} is incomplete: no {candidates[0].name}")
            entry = _load_pbz2(file, trust)
            if not isinstance(entry, dict) or "200" not in entry:
                raise DataError(f"{file} is not a NATS-Bench topology record: no 200-epoch results (key '200')")
            yield i, entry["200"]

    return _Source(f"nats {path.name}/", _arch_list(meta_file, meta["meta_archs"]), records)


def open_source(kind: str, path: Path, trust: bool = False) -> _Source:
    """Open the official ``path`` of ``kind`` (``nb201`` or ``nats``) far enough to list its archs."""
    if kind not in EXTRAS:
        raise BadInput(f"unknown format {kind!r}: nb201 or nats")
    if not path.exists():
        raise BadInput(f"{path} does not exist")
    if kind == "nb201":
        if path.is_dir():
            raise BadInput(f"{path} is a directory: point at the NAS-Bench-201-v1_1-096897.pth file")
        return _from_dict(path, _load_pth(path, trust), kind)
    if path.is_dir():
        return _from_dir(path, trust)
    return _from_dict(path, _load_pbz2(path, trust), kind)


# -- verification and extraction ----------------------------------------------------------------------


def _reference_strings() -> tuple[str, ...] | None:
    """The arch strings of the NB201 table in index order, or ``None`` when the table is not available."""
    try:
        return load_test_table(api.resolve_data(NB201_TEST_ACC)).arch_strings
    except DataError:
        return None


def verify_arch_strings(where: str, strings: list[str], reference: tuple[str, ...] | None) -> None:
    if len(strings) != NUM_ARCHS:
        raise DataError(f"{where} lists {len(strings)} archs, expected {NUM_ARCHS:,} (the NB201 topology space)")
    bad = next((s for s in strings if codes_of(s) is None), None)
    if bad is not None:
        raise DataError(f"{where} is not an NB201 topology file: {bad!r} is not an NB201 arch string")
    if len(set(strings)) != NUM_ARCHS:
        raise DataError(f"{where}: arch strings are not the 15,625 distinct NB201 archs")
    if reference is not None and tuple(strings) != reference:
        i = next(i for i, (a, b) in enumerate(zip(strings, reference)) if a != b)
        raise DataError(f"{where}: arch {i} is {strings[i]!r}, but the NB201 table has {reference[i]!r} there")


def _number(where: str, value: Any, high: float | None) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise DataError(f"{where} is not a number: {value!r}") from None
    if out != out or (high is not None and not 0.0 <= out <= high) or out < 0:
        raise DataError(f"{where} = {out} is out of range")
    return out


class _Collector:
    """Fills per-seed [N, E] columns from ``ArchResults`` objects, checking as it goes."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.epochs: int | None = None
        # dataset -> seed -> name -> [N, E] float32 (NaN = no value)
        self.columns: dict[str, dict[int, dict[str, np.ndarray]]] = {d: {} for d in DATASETS}

    def add(self, index: int, result: Any, arch_string: str) -> None:
        where = f"{self.where}, arch {index}"
        if getattr(result, "arch_str", arch_string) not in (arch_string, -1):
            raise DataError(f"{where}: record is for {result.arch_str!r}, but meta_archs lists {arch_string!r}")
        seeds_of = getattr(result, "dataset_seed", None)
        if not isinstance(seeds_of, dict):
            raise DataError(f"{where}: not an ArchResults record (no dataset_seed)")
        for dataset in DATASETS:
            seeds = seeds_of.get(dataset)
            if not seeds:
                raise DataError(f"{where}: no {dataset} results (datasets present: {', '.join(map(str, seeds_of))})")
            for seed in seeds:
                self._run(f"{where} {dataset} seed {seed}", index, int(seed), result.query(dataset, seed), dataset)

    def _column(self, dataset: str, seed: int) -> dict[str, np.ndarray]:
        assert self.epochs is not None
        by_seed = self.columns[dataset]
        if seed not in by_seed:
            names = ["train_acc", "test_acc", "train_time"] + (["valid_acc"] if EVAL_SETS[dataset]["valid"] else [])
            by_seed[seed] = {n: np.full((NUM_ARCHS, self.epochs), np.nan, dtype=np.float32) for n in names}
        return by_seed[seed]

    def _run(self, where: str, index: int, seed: int, run: Any, dataset: str) -> None:
        epochs = getattr(run, "epochs", None)
        if not isinstance(epochs, int) or epochs < 1:
            raise DataError(f"{where}: not a ResultsCount record (epochs = {epochs!r})")
        if self.epochs is None:
            self.epochs = epochs
        elif epochs != self.epochs:
            raise DataError(f"{where}: trained {epochs} epochs, other runs {self.epochs}")
        out = self._column(dataset, seed)
        train_acc = run.train_acc1es if isinstance(run.train_acc1es, dict) else {}
        train_time = run.train_times if isinstance(run.train_times, dict) else {}
        evals = run.eval_acc1es if isinstance(run.eval_acc1es, dict) else {}
        for e in range(epochs):
            if e in train_acc:
                out["train_acc"][index, e] = _number(f"{where} train accuracy @{e}", train_acc[e], 100.0)
            if train_time.get(e) is not None:
                out["train_time"][index, e] = _number(f"{where} train time @{e}", train_time[e], None)
            for split in ("valid", "test"):
                name = EVAL_SETS[dataset][split]
                key = f"{name}@{e}"
                if name is not None and key in evals:
                    out[f"{split}_acc"][index, e] = _number(f"{where} {key}", evals[key], 100.0)
        if np.isnan(out["test_acc"][index, -1]):
            raise DataError(f"{where}: no final test accuracy ({EVAL_SETS[dataset]['test']}@{epochs - 1})")

    def arrays(self) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for dataset, by_seed in self.columns.items():
            seeds = sorted(by_seed)
            out[f"{dataset}__seeds"] = np.array(seeds, dtype=np.int64)
            for name in list(by_seed[seeds[0]]):
                out[f"{dataset}__{name}"] = np.stack([by_seed[s].pop(name) for s in seeds], axis=1)
        return out


def import_file(kind: str, path: Path, trust: bool = False) -> Path:
    """Read, verify and store ``path``; returns the written cache file. Nothing is written on error."""
    path = Path(path)
    archs_cls = _arch_results_class(kind)  # fail early and clearly when the extra is missing
    source = open_source(kind, path, trust)
    verify_arch_strings(str(path), source.arch_strings, _reference_strings())
    collector = _Collector(str(path))
    for index, state in source.records():
        if not isinstance(state, dict) or "all_results" not in state:
            raise DataError(f"{path}, arch {index}: not an ArchResults record (no all_results)")
        try:
            result = archs_cls.create_from_state_dict(state)
        except (ValueError, TypeError, AttributeError, AssertionError, KeyError) as exc:
            raise DataError(f"{path}, arch {index}: unreadable record ({_first_line(exc)})") from None
        try:
            collector.add(index, result, source.arch_strings[index])
        except (KeyError, TypeError, AttributeError) as exc:
            raise DataError(f"{path}, arch {index}: malformed record ({_first_line(exc)})") from None
    arrays = collector.arrays()
    arrays["arch_strings"] = np.array(source.arch_strings)
    arrays["epochs"] = np.array(collector.epochs)
    size = f"{path.stat().st_size:,} bytes" if path.is_file() else "directory"
    arrays["source"] = np.array(f"{source.description} ({size})")
    return _write_atomically(arrays)


def _write_atomically(arrays: dict[str, np.ndarray]) -> Path:
    target = cache_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".nb201_full-", suffix=".npz.part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        NB201Full(Path(tmp))  # the file reads back
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _load_cached.cache_clear()
    return target


# -- the stored curves ----------------------------------------------------------------------------------


class NB201Full:
    """The imported curves: per arch, dataset, seed and epoch; see the module docstring for the layout."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._npz = np.load(path, allow_pickle=False)
            self.arch_strings = tuple(str(s) for s in self._npz["arch_strings"])
            self.epochs = int(self._npz["epochs"])
            self.source = str(self._npz["source"])
            self._seeds = {d: [int(s) for s in self._npz[f"{d}__seeds"]] for d in DATASETS}
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            raise DataError(f"{path} is corrupt ({_first_line(exc)}): import the official file again") from None
        self._arrays: dict[str, np.ndarray] = {}
        self._means: dict[tuple[str, str], np.ndarray] = {}

    def array(self, dataset: str, name: str) -> np.ndarray:
        """[N, S, E] float32 of ``name`` (train_acc, valid_acc, test_acc, train_time) on ``dataset``."""
        if dataset not in DATASETS:
            raise BadInput(f"unknown dataset {dataset!r} for the imported curves; choose one of: {', '.join(DATASETS)}")
        key = f"{dataset}__{name}"
        if key not in self._arrays:
            if key not in self._npz.files:
                raise BadInput(f"{dataset} has no {name.replace('_acc', '')} split in NB201")
            self._arrays[key] = self._npz[key]
        return self._arrays[key]

    def seeds(self, dataset: str) -> list[int]:
        """Official seeds with data for some arch on ``dataset`` (an arch may lack some)."""
        self.array(dataset, "test_acc")
        return list(self._seeds[dataset])

    def values(self, dataset: str, name: str, seed: int | None) -> np.ndarray:
        """[N, E]: the given official seed, or the mean over the seeds each arch has (``seed=None``)."""
        array = self.array(dataset, name)
        if seed is None:
            if (dataset, name) not in self._means:
                counts = (~np.isnan(array)).sum(axis=1)
                total = np.nansum(array.astype(np.float64), axis=1)
                self._means[dataset, name] = np.where(counts > 0, total / np.maximum(counts, 1), np.nan)
            return self._means[dataset, name]
        seeds = self._seeds[dataset]
        if seed not in seeds:
            raise BadInput(f"no seed {seed} on {dataset}; the imported file has seeds {', '.join(map(str, seeds))}")
        return array[:, seeds.index(seed)].astype(np.float64)


@lru_cache(maxsize=2)
def _load_cached(path: str, size: int, mtime: float) -> NB201Full:
    return NB201Full(Path(path))


def load() -> NB201Full | None:
    """The imported curves in the user cache, or ``None`` when nothing was imported."""
    path = cache_path()
    if not path.is_file():
        return None
    stat = path.stat()
    return _load_cached(str(path), stat.st_size, stat.st_mtime)
