"""Data files resolved by name: data dir, then user cache, then a checksum-verified download.

No data lives in the repository. Each known file has a canonical URL, sha256, size and licence;
``resolve(name)`` finds it under ``--data-dir`` / ``NASBENCH_DATA``, then the user cache, then
(unless ``NASBENCH_OFFLINE`` is set) downloads it with ``pooch``. A file that cannot be found
produces one line that says what to fetch and where to put it.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from nasbench.errors import DataError

DATA_ENV = "NASBENCH_DATA"
OFFLINE_ENV = "NASBENCH_OFFLINE"
CACHE_ENV = "NASBENCH_CACHE"


@dataclass(frozen=True)
class DataFile:
    """A file nasbench knows: where it sits under a data dir and how to check it."""

    name: str
    path: str  # relative to a data dir
    url: str
    sha256: str | None
    size: int | None
    licence: str
    description: str = ""


def _raw(repo: str, commit: str, path: str) -> str:
    return f"https://raw.githubusercontent.com/{repo}/{commit}/{path}"


KNOWN: dict[str, DataFile] = {
    f.name: f
    for f in [
        DataFile(
            "nb201_test_acc",
            "nb201_test_acc.csv",
            _raw("v-tao/nats-bench-landscape", "312680307c44fd111146b2be0d0148194fbb2ca8", "nats_bench.csv"),
            "cb5d777ec3368be83c8f9b3aa4d520696051cb0eb8d94b8f85b519f9ea4afa3e",
            3_024_008,
            "values from NATS-Bench (MIT); file licence not stated",
            "NB201 200-epoch test accuracy, seed-averaged: cifar10, cifar100, ImageNet16-120",
        ),
        DataFile(
            "nb201_cifar10_valid_avg",
            "nb201_cifar10_valid_avg.csv",
            _raw("gabro8a/NAS-Landscapes", "35a0b81400d9030e48a82cc372879fa7c32270aa", "data/accuracy/cifar10_avg.csv"),
            "1fc89edb42c804223ea2f520a3a65b5e10d8c34bc2d1bbca6bc4b4b38a193827",
            4_050_037,
            "MIT",
            "NB201 cifar10-valid: train on half of train, validation accuracy averaged over 3 seeds",
        ),
        DataFile(
            "nas_bench_macro_cifar10",
            "nas-bench-macro_cifar10.json",
            _raw(
                "xiusu/NAS-Bench-Macro", "b1ee7c6ff9d83e6bc002adcaf5c6a9a2ba1a4ac7", "data/nas-bench-macro_cifar10.json"
            ),
            "686dee8363cc21cca8c1f321ad5749454f2d9b9ca5972682e137e539bc522297",
            1_178_821,
            "Apache-2.0",
            "NAS-Bench-Macro: CIFAR-10 test accuracy of all 6,561 archs",
        ),
        DataFile(
            "nb301_yahpo_model",
            "nb301_yahpo/model_v2.onnx",
            _raw("slds-lmu/yahpo_data", "0e288068134f4af8d231c63d2a941e5ab8060ef0", "nb301/model_v2.onnx"),
            "e7168d495cf7fe6419b69234a052571536c2a5f6d7a8a2aead4e9d04dffac1d6",
            2_781_646,
            "Apache-2.0",
            "NAS-Bench-301 surrogate (YAHPO Gym v2, ONNX)",
        ),
        DataFile(
            "nb301_yahpo_encoding",
            "nb301_yahpo/encoding_v2.json",
            _raw("slds-lmu/yahpo_data", "0e288068134f4af8d231c63d2a941e5ab8060ef0", "nb301/encoding_v2.json"),
            "b16bb8db9aa5a9b688cd97e782643abe96bd166baa445675f57cbcf5e6128a98",
            6_706,
            "Apache-2.0",
            "categorical codes of the YAHPO NB301 surrogate",
        ),
        DataFile(
            "cifar10_train",
            "cifar-10-batches-bin/data_batch_1.bin",
            "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
            None,  # the official batch or the 1,000-image subset: checked by format, not checksum
            None,
            "CIFAR-10 (Krizhevsky 2009), no formal licence; cite the tech report",
            "CIFAR-10 training images, official binary format",
        ),
        DataFile(
            "cifar10_test",
            "cifar-10-batches-bin/test_batch.bin",
            "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
            None,
            None,
            "CIFAR-10 (Krizhevsky 2009), no formal licence; cite the tech report",
            "CIFAR-10 test images, official binary format",
        ),
        DataFile(
            "naswot_reference",
            "reference/naswot_arch_score_acc.csv",
            "https://raw.githubusercontent.com/BayesWatch/nas-without-training/a1aa24c257741db0a049e4f126be67ffb1adc2dc/results/arch_score_acc.pd",
            "f386107cfaf3105646a9bfcd46b7030752ef04af20e7165a04dc9a025d75a754",
            2_515_567,
            "MIT",
            "NASWOT v1 scores of all NB201 archs (converted from the published pickle to CSV)",
        ),
        DataFile(
            "naslib_zc_nb201",
            "reference/zc_nasbench201.json",
            _raw("automl/NASLib", "22280f711aa782fe9157d1b4e5ce4f83f47ab908", "naslib/data/zc_nasbench201.json"),
            "310e1d66fc59d668fe1e0460760eaf0e1f98ad7ac8d73b4fee9d6345551d0b09",
            533_967,
            "Apache-2.0",
            "NASLib zero-cost proxy values of 491 NB201 archs",
        ),
    ]
}


def data_dirs(data_dir: str | os.PathLike[str] | None = None) -> list[Path]:
    """Where files are looked for, in order: explicit dir, ``NASBENCH_DATA``, user cache."""
    dirs = []
    if data_dir:
        dirs.append(Path(data_dir))
    if os.environ.get(DATA_ENV):
        dirs.append(Path(os.environ[DATA_ENV]))
    dirs.append(cache_dir())
    return dirs


def cache_dir() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "nasbench"


_VERIFIED: dict[tuple[str, int, float], bool] = {}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, entry: DataFile) -> None:
    """Size and sha256 check (memoised per path/size/mtime); mismatch -> ``DataError``."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime)
    if _VERIFIED.get(key):
        return
    if entry.size is not None and stat.st_size != entry.size:
        raise DataError(
            f"{path} is corrupt or not {entry.name}: {stat.st_size} bytes, expected {entry.size}; "
            f"fetch a fresh copy from {entry.url}"
        )
    if entry.sha256 is not None and sha256_of(path) != entry.sha256:
        raise DataError(
            f"{path} is corrupt: sha256 differs from the known {entry.name}; fetch it again from {entry.url}"
        )
    _VERIFIED[key] = True


def resolve(name: str, data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Path of the known file ``name``; downloads it only when online and allowed."""
    entry = KNOWN[name]
    for root in data_dirs(data_dir):
        candidate = root / entry.path
        if candidate.is_file():
            verify(candidate, entry)
            return candidate
    target = cache_dir() / entry.path
    if os.environ.get(OFFLINE_ENV, "") in ("", "0") and entry.sha256 is not None:
        try:
            return _download(entry, target)
        except Exception:  # noqa: BLE001 - any network failure ends in the same one-line advice
            pass
    where = os.environ.get(DATA_ENV) or str(data_dir or cache_dir())
    raise DataError(f"missing data file {entry.path}: download {entry.url} and put it at {Path(where) / entry.path}")


def _download(entry: DataFile, target: Path) -> Path:
    import pooch  # imported here: no network machinery at import time

    target.parent.mkdir(parents=True, exist_ok=True)
    path = pooch.retrieve(
        entry.url,
        known_hash=f"sha256:{entry.sha256}",
        fname=target.name,
        path=target.parent,
        progressbar=False,
    )
    return Path(path)


def describe_source(path: Path) -> str:
    """How a resolved file was found, for the protocol stored with every trial."""
    return str(path.resolve())
