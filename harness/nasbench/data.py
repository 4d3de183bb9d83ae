"""Data files resolved by name: data dir, then user cache, then a checksum-verified download.

No data lives in the repository. Each file (declared by the family that reads it, as a
``DataFile``) has a canonical URL, sha256, size and licence;
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


def github_raw(repo: str, commit: str, path: str) -> str:
    return f"https://raw.githubusercontent.com/{repo}/{commit}/{path}"


#: the files the host itself reads (CIFAR-10 for image-based scorers); every other file is
#: declared by the family that reads it and registered through ``nasbench_register_data_files``
HOST_FILES: dict[str, DataFile] = {
    f.name: f
    for f in [
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
    ]
}


def data_dirs(data_dir: str | os.PathLike[str] | None = None) -> list[Path]:
    """Where files are looked for, in order: explicit dir, ``NASBENCH_DATA`` (one directory, or
    several separated by ``os.pathsep`` as in ``PATH``), user cache."""
    dirs = [Path(data_dir)] if data_dir else []
    dirs += [Path(p) for p in os.environ.get(DATA_ENV, "").split(os.pathsep) if p]
    dirs.append(cache_dir())
    return list(dict.fromkeys(dirs))


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


def resolve(entry: DataFile | str, data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Path of the data file ``entry`` (a ``DataFile``, or a host file's name); downloads it only
    when online and allowed and the file has a checksum."""
    if isinstance(entry, str):
        if entry not in HOST_FILES:
            raise DataError(f"unknown data file {entry!r}: pass its DataFile (host files: {', '.join(HOST_FILES)})")
        entry = HOST_FILES[entry]
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
    where = data_dirs(data_dir)[0]
    raise DataError(f"missing data file {entry.path}: download {entry.url} and put it at {where / entry.path}")


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
